"""`ecert verify` and `ecert trust-bundle`: check a PDF, a QR URL or an identifier.

Offline: from a trust bundle (root certificate, signed trust list and status list, and the
status shards asked for with ``--shard N``: ``status-shard-N.gz`` and its signature
``status-shard-N.jws``) that `ecert trust-bundle --url BASE --out DIR` downloaded; stale lists
give "unknown", never "valid". An ``ecert/qr/3`` code takes its status from its shard when the
bundle has it, else from the status list.
Online: with `--data-dir`, against the central store itself.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

from ecert.cli.common import DataDir, Demo, console, err, platform_for
from ecert.errors import UsageError
from formats.statuslist import SIGNATURE_HEADER

BUNDLE_FILES = {"root": "ca.pem", "trust": "trust-list.jws", "status": "status-list.jws",
                "root_crl": "root.crl"}


def trust_bundle(url: Annotated[str, typer.Option("--url", help="platform base URL")],
                 out: Annotated[Path, typer.Option("--out", help="directory to write")],
                 shard: Annotated[list[int] | None, typer.Option(
                     "--shard", help="also this status shard (repeatable)")] = None) -> None:
    """Download the root certificate, the signed trust list, the status list (and shards), and
    the root's CRL: an issuing CA it revokes then signs nothing the bundle accepts."""
    base = url.rstrip("/")
    out.mkdir(parents=True, exist_ok=True)
    with httpx.Client(timeout=30) as client:
        for path, name in (("/pki/ca.pem", BUNDLE_FILES["root"]),
                           ("/pki/trust-list", BUNDLE_FILES["trust"]),
                           ("/pki/status-list", BUNDLE_FILES["status"])):
            r = client.get(base + path)
            r.raise_for_status()
            (out / name).write_bytes(r.content)
        for n in shard or ():
            r = client.get(f"{base}/pki/status/{n}")
            r.raise_for_status()
            (out / f"status-shard-{n}.gz").write_bytes(r.content)
            (out / f"status-shard-{n}.jws").write_text(r.headers[SIGNATURE_HEADER] + "\n")
        r = client.get(base + "/pki/crl/root.crl")
        if r.status_code == 200:
            (out / BUNDLE_FILES["root_crl"]).write_bytes(r.content)
    console.print(f"trust bundle written to {out}")


def _bundle(path: Path) -> tuple[bytes, str, str, bytes | None]:
    from ca.certs import der_from_pem

    crl_file = path / BUNDLE_FILES["root_crl"]
    try:
        root = der_from_pem((path / BUNDLE_FILES["root"]).read_text())
        return (root, (path / BUNDLE_FILES["trust"]).read_text().strip(),
                (path / BUNDLE_FILES["status"]).read_text().strip(),
                crl_file.read_bytes() if crl_file.is_file() else None)
    except FileNotFoundError as exc:
        raise UsageError(f"{path} is not a trust bundle (run `ecert trust-bundle`)") from exc


def _shards(path: Path, root_der: bytes, now: Any) -> dict[int, Any]:
    """The bundle's status shards by number (verifier.bitstring), stale ones included."""
    from verifier.bitstring import load_shard

    out = {}
    for sig in sorted(path.glob("status-shard-*.jws")):
        n = int(sig.stem.rsplit("-", 1)[1])
        out[n] = load_shard(sig.read_text().strip(), sig.with_suffix(".gz").read_bytes(),
                            root_der, now, shard=n, allow_stale=True)
    return out


def _print(result: Any, as_json: bool) -> None:
    d = result.to_dict()
    if as_json:
        print(json.dumps(d, ensure_ascii=False, indent=2))
    else:
        colour = "green" if d["verdict"] == "valid" else "red"
        console.print(f"[bold {colour}]{d['verdict']}[/bold {colour}]  {d['summary']}")
        if d.get("identifier"):
            console.print(f"identifier: {d['identifier']}")
        if d.get("current_identifier") and d["current_identifier"] != d.get("identifier"):
            console.print(f"current version: {d['current_identifier']}")
        for c in d["checks"]:
            mark = {True: "[green]✓[/green]", False: "[red]✗[/red]", None: "[yellow]?[/yellow]"}
            console.print(f"  {mark[c['passed']]} {c['name']:<18} {c['message']}")
    if d["verdict"] != "valid":
        raise typer.Exit(1)


def verify(target: Annotated[str | None, typer.Argument(help="FILE.pdf or IDENTIFIER")] = None,
           qr: Annotated[str | None, typer.Option("--qr", help="a scanned QR URL")] = None,
           bundle: Annotated[Path | None, typer.Option(
               "--bundle", help="trust bundle dir for offline checks")] = None,
           as_json: Annotated[bool, typer.Option("--json")] = False,
           data_dir: DataDir = None, demo: Demo = False) -> None:
    """Verify a PDF, a QR URL or an identifier. Exit 0 only for a valid, current certificate."""
    import datetime as dt

    from verifier.lists import load_status_list, load_trust_list
    from verifier.pdf import verify_pdf
    from verifier.verify import verify_identifier, verify_qr, verify_qr_online

    if (target is None) == (qr is None):
        raise UsageError("give a FILE.pdf or IDENTIFIER, or --qr URL")
    now = dt.datetime.now(dt.UTC)
    online = bundle is None
    if online:
        p = platform_for(data_dir, demo)
        with p.store.transaction() as uow:
            root_der = p.pki.root_cert(uow)
            if qr is not None:
                result = verify_qr_online(uow, qr, now, root_der=root_der)
            elif target is not None and target.lower().endswith(".pdf"):
                result = verify_pdf(uow, _read(target), root_der, now)
            else:
                result = verify_identifier(uow, str(target), now, root_der=root_der)
        _print(result, as_json)
        return
    assert bundle is not None
    root_der, trust_jws, status_jws, root_crl = _bundle(bundle)
    status = load_status_list(status_jws, root_der, now, allow_stale=True, root_crl=root_crl)
    if qr is not None:
        trust = load_trust_list(trust_jws, root_der, now, allow_stale=True, root_crl=root_crl)
        _print(verify_qr(qr, trust, status, now, shards=_shards(bundle, root_der, now)), as_json)
    elif target is not None and target.lower().endswith(".pdf"):
        _print(verify_pdf(None, _read(target), root_der, now, status_list=status), as_json)
    else:
        err.print("an identifier alone can only be checked online (--data-dir)")
        raise typer.Exit(2)


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: {exc.strerror}") from exc
