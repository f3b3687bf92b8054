"""`ecert demo`: init + the gazette producers' catalogs + sample certificates + serve."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ecert.cli.common import DataDir, cli_actor, console, settings_for

DEMO_DIR = Path("ecert-demo")


def demo(data_dir: DataDir = None,
         host: Annotated[str, typer.Option()] = "127.0.0.1",
         port: Annotated[int, typer.Option()] = 8000,
         serve: Annotated[bool, typer.Option("--serve/--no-serve")] = True,
         per_type: Annotated[int, typer.Option("--per-type")] = 6) -> None:
    """Set up a demo platform on embedded SQLite, issue sample certificates, print the URLs
    and serve. Demo mode only: keys are encrypted with a generated passphrase kept beside them."""
    import uvicorn

    from ecert.http.app import create_app
    from ecert.platform import Platform
    from ecert.services import issuing
    from formats.identifiers import parse_identifier
    from producers.demo import seed_demo

    target = data_dir or DEMO_DIR
    import dataclasses

    settings = settings_for(target, demo=True, create=True)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    # holder login with name + ID number: the development adapter, NOT real authentication
    settings = dataclasses.replace(settings, realname="development")
    if host not in ("127.0.0.1", "localhost") or port != 8000:
        settings = dataclasses.replace(settings, base_url=f"http://{host}:{port}")
    p = Platform(settings)
    actor = cli_actor()
    p.initialise(actor)
    result = seed_demo(p.writing, p.issuance, p.catalog,
                       lambda code, name: p.add_department(code, name, None, actor), p.now(),
                       per_type=per_type)
    with p.store.transaction() as uow:
        p.audit.sign_head(uow, p.head_signer(uow), p.now())
    admin = p.create_token(role="admin", dept_code=None, holder_code=None, label="demo admin",
                           ttl_days=30, actor=actor).secret
    auditor = p.create_token(role="auditor", dept_code=None, holder_code=None,
                             label="demo auditor", ttl_days=30, actor=actor).secret
    first_dept = next(iter(result.departments.values()))
    issuer_tok = p.create_token(role="issuer", dept_code=first_dept, holder_code=None,
                                label="demo issuer", ttl_days=30, actor=actor).secret
    valid = result.by_state.get("valid", ())
    base = settings.base_url
    console.print(f"[bold green]ecert demo[/bold green] data in {settings.data_dir}: "
                  f"{result.issued} certificates issued ({result.skipped} already present), "
                  f"{len(result.types)} certificate types")
    for state, ids in result.by_state.items():
        console.print(f"  {state:<10} {len(ids)}")
    if valid:
        console.print("\n[bold]公民扫码页 citizen page (QR URL) of a valid certificate:[/bold]")
        print(issuing.qr_url(p, valid[0]), flush=True)
        with p.store.transaction() as uow:  # invented demo data, for the holder login form
            cert = uow.certificates.by_base(parse_identifier(valid[0]).base)
            holder = json.loads(uow.certificates.version(cert.id, cert.current_version)
                                .canonical)["holder"] if cert else {}
        if holder:
            console.print(f"demo holder login (/holder): {holder['name']} {holder['code']}")
    console.print(f"\n平台首页 home:        {base}/")
    console.print(f"API docs:             {base}/api/docs")
    console.print(f"Root CA:              {base}/pki/ca.pem")
    console.print(f"审计 audit (auditor): {base}/api/v1/audit/get-sth")
    console.print(f"持证主体 holder page:  {base}/holder  (demo login: a sample holder's name + "
                  "ID number; development adapter, NOT real-name authentication)")
    console.print(f"\ndemo tokens (shown once, valid 30 days):\n  admin   {admin}\n"
                  f"  auditor {auditor}\n  issuer  {issuer_tok}  (department {first_dept})")
    if serve:
        console.print(f"\nserving on {base} — Ctrl-C to stop")
        uvicorn.run(create_app(settings, p), host=host, port=port, log_level="warning")
