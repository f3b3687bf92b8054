"""The `ecert` command. Errors are caught once, in `main()`: a message and a non-zero exit."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from audit_log.actor import Actor
from ecert.errors import ConfigError
from ecert.settings import Settings, load_settings
from formats.errors import DomainError

app = typer.Typer(help="ecert 电子证照平台: PKI, signing, verification and audit.",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
dept_app = typer.Typer(help="Departments and their signing keys", no_args_is_help=True)
token_app = typer.Typer(help="API tokens (stored hashed)", no_args_is_help=True)
app.add_typer(dept_app, name="dept")
app.add_typer(token_app, name="token")

console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="data directory "
                                              "(default $ECERT_DATA_DIR or ./ecert-data)")]
Demo = Annotated[bool, typer.Option("--demo", help="demo mode: generated key passphrase")]


def cli_actor() -> Actor:
    import getpass

    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "operator"
    return Actor(name=f"cli:{user}", role="admin")


def settings_for(data_dir: Path | None, demo: bool, create: bool = False) -> Settings:
    return load_settings(data_dir=data_dir, demo=demo or None, create_demo_secret=create)


def platform_for(data_dir: Path | None, demo: bool = False) -> Any:
    from ecert.platform import Platform

    s = settings_for(data_dir, demo)
    if s.database_url.startswith("sqlite"):
        from sqlalchemy.engine import make_url

        # the file ECERT_DATABASE_URL names, which need not be the data dir's ecert.db
        db_file = Path(make_url(s.database_url).database or s.data_dir / "ecert.db")
        if not db_file.exists():
            raise ConfigError(f"no ecert database at {db_file}; run `ecert init` first")
    return Platform(s)


@app.command()
def init(data_dir: DataDir = None, demo: Demo = False) -> None:
    """Create the data dir, database, root CA, TSA, OCSP responder and audit-log keys."""
    from ecert.platform import Platform

    s = settings_for(data_dir, demo, create=True)
    s.data_dir.mkdir(parents=True, exist_ok=True)
    s.data_dir.chmod(0o700)
    p = Platform(s)
    p.initialise(cli_actor())
    console.print(f"[green]ecert initialised[/green] in {s.data_dir} ({p.store.dialect})")


@app.command()
def serve(data_dir: DataDir = None, demo: Demo = False,
          host: Annotated[str, typer.Option()] = "127.0.0.1",
          port: Annotated[int, typer.Option()] = 8000,
          workers: Annotated[int, typer.Option(help="uvicorn worker processes")] = 1,
          tls_cert: Annotated[Path | None, typer.Option(help="HTTPS: server certificate chain (PEM)")] = None,
          tls_key: Annotated[Path | None, typer.Option(help="HTTPS: server key (PEM)")] = None,
          tls_key_password_env: Annotated[str | None, typer.Option(
              help="environment variable with the server key's passphrase")] = None,
          client_certs: Annotated[str, typer.Option(
              help="none|optional|required: departments' client certificates (ecert dept "
                   "client-cert) authenticate instead of tokens")] = "none") -> None:
    """Run the HTTP API and pages (HTTPS and mutual TLS with --tls-cert/--tls-key)."""
    import os

    import uvicorn

    from ecert.app import create_app
    from ecert.tls import uvicorn_tls_options

    p = platform_for(data_dir, demo)
    p.store.create_schema()
    password = os.environ.get(tls_key_password_env) if tls_key_password_env else None
    tls = uvicorn_tls_options(p, tls_cert, tls_key, password, client_certs)
    scheme = "https" if tls else "http"
    console.print(f"ecert serving on {scheme}://{host}:{port} (API docs: /api/docs)")
    if workers > 1:
        raise ConfigError("several workers: run `uvicorn --factory ecert.asgi:create --workers N` "
                          "with ECERT_DATA_DIR set (see README)")
    uvicorn.run(create_app(p.settings, p), host=host, port=port, log_level="info", **tls)


@dept_app.command("add")
def dept_add(code: Annotated[str, typer.Option("--code", help="18-char USCC")],
             name: Annotated[str, typer.Option("--name")],
             supervisor: Annotated[str | None, typer.Option("--supervisor")] = None,
             data_dir: DataDir = None, demo: Demo = False) -> None:
    """Add an issuing/using department and give it a signing key and certificate."""
    p = platform_for(data_dir, demo)
    rec = p.add_department(code.strip().upper(), name, supervisor, cli_actor())
    console.print(f"department {rec.code} {rec.name} added")


@dept_app.command("list")
def dept_list(data_dir: DataDir = None, demo: Demo = False) -> None:
    for d in platform_for(data_dir, demo).list_departments():
        succ = f" → {d.successor_code}" if d.successor_code else ""
        console.print(f"{d.code}  {d.name}{succ}")


@dept_app.command("rotate-key")
def dept_rotate(code: str,
                revoke: Annotated[str | None, typer.Option(
                    "--revoke", help="also revoke the old certificate: superseded|key_compromise")] = None,
                data_dir: DataDir = None, demo: Demo = False) -> None:
    """New key and certificate; the old certificate stays published for verification."""
    p = platform_for(data_dir, demo)
    rec = p.rotate_key(code, cli_actor(), revoke)
    console.print(f"new signing certificate serial {rec.serial} (x5t#S256 {rec.x5t_s256})")


@dept_app.command("succeed")
def dept_succeed(old: str, new: str, data_dir: DataDir = None, demo: Demo = False) -> None:
    """Art. 9: OLD was reorganised; NEW signs and maintains its certificates from now on."""
    p = platform_for(data_dir, demo)
    p.succeed(old, new, cli_actor())
    console.print(f"{old} is succeeded by {new}")


@token_app.command("create")
def token_create(role: Annotated[str, typer.Option("--role", help="issuer|user|holder|auditor|admin")],
                 dept: Annotated[str | None, typer.Option("--dept")] = None,
                 holder: Annotated[str | None, typer.Option("--holder")] = None,
                 label: Annotated[str, typer.Option("--label")] = "",
                 days: Annotated[int | None, typer.Option("--days")] = None,
                 data_dir: DataDir = None, demo: Demo = False) -> None:
    """Create a token; it is printed once and only its hash is stored."""
    p = platform_for(data_dir, demo)
    new = p.create_token(role=role, dept_code=dept, holder_code=holder, label=label,
                         ttl_days=days, actor=cli_actor())
    err.print(f"token id {new.record.id}, role {role}, expires {new.record.expires_at:%Y-%m-%d}")
    print(new.secret)


@token_app.command("list")
def token_list(data_dir: DataDir = None, demo: Demo = False) -> None:
    for t in platform_for(data_dir, demo).list_tokens():
        state = "revoked" if t.revoked_at else f"expires {t.expires_at:%Y-%m-%d}"
        console.print(f"{t.id:>4}  ect_{t.prefix}_…  {t.role:<8} {t.dept_code or '-':<18} "
                      f"{state}  {t.label}")


@token_app.command("revoke")
def token_revoke(token_id: int, data_dir: DataDir = None, demo: Demo = False) -> None:
    p = platform_for(data_dir, demo)
    p.revoke_token(token_id, cli_actor())
    console.print(f"token {token_id} revoked")


def _register_more() -> None:
    # Sub-command modules register themselves on `app` (kept apart to keep modules small).
    import importlib

    for name in ("ecert.cli_audit", "ecert.cli_ops", "ecert.cli_certs", "ecert.cli_demo",
                 "ecert.cli_verify", "ecert.cli_tls"):
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise


# Libraries that narrate routine work (font subsetting, offline revocation embedding) on
# stderr; the CLI shows its own messages and their errors only.
QUIET_LOGGERS = ("fontTools", "pyhanko", "pyhanko_certvalidator")


def main(argv: list[str] | None = None) -> int:
    import logging

    import httpx

    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)

    _register_more()
    try:
        # Without standalone mode click returns a `typer.Exit(code)`'s code instead of exiting.
        code = app(args=argv, standalone_mode=False)
    except (DomainError, httpx.HTTPError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        return 2
    except typer.Abort:
        err.print("aborted")
        return 1
    except Exception as exc:
        # typer carries its own copy of click: recognise its usage errors and exits by shape.
        if type(exc).__name__ == "Exit" and isinstance(getattr(exc, "exit_code", None), int):
            return int(exc.exit_code)  # type: ignore[attr-defined]
        if callable(getattr(exc, "show", None)) and isinstance(getattr(exc, "exit_code", None), int):
            exc.show()  # type: ignore[attr-defined]
            return int(exc.exit_code)  # type: ignore[attr-defined]
        raise
    return code if isinstance(code, int) else 0


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
