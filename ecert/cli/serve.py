"""`ecert init` and `ecert serve`: create a platform, and run its HTTP API and pages."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ecert.cli.common import DataDir, Demo, cli_actor, console, platform_for, settings_for
from ecert.errors import ConfigError
from ecert.platform import Platform


def init(data_dir: DataDir = None, demo: Demo = False) -> None:
    """Create the data dir, database, root CA, TSA, OCSP responder and audit-log keys."""
    s = settings_for(data_dir, demo, create=True)
    s.data_dir.mkdir(parents=True, exist_ok=True)
    s.data_dir.chmod(0o700)
    p = Platform(s)
    p.initialise(cli_actor())
    console.print(f"[green]ecert initialised[/green] in {s.data_dir} ({p.store.dialect})")


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
                   "client-cert) authenticate instead of tokens")] = "none",
          worker: Annotated[bool, typer.Option(
              "--worker/--no-worker", help="deliver the outbox in this process (ecert worker)")
          ] = True) -> None:
    """Run the HTTP API and pages (HTTPS and mutual TLS with --tls-cert/--tls-key)."""
    import os

    # The web stack is loaded only by the commands that serve.
    import uvicorn

    from ecert.http.app import create_app
    from ecert.http.edge import uvicorn_proxy_options
    from ecert.http.tls import uvicorn_tls_options

    p = platform_for(data_dir, demo)
    p.store.create_schema()
    password = os.environ.get(tls_key_password_env) if tls_key_password_env else None
    tls = uvicorn_tls_options(p, tls_cert, tls_key, password, client_certs)
    scheme = "https" if tls else "http"
    console.print(f"ecert serving on {scheme}://{host}:{port} (API docs: /api/docs)")
    if worker:  # the single-machine default; run `ecert worker` apart with --no-worker
        import threading

        from ecert.services import outbox

        threading.Thread(target=outbox.run_worker, args=(p, 5.0, threading.Event()),
                         name="ecert-outbox", daemon=True).start()
    if workers > 1:
        raise ConfigError("several workers: run `uvicorn --factory ecert.asgi:create --workers N` "
                          "with ECERT_DATA_DIR set (see README)")
    uvicorn.run(create_app(p.settings, p), host=host, port=port, log_level="info", **tls,
                **uvicorn_proxy_options(p.settings.trusted_proxies))
