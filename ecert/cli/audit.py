"""`ecert audit …`: verify the log and the library against it, export, proofs, witnessing."""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from audit_log import formats, merkle
from audit_log.verify import export_csv, export_jsonl
from ecert.cli.common import DataDir, Demo, cli_actor, console, err, platform_for
from ecert.errors import UsageError

# The NAME of the environment variable holding the witness key passphrase, not a secret.
WITNESS_PASSPHRASE_ENV = "ECERT_WITNESS_PASSPHRASE"  # noqa: S105
PassphraseEnv = Annotated[str, typer.Option("--passphrase-env",
                                            help="environment variable with the key passphrase")]

audit_app = typer.Typer(help="The tamper-evident audit log (Art. 21)", no_args_is_help=True)


@audit_app.command("verify")
def audit_verify(data_dir: DataDir = None, demo: Demo = False) -> None:
    """Recompute the tree from the stored entries, check every signed head and their
    consistency, and check every certificate version and status event against the log."""
    from ecert.services.audit import verify_all

    full = verify_all(platform_for(data_dir, demo))
    result, integrity, pki = full.log, full.library, full.pki
    for check in result.checks:
        mark = "[green]ok[/green]" if check.ok else "[red]FAILED[/red]"
        console.print(f"{check.name:<18} {mark}")
        for finding in check.findings:
            console.print(f"    {finding}")
        if check.more:
            console.print(f"    … and {check.more} more")
    mark = "[green]ok[/green]" if integrity.ok else "[red]FAILED[/red]"
    console.print(f"{'library':<18} {mark} ({integrity.versions_checked} versions, "
                  f"{integrity.events_checked} status events)")
    for finding in integrity.findings:
        console.print(f"    {finding}")
    mark = "[green]ok[/green]" if pki.ok else "[red]FAILED[/red]"
    console.print(f"{'pki':<18} {mark} ({pki.certificates_checked} certificates, "
                  f"{pki.keys_checked} keys)")
    for finding in pki.findings:
        console.print(f"    {finding}")
    console.print(f"tree size {result.tree_size}, {result.heads_checked} signed heads checked")
    if not full.ok:
        err.print("[red]audit verification FAILED[/red]")
        raise typer.Exit(1)
    console.print("[green]audit log and library verified[/green]")


@audit_app.command("export")
def audit_export(out: Annotated[Path, typer.Argument(help="output file, '-' for stdout")] = Path("-"),
                 fmt: Annotated[str, typer.Option("--format", help="jsonl|csv")] = "jsonl",
                 data_dir: DataDir = None, demo: Demo = False) -> None:
    """Every entry with its leaf input (base64), for auditors' own tools."""
    if fmt not in ("jsonl", "csv"):
        raise UsageError("--format must be jsonl or csv")
    p = platform_for(data_dir, demo)
    writer = export_jsonl if fmt == "jsonl" else export_csv
    with p.store.transaction() as uow:
        if str(out) == "-":
            n = writer(uow, sys.stdout)
        else:
            with out.open("w", encoding="utf-8", newline="") as fh:
                n = writer(uow, fh)
    err.print(f"{n} entries exported")


@audit_app.command("proof")
def audit_proof(index: Annotated[int | None, typer.Option("--index")] = None,
                leaf_hash: Annotated[str | None, typer.Option(
                    "--leaf-hash", "--hash", help="base64 leaf hash")] = None,
                tree_size: Annotated[int | None, typer.Option("--tree-size")] = None,
                first: Annotated[int | None, typer.Option("--first", help="consistency from")] = None,
                second: Annotated[int | None, typer.Option("--second", help="consistency to")] = None,
                data_dir: DataDir = None, demo: Demo = False) -> None:
    """Inclusion proof of one entry (--index or --leaf-hash) against a signed tree head, or a
    consistency proof between two signed heads (--first A --second B); RFC 6962 JSON shapes.
    Every proof is checked with our RFC 9162 verifier before it is printed."""
    inclusion = index is not None or leaf_hash is not None
    if inclusion == (first is not None or second is not None) or (
            inclusion and index is not None and leaf_hash is not None):
        raise UsageError("give --index or --leaf-hash, or --first and --second")
    p = platform_for(data_dir, demo)
    with p.store.transaction() as uow:
        if not inclusion:
            if first is None or second is None:
                raise UsageError("a consistency proof needs --first and --second")
            old, new = p.audit.get_head(uow, first), p.audit.get_head(uow, second)
            proof = p.audit.consistency_proof(uow, first, second)
            merkle.verify_consistency(first, second, old.root_hash, new.root_hash, proof)
            print(json.dumps({"first": formats.get_sth_json(old), "second": formats.get_sth_json(new),
                              **formats.consistency_json(proof)}, indent=2))
            return
        head = p.audit.latest_head(uow) if tree_size is None else p.audit.get_head(uow, tree_size)
        if head is None:
            raise UsageError("no signed tree head yet")
        leaf: int | bytes = index if index is not None else formats.unb64(leaf_hash or "")
        inc = p.audit.inclusion_proof(uow, leaf, head.tree_size)
    merkle.verify_inclusion(inc.leaf_index, head.tree_size, inc.leaf_hash,
                            list(inc.audit_path), head.root_hash)
    print(json.dumps({"sth": formats.get_sth_json(head),
                      "leaf_hash": formats.b64(inc.leaf_hash),
                      **formats.proof_by_hash_json(inc.leaf_index, inc.audit_path)}, indent=2))


@audit_app.command("sign-head")
def audit_sign_head(data_dir: DataDir = None, demo: Demo = False) -> None:
    """Sign a tree head now (the server also does it every N entries or T seconds)."""
    p = platform_for(data_dir, demo)
    with p.store.transaction() as uow:
        head = p.audit.sign_head(uow, p.head_signer(uow), p.now())
    console.print(f"tree head {head.tree_size} {formats.b64(head.root_hash)}")


@audit_app.command("witness")
def audit_witness(url: Annotated[str, typer.Option("--url", help="platform base URL")],
                  key: Annotated[Path, typer.Option("--key", help="witness key file (PKCS#8 PEM)")],
                  token: Annotated[str, typer.Option("--token", envvar="ECERT_TOKEN",
                                                     help="auditor token")],
                  name: Annotated[str, typer.Option("--name")] = "witness",
                  state: Annotated[Path, typer.Option("--state")] = Path("witness-state.json"),
                  log_key: Annotated[Path | None, typer.Option(
                      "--log-key", help="the log's audit certificate (PEM); default: fetched "
                      "from /pki/services.pem on first use and pinned in the state dir")] = None,
                  passphrase_env: PassphraseEnv = WITNESS_PASSPHRASE_ENV,
                  ) -> None:
    """Independent witness: check the newest head is consistent with the last one seen,
    then cosign it and post the cosignature back. A rewritten history is refused."""
    from ecert.services.witness import run_witness

    cos = run_witness(url, key, token, name, state, log_key, passphrase_env)
    console.print(f"cosigned tree head {cos.tree_size} as {name}")
    console.print(base64.b64encode(cos.signature).decode())


@audit_app.command("witness-init")
def audit_witness_init(key: Annotated[Path, typer.Option("--key", help="new key file (…/NAME.key.pem)")],
                       passphrase_env: PassphraseEnv = WITNESS_PASSPHRASE_ENV,
                       ) -> None:
    """Create a witness key (encrypted PKCS#8, 0600), write its public key beside it
    (NAME.pub.pem, for `ecert audit witness-add`) and print it."""
    from ecert.services.witness import create_witness_key

    spki = create_witness_key(key, passphrase_env)
    console.print(base64.b64encode(spki).decode())


@audit_app.command("witness-add")
def audit_witness_add(name: Annotated[str, typer.Argument(help="the witness's name in cosignatures")],
                      key: Annotated[Path, typer.Option("--key", help="its public key (PEM)")],
                      data_dir: DataDir = None, demo: Demo = False) -> None:
    """Register a witness (operator only; audited). Cosignatures are accepted only from
    registered witnesses, checked against the key registered here."""
    from ecert.services.audit import add_witness
    from ecert.services.witness import public_key_from_pem

    if not 1 <= len(name) <= 200 or not name.isprintable():
        raise UsageError("a witness name has 1-200 printable characters")
    spki = public_key_from_pem(key.read_text(encoding="ascii", errors="replace"))
    rec = add_witness(platform_for(data_dir, demo), name, spki, cli_actor())
    console.print(f"witness {rec.name} registered, key id {rec.key_id}")


@audit_app.command("witness-list")
def audit_witness_list(data_dir: DataDir = None, demo: Demo = False) -> None:
    """The registered witnesses: name, key id, when and by whom registered."""
    from ecert.services.audit import list_witnesses

    for w in list_witnesses(platform_for(data_dir, demo)):
        console.print(f"{w.name}  {w.key_id}  {w.added_at:%Y-%m-%d %H:%M}Z  {w.added_by}")
