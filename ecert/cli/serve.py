"""`ecert init` and `ecert serve`: create a platform, and run its HTTP API and pages."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ecert.cli.common import DataDir, Demo, cli_actor, console, platform_for, settings_for
from ecert.errors import ConfigError
from ecert.platform import Platform

# How long a worker of `serve --workers N` may take to answer uvicorn's health check (its
# start included) before uvicorn kills and replaces it. A worker first re-imports the CLI and
# the web stack; on a loaded 2-core machine that took longer than uvicorn's default of 5 s,
# and every worker was killed over and over (docs/operations-drill.md).
WORKER_HEALTHCHECK_SECONDS = 60


def init(data_dir: DataDir = None, demo: Demo = False,
         issuing_ca_request: Annotated[Path | None, typer.Option(
             help="offline root, step 1: make the issuing CA key, write its request here")] = None,
         issuing_ca: Annotated[Path | None, typer.Option(
             help="offline root, step 2: the issuing CA certificate the root signed")] = None,
         root_cert: Annotated[Path | None, typer.Option(help="with --issuing-ca: root.pem")] = None,
         root_crls: Annotated[Path | None, typer.Option(
             help="with --issuing-ca: the root's CRL series")] = None) -> None:
    """Create the data dir, database, root and issuing CAs, TSA, OCSP, audit and list keys.

    With --issuing-ca-request / --issuing-ca the root stays offline (`ecert root`)."""
    from ecert.cli import root

    s = settings_for(data_dir, demo, create=True)
    s.data_dir.mkdir(parents=True, exist_ok=True)
    s.data_dir.chmod(0o700)
    p = Platform(s)
    if issuing_ca_request is not None:
        p.store.create_schema()
        root.init_request(p, issuing_ca_request)
        return
    if issuing_ca is not None:
        if root_cert is None:
            raise ConfigError("--issuing-ca needs --root-cert")
        p.store.create_schema()
        root.init_adopt(p, issuing_ca, root_cert, root_crls)
    else:
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
    """Run the HTTP API and pages (HTTPS and mutual TLS with --tls-cert/--tls-key; several
    worker processes with --workers, metrics then shared through PROMETHEUS_MULTIPROC_DIR)."""
    import os

    # The web stack is loaded only by the commands that serve.
    import uvicorn

    from ecert.http.app import create_app
    from ecert.http.edge import uvicorn_proxy_options
    from ecert.http.logsetup import log_config
    from ecert.http.nodelay import NoDelayHTTPProtocol
    from ecert.http.tls import uvicorn_tls_options

    p = platform_for(data_dir, demo)
    p.store.create_schema()
    password = os.environ.get(tls_key_password_env) if tls_key_password_env else None
    tls = uvicorn_tls_options(p, tls_cert, tls_key, password, client_certs)
    scheme = "https" if tls else "http"
    console.print(f"ecert serving on {scheme}://{host}:{port} with {workers} worker(s) "
                  "(API docs: /api/docs, metrics: /metrics)")
    logging = log_config(p.settings.log_format)
    # Nagle off with --workers (http/nodelay.py); HTTPS (1 worker, Nagle off) keeps its own
    opts = {"host": host, "port": port, "log_level": "info", "http": NoDelayHTTPProtocol, **tls,
            **({"log_config": logging} if logging else {}),
            **uvicorn_proxy_options(p.settings.trusted_proxies)}
    if worker:  # the single-machine default; run `ecert worker` apart with --no-worker
        import threading

        from ecert.services import outbox

        threading.Thread(target=outbox.run_worker, args=(p, 5.0, threading.Event()),
                         name="ecert-outbox", daemon=True).start()
    if workers > 1:
        if tls:
            raise ConfigError("several workers with TLS: terminate TLS at the reverse proxy")
        # each worker builds its platform from the environment (ecert.asgi:create)
        os.environ["ECERT_DATA_DIR"] = str(p.settings.data_dir)
        if p.settings.demo:
            os.environ["ECERT_DEMO"] = "1"
        _multiprocess_metrics_dir(p.settings.data_dir)
        p.store.dispose()
        uvicorn.run("ecert.asgi:create", factory=True, workers=workers,
                    timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS, **opts)
        return
    uvicorn.run(create_app(p.settings, p), **opts)


def _multiprocess_metrics_dir(data_dir: Path) -> None:
    """PROMETHEUS_MULTIPROC_DIR for the workers' shared counters, emptied at start (a stale
    file of an earlier run would add its counts to this one's)."""
    import os

    run_dir = os.environ.get("RUNTIME_DIRECTORY", "").split(":")[0]
    target = Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR") or
                  (Path(run_dir) / "metrics" if run_dir else data_dir / "metrics"))
    target.mkdir(parents=True, exist_ok=True, mode=0o700)
    for stale in target.glob("*.db"):
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(target)
