"""`ecert token …`: API tokens (stored hashed; the secret is printed once)."""

from __future__ import annotations

from typing import Annotated

import typer

from ecert.cli.common import DataDir, Demo, cli_actor, console, err, platform_for

app = typer.Typer(help="API tokens (stored hashed)", no_args_is_help=True)


@app.command("create")
def token_create(role: Annotated[str, typer.Option(
                     "--role", help="issuer|user|holder|auditor|admin|authority")],
                 dept: Annotated[str | None, typer.Option("--dept")] = None,
                 holder: Annotated[str | None, typer.Option("--holder")] = None,
                 label: Annotated[str, typer.Option("--label")] = "",
                 days: Annotated[int | None, typer.Option("--days")] = None,
                 operator: Annotated[int | None, typer.Option(
                     "--operator", help="the named operator (ecert operator add) it belongs to")
                 ] = None,
                 data_dir: DataDir = None, demo: Demo = False) -> None:
    """Create a token; it is printed once and only its hash is stored."""
    p = platform_for(data_dir, demo)
    new = p.create_token(role=role, dept_code=dept, holder_code=holder, label=label,
                         ttl_days=days, actor=cli_actor(), operator_id=operator)
    if role != "holder" and operator is None:
        err.print("[yellow]note:[/yellow] no --operator: the token belongs to the department's "
                  "placeholder operator; name the person (`ecert operator add`) in production")
    err.print(f"token id {new.record.id}, role {role}, expires {new.record.expires_at:%Y-%m-%d}")
    print(new.secret)


@app.command("list")
def token_list(data_dir: DataDir = None, demo: Demo = False) -> None:
    for t in platform_for(data_dir, demo).list_tokens():
        state = "revoked" if t.revoked_at else f"expires {t.expires_at:%Y-%m-%d}"
        console.print(f"{t.id:>4}  ect_{t.prefix}_…  {t.role:<8} {t.dept_code or '-':<18} "
                      f"{state}  op {t.operator_id or '-'}  {t.label}")


@app.command("revoke")
def token_revoke(token_id: int, data_dir: DataDir = None, demo: Demo = False) -> None:
    p = platform_for(data_dir, demo)
    p.revoke_token(token_id, cli_actor())
    console.print(f"token {token_id} revoked")
