"""`ecert dept client-cert` and `ecert tls …`: departments' mutual-TLS client certificates."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ca import certs as ca_certs
from ca.keystore import FileKeyStore
from ecert.cli.common import DataDir, Demo, cli_actor, console, platform_for
from ecert.errors import UsageError
from ecert.services import clientcerts

tls_app = typer.Typer(help="Mutual TLS: departments' client certificates", no_args_is_help=True)


def dept_client_cert(
        code: str,
        role: Annotated[str, typer.Option("--role", help="issuer|user: what the certificate may do")],
        out: Annotated[Path, typer.Option("--out", help="directory for key, certificate, ca.pem")],
        passphrase_env: Annotated[str, typer.Option(
            "--passphrase-env", help="environment variable with the key file's passphrase")
        ] = "ECERT_CLIENT_KEY_PASSPHRASE",  # noqa: S107 - the name of a variable, not a secret
        years: Annotated[int, typer.Option("--years", min=1, max=3)] = 1,
        operator: Annotated[int | None, typer.Option(
            "--operator", help="the named operator (ecert operator add) it belongs to")] = None,
        data_dir: DataDir = None, demo: Demo = False) -> None:
    """A client certificate from the platform CA: the department authenticates with it instead
    of a token (HTTPS with `--client-certs`). The key is written encrypted (PKCS#8, 0600) and
    kept nowhere else; only the certificate is recorded, bound to ROLE, and revocable."""
    p = platform_for(data_dir, demo)
    code = code.strip().upper()
    passphrase = clientcerts.passphrase_from_env(passphrase_env)
    if role not in ("issuer", "user"):
        raise UsageError("--role is issuer or user")
    label = clientcerts.key_label(code, role, p.now())
    key_file = out / f"{label}.key.pem"
    key = FileKeyStore(out, passphrase).generate(label)
    try:
        rec = clientcerts.issue_client_cert(p, code, role, key.public_key_der, label, cli_actor(),
                                            years, operator_id=operator)
    except BaseException:
        key_file.unlink(missing_ok=True)
        raise
    cert_file = out / f"{label}.pem"
    cert_file.write_text(ca_certs.pem(rec.der))
    with p.store.transaction() as uow:
        root = uow.pki.active("root")
        cas = [r.der for r in uow.pki.certs(kind="issuing")]
    if root is not None:  # the root, then the issuing CAs that sign client certificates
        (out / "ca.pem").write_text("".join(ca_certs.pem(d) for d in (root.der, *cas)))
    console.print(f"client certificate serial {rec.serial} for {code} as {role}, valid until "
                  f"{rec.not_after:%Y-%m-%d}\n  certificate {cert_file}\n  key         {key_file} "
                  f"(encrypted with ${passphrase_env})\n  CA          {out / 'ca.pem'}")


@tls_app.command("list")
def tls_list(dept: Annotated[str | None, typer.Option("--dept")] = None,
             data_dir: DataDir = None, demo: Demo = False) -> None:
    """Client certificates, with their department, role and state."""
    p = platform_for(data_dir, demo)
    for r in clientcerts.client_certs(p, dept):
        console.print(f"{r.serial}  {r.dept_code}  {clientcerts.CLIENT_KINDS[r.kind]:<6} {r.state:<8} "
                      f"until {r.not_after:%Y-%m-%d}  {r.x5t_s256}")


@tls_app.command("revoke")
def tls_revoke(serial: int,
               reason: Annotated[str, typer.Option(
                   "--reason", help="key_compromise, superseded, cessation_of_operation, …")
               ] = "key_compromise",
               data_dir: DataDir = None, demo: Demo = False) -> None:
    """Revoke a client certificate: refused at the next request, and in OCSP and the CRL."""
    p = platform_for(data_dir, demo)
    clientcerts.revoke_client_cert(p, serial, reason, cli_actor())
    console.print(f"client certificate {serial} revoked ({reason})")
