"""`ecert demo`: init, serve, and the gazette's producers issuing through the HTTP API."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ecert.cli.common import DataDir, cli_actor, console, settings_for

if TYPE_CHECKING:
    from ecert.platform import Platform
    from ecert.settings import Settings
    from producers.demo import DemoResult

DEMO_DIR = Path("ecert-demo")


def demo(data_dir: DataDir = None,
         host: Annotated[str, typer.Option()] = "127.0.0.1",
         port: Annotated[int, typer.Option()] = 8000,
         serve: Annotated[bool, typer.Option("--serve/--no-serve")] = True,
         per_type: Annotated[int, typer.Option("--per-type")] = 6) -> None:
    """Set up a demo platform on embedded SQLite, start the server, let the gazette's producers
    (each department's own system, with its own issuer token) issue their sample certificates
    through the public HTTP API, print the URLs and keep serving (`--no-serve`: stop after).
    Demo mode only: keys are encrypted with a generated passphrase kept beside them."""
    from ecert.platform import Platform

    settings = _demo_settings(data_dir or DEMO_DIR, host, port)
    p = Platform(settings)
    _provision(p)
    server, thread = _start_server(p, host, port)
    try:
        result = _produce(p, f"http://{host}:{port}", per_type)
        tokens = _demo_tokens(p, next(iter(result.departments.values())))
        _print_summary(p, result, tokens)
        if serve:
            console.print(f"\nserving on {settings.base_url} — Ctrl-C to stop")
            while thread.is_alive():
                thread.join(timeout=0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _demo_settings(target: Path, host: str, port: int) -> Settings:
    settings = settings_for(target, demo=True, create=True)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    # holder login with name + ID number: the development adapter, NOT real authentication
    settings = dataclasses.replace(settings, realname="development")
    if host not in ("127.0.0.1", "localhost") or port != 8000:
        settings = dataclasses.replace(settings, base_url=f"http://{host}:{port}")
    return settings


def _provision(p: Platform) -> None:
    """What an administrator does once: the PKI, and the producers' departments enrolled."""
    from producers._common import DEPARTMENTS

    actor = cli_actor()
    p.initialise(actor)
    with p.store.transaction() as uow:
        missing = [(code, name) for code, name in DEPARTMENTS.values()
                   if uow.departments.find(code) is None]
    for code, name in missing:
        p.add_department(code, name, None, actor)


def _start_server(p: Platform, host: str, port: int) -> tuple[Any, threading.Thread]:
    import httpx
    import uvicorn

    from ecert.http.app import create_app
    from ecert.http.edge import uvicorn_proxy_options

    server = uvicorn.Server(uvicorn.Config(
        create_app(p.settings, p), host=host, port=port, log_level="warning",
        **uvicorn_proxy_options(p.settings.trusted_proxies)))
    thread = threading.Thread(target=server.run, name="ecert-demo-server", daemon=True)
    thread.start()
    for _ in range(600):  # up to a minute for the lifespan to start
        if server.started:
            break
        if not thread.is_alive():
            raise typer.Exit(2)
        time.sleep(0.1)
    httpx.get(f"http://{host}:{port}/healthz", timeout=10)
    return server, thread


def _produce(p: Platform, url: str, per_type: int) -> DemoResult:
    """Each producer with its department's issuer token, over HTTP; then the lapses."""
    from ecert.services import housekeeping
    from producers.client import PlatformClient
    from producers.demo import producer_departments, run_producers

    actor = cli_actor()
    clients = {}
    for key, code in producer_departments().items():
        secret = p.create_token(role="issuer", dept_code=code, holder_code=None,
                                label=f"demo producer {key}", ttl_days=30, actor=actor).secret
        clients[key] = PlatformClient.connect(url, secret)
    authority = PlatformClient.connect(url, demo_authority_token(p, "demo producers' types"))
    try:
        result = run_producers(clients, per_type=per_type, authority=authority)
    finally:
        for c in [*clients.values(), authority]:
            c.http.close()
    housekeeping.run_once(p)  # what the server's housekeeping does on its round: lapses
    return result


DEMO_AUTHORITY = ("演示审核员", "证照目录审核岗")


def demo_authority_token(p: Platform, label: str) -> str:
    """A token of the demo's supervising authority: a named platform operator of the
    `authority` role (registered on first need), who approves the producers' types."""
    from ecert.services import operators

    name, post = DEMO_AUTHORITY
    found = [o for o in operators.list_operators(p, None)
             if o.dept_code is None and o.active and (o.name, o.post, o.role) == (*DEMO_AUTHORITY,
                                                                                "authority")]
    op = found[0] if found else operators.add_operator(
        p, dept_code=None, name=name, post=post, subject=None, actor=cli_actor(),
        role="authority")
    return p.create_token(role="authority", dept_code=None, holder_code=None, label=label,
                          ttl_days=30, actor=cli_actor(), operator_id=op.id).secret


def _demo_tokens(p: Platform, first_dept: str) -> dict[str, str]:
    actor = cli_actor()
    made = {}
    for role, dept in (("admin", None), ("auditor", None), ("issuer", first_dept)):
        made[role] = p.create_token(role=role, dept_code=dept, holder_code=None,
                                    label=f"demo {role}", ttl_days=30, actor=actor).secret
    made["authority"] = demo_authority_token(p, "demo authority")
    made["dept"] = first_dept
    # a using department with a grant of the first producer's type: the staff page's lookups
    from producers import ALL

    grant = ALL[0].DEFINITION["grants"][0]
    made["user"] = p.create_token(role="user", dept_code=grant["dept"], holder_code=None,
                                  label="demo user", ttl_days=30, actor=actor).secret
    made["user_dept"], made["purpose"] = grant["dept"], grant["purposes"][0]
    return made


def _demo_holder(p: Platform, identifier: str) -> dict[str, str]:
    """The (invented) holder of a demo certificate, for the holder login form."""
    from formats.identifiers import parse_identifier

    with p.store.transaction() as uow:
        cert = uow.certificates.by_base(parse_identifier(identifier).base)
        if cert is None:
            return {}
        holder: dict[str, str] = json.loads(
            uow.certificates.version(cert.id, cert.current_version).canonical)["holder"]
        return holder


def _print_summary(p: Platform, result: DemoResult, tokens: dict[str, str]) -> None:
    from ecert.services import issuing

    base = p.settings.base_url
    console.print(f"[bold green]ecert demo[/bold green] data in {p.settings.data_dir}: "
                  f"{result.issued} certificates issued ({result.skipped} already present), "
                  f"{len(result.types)} certificate types")
    for state, ids in result.by_state.items():
        console.print(f"  {state:<10} {len(ids)}")
    valid = result.by_state.get("valid", ())
    if valid:
        console.print("\n[bold]公民扫码页 citizen page (QR URL) of a valid certificate:[/bold]")
        print(issuing.qr_url(p, valid[0]), flush=True)
        holder = _demo_holder(p, valid[0])
        if holder:
            console.print(f"demo holder login (/holder): {holder['name']} {holder['code']}")
    console.print(f"\n平台首页 home:        {base}/")
    console.print(f"API docs:             {base}/api/docs")
    console.print(f"Root CA:              {base}/pki/ca.pem")
    console.print(f"审计 audit (auditor): {base}/api/v1/audit/get-sth")
    console.print(f"签发部门 issuer page:  {base}/issuer  (paste the issuer token below)")
    console.print(f"持证主体 holder page:  {base}/holder  (demo login: a sample holder's name + "
                  "ID number; development adapter, NOT real-name authentication)")
    console.print(f"\ndemo tokens (shown once, valid 30 days):\n  admin   {tokens['admin']}\n"
                  f"  auditor {tokens['auditor']}\n  issuer  {tokens['issuer']}  "
                  f"(department {tokens['dept']})\n  authority {tokens['authority']}  "
                  "(主管部门: approves proposals on the staff page)\n"
                  f"  user    {tokens['user']}  (using department {tokens['user_dept']}: "
                  f"{base}/staff, purpose 「{tokens['purpose']}」)")
