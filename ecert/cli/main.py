"""The `ecert` command: every command group is registered here, explicitly. Errors are caught
once, in `main()`: a message and a non-zero exit."""

from __future__ import annotations

import logging
import sys

import httpx
import typer

from ecert.cli import (
    audit,
    certs,
    demo,
    departments,
    housekeeping,
    operators,
    ops,
    outbox,
    pdfarchive,
    proposals,
    root,
    serve,
    tls,
    tokens,
    verify,
)
from ecert.cli.common import err
from formats.errors import DomainError

app = typer.Typer(help="ecert 电子证照平台: PKI, signing, verification and audit.",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)

# Commands, in the order `ecert --help` lists them.
app.command()(serve.init)
app.command()(serve.serve)
app.command()(ops.backup)
app.command()(ops.restore)
app.command()(housekeeping.housekeeping)
app.command()(ops.upgrade)
app.command()(certs.issue)
app.command("import")(certs.import_)
app.command()(certs.archive)
app.command()(certs.pdf)
app.command("archive-pdfs")(pdfarchive.archive_pdfs)
app.command()(demo.demo)
app.command()(outbox.worker)
app.command("trust-bundle")(verify.trust_bundle)
app.command()(verify.verify)

# Command groups.
departments.app.command("client-cert")(tls.dept_client_cert)
app.add_typer(departments.app, name="dept")
app.add_typer(tokens.app, name="token")
app.add_typer(operators.app, name="operator")
app.add_typer(proposals.app, name="proposal")
app.add_typer(outbox.app, name="outbox")
app.add_typer(audit.audit_app, name="audit")
app.add_typer(certs.catalog_app, name="catalog")
app.add_typer(certs.identifier_app, name="identifier")
app.add_typer(tls.tls_app, name="tls")
app.add_typer(root.root_app, name="root")


# Libraries that narrate routine work (font subsetting, offline revocation embedding) on
# stderr; the CLI shows its own messages and their errors only.
QUIET_LOGGERS = ("fontTools", "pyhanko", "pyhanko_certvalidator")


def main(argv: list[str] | None = None) -> int:
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
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
