"""`ecert root …`: the offline root CA, and the online platform's side of the ceremony.

On the root's machine (never networked), its own data dir (``--dir``; SQLite in it, keys in
``keys/`` encrypted with ECERT_KEY_PASSPHRASE, or the HSM token ECERT_KEY_BACKEND=pkcs11
names):

    ecert root init --dir ROOT                   # root key + root.pem
    ecert root sign-issuing-ca --dir ROOT --request issuing.csr --out issuing.pem
    ecert root sign-crls --dir ROOT --until 2027-06-30 --out root-crls.pem
    ecert root revoke-issuing-ca --dir ROOT --serial N --reason key_compromise

On the platform: ``ecert init --issuing-ca-request issuing.csr`` (the issuing CA's key stays
here), then ``ecert init --issuing-ca issuing.pem --root-cert root.pem --root-crls
root-crls.pem``; later ``ecert root import-crls root-crls.pem``. See docs/pki.md.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from authority import hierarchy
from authority.pki import ISSUING_CN, PLATFORM_NAME, _stamp
from ca import certs as ca_certs
from ca import crl as ca_crl
from ca import hierarchy as ca_hierarchy
from ca.errors import CaError
from ecert.cli.common import DataDir, Demo, cli_actor, console, platform_for, settings_for
from ecert.errors import UsageError
from ecert.platform import Platform

root_app = typer.Typer(help="Offline root CA: create it, sign issuing CAs and CRLs in advance.",
                       no_args_is_help=True)

RootDir = Annotated[Path, typer.Option("--dir", help="the root's own data dir (offline machine)")]
ROOT_DB = "root.db"
PENDING = "issuing-ca.pending"  # label of the issuing CA key awaiting its certificate


def _root_platform(directory: Path, demo: bool, create: bool = False) -> Platform:
    if not create and not (directory / ROOT_DB).exists():
        raise UsageError(f"no root in {directory}; run `ecert root init --dir {directory}`")
    s = settings_for(directory, demo, create=create)
    # the root's records never leave its machine: always its own SQLite file
    s = dataclasses.replace(s, database_url=f"sqlite:///{directory.resolve() / ROOT_DB}")
    return Platform(s)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: {exc.strerror}") from exc


def _write_new(path: Path, text: str) -> None:
    if path.exists():
        raise UsageError(f"{path} exists; choose a new file")
    path.write_text(text)


@root_app.command("init")
def root_init(directory: RootDir, demo: Demo = False) -> None:
    """Create the root key and its self-signed certificate (root.pem) in --dir."""
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    p = _root_platform(directory, demo, create=True)
    p.store.create_schema()
    with p.store.transaction() as uow:
        if uow.pki.active("root") is not None:
            raise UsageError(f"{directory} already holds a root")
        rec = p.pki.create_root(uow, cli_actor(), p.now())
    (directory / "root.pem").write_text(ca_certs.pem(rec.der))
    info = ca_certs.describe_cert(rec.der)
    console.print(f"[green]root created[/green] in {directory}: {directory / 'root.pem'}\n"
                  f"  SHA-256 {info.sha256_fingerprint}  (publish and pin this fingerprint)")


@root_app.command("sign-issuing-ca")
def sign_issuing_ca(directory: RootDir,
                    request: Annotated[Path, typer.Option("--request", help="PKCS#10 from "
                                                          "`ecert init --issuing-ca-request`")],
                    out: Annotated[Path, typer.Option("--out", help="certificate to write")],
                    base_url: Annotated[str | None, typer.Option(
                        "--base-url", help="the platform's public URL (AIA, CRL DP)")] = None,
                    years: Annotated[int, typer.Option(min=1, max=10)] = 5,
                    demo: Demo = False) -> None:
    """Sign an issuing CA certificate for the platform's key (its request proves the key)."""
    p = _root_platform(directory, demo)
    try:
        req_der = ca_hierarchy.csr_der_from_pem(_read(request))
    except CaError as exc:
        raise UsageError(str(exc)) from exc
    with p.store.transaction() as uow:
        rec = hierarchy.sign_issuing_ca(uow, p.audit, p.pki.root(uow), req_der,
                                        base_url or p.settings.base_url, cli_actor(), p.now(),
                                        years=years)
    _write_new(out, ca_certs.pem(rec.der))
    console.print(f"issuing CA serial {rec.serial}, valid until {rec.not_after:%Y-%m-%d}: {out}")


def _day(text: str, name: str) -> dt.datetime:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError as exc:
        raise UsageError(f"{name}: use YYYY-MM-DD") from exc
    return dt.datetime.combine(day, dt.time(), dt.UTC)


@root_app.command("sign-crls")
def sign_crls(directory: RootDir,
              until: Annotated[str, typer.Option("--until", help="last day covered (YYYY-MM-DD)")],
              out: Annotated[Path, typer.Option("--out", help="PEM file of the series")],
              start: Annotated[str | None, typer.Option(
                  "--from", help="first day (YYYY-MM-DD; default today)")] = None,
              validity_days: Annotated[int, typer.Option(min=1, max=90)] = 14,
              step_days: Annotated[int, typer.Option(min=1, max=90)] = 7,
              demo: Demo = False) -> None:
    """Sign the root's CRLs in advance: one every --step-days, each valid --validity-days."""
    p = _root_platform(directory, demo)
    now = p.now()
    first = _day(start, "--from") if start else now.replace(microsecond=0)
    last = _day(until, "--until") + dt.timedelta(days=1)
    with p.store.transaction() as uow:
        ders = hierarchy.sign_crl_series(uow, p.audit, p.pki.root(uow), first, last,
                                         cli_actor(), now,
                                         validity=dt.timedelta(days=validity_days),
                                         step=dt.timedelta(days=step_days))
    _write_new(out, "".join(ca_crl.crl_pem(d) for d in ders))
    end = first + dt.timedelta(days=step_days) * (len(ders) - 1) + dt.timedelta(days=validity_days)
    console.print(f"{len(ders)} root CRLs from {first:%Y-%m-%d} to {end:%Y-%m-%d}: {out}")


@root_app.command("revoke-issuing-ca")
def revoke_issuing_ca(directory: RootDir, serial: Annotated[int, typer.Option("--serial")],
                      reason: Annotated[str, typer.Option("--reason")] = "key_compromise",
                      demo: Demo = False) -> None:
    """Record an issuing CA's revocation; every CRL signed afterwards lists it."""
    p = _root_platform(directory, demo)
    with p.store.transaction() as uow:
        hierarchy.revoke_issuing_ca(uow, p.audit, serial, reason, cli_actor(), p.now())
    console.print(f"issuing CA {serial} revoked ({reason}); now run `ecert root sign-crls` and "
                  "carry the series to the platform at once")


@root_app.command("import-crls")
def import_crls(crls: Annotated[Path, typer.Argument(help="PEM series from `ecert root sign-crls`")],
                data_dir: DataDir = None, demo: Demo = False) -> None:
    """On the platform: store a series of root CRLs; /pki/crl/root.crl serves the valid one."""
    p = platform_for(data_dir, demo)
    try:
        ders = ca_crl.crls_from_pem(_read(crls).decode("ascii", "replace"))
    except CaError as exc:
        raise UsageError(str(exc)) from exc
    with p.writing() as uow:
        infos = p.pki.root_crls.add(ders, p.pki.root_cert(uow))
        p.audit.record_by(uow, cli_actor(), now=p.now(), action="pki.root.crl_import",
                          details={"count": len(infos)})
    until = max(i.next_update for i in infos if i.next_update is not None)
    console.print(f"{len(infos)} root CRLs imported; covered until {until:%Y-%m-%d %H:%M} UTC")


def init_request(p: Platform, out: Path) -> None:
    """`ecert init --issuing-ca-request`: the issuing CA key here, its request to carry."""
    pending = p.settings.data_dir / PENDING
    if pending.exists():
        label = pending.read_text().strip()
        signer = p.pki.signer(label)
    else:
        label = f"issuing-{_stamp(p.now())}"
        signer = p.keys.generate(label)
        pending.write_text(label + "\n")
    req = ca_hierarchy.make_issuing_request(signer, ISSUING_CN, PLATFORM_NAME)
    _write_new(out, ca_hierarchy.csr_pem(req))
    console.print(f"issuing CA key {label} created; carry {out} to the root's machine "
                  "(`ecert root sign-issuing-ca`)")


def init_adopt(p: Platform, issuing: Path, root: Path, root_crls: Path | None) -> None:
    """`ecert init --issuing-ca`: set the platform up under the offline root."""
    pending = p.settings.data_dir / PENDING
    if not pending.exists():
        raise UsageError("no issuing CA key here; run `ecert init --issuing-ca-request` first")
    try:
        issuing_der = ca_certs.der_from_pem(_read(issuing))
        root_der = ca_certs.der_from_pem(_read(root))
        crls = ca_crl.crls_from_pem(_read(root_crls).decode("ascii", "replace")) \
            if root_crls else []
    except CaError as exc:
        raise UsageError(str(exc)) from exc
    with p.store.transaction() as uow:
        p.pki.adopt_issuing_ca(uow, cli_actor(), p.now(), root_der=root_der,
                               issuing_der=issuing_der, key_label=pending.read_text().strip())
        if crls:
            p.pki.root_crls.add(crls, root_der)
        p.audit.sign_head(uow, p.head_signer(uow), p.now())
    pending.unlink()
    console.print("[green]platform set up under the offline root[/green]"
                  + ("" if crls else "; import the root's CRLs (`ecert root import-crls`)"))
