"""`ecert operator …`: the named people behind tokens and client certificates (Art. 22)."""

from __future__ import annotations

from typing import Annotated

import typer

from ecert.cli.common import DataDir, Demo, cli_actor, console, platform_for
from ecert.services import operators

app = typer.Typer(help="Named operators: person, post and department of every credential",
                  no_args_is_help=True)


@app.command("add")
def operator_add(name: Annotated[str, typer.Option("--name", help="the person's name")],
                 post: Annotated[str, typer.Option("--post", help="post (岗位), e.g. 窗口受理岗")],
                 dept: Annotated[str | None, typer.Option(
                     "--dept", help="department USCC; omit for the platform's own staff")] = None,
                 subject: Annotated[str | None, typer.Option(
                     "--subject", help="identity-provider subject (OIDC `sub`) for sign-in")] = None,
                 role: Annotated[str | None, typer.Option(
                     "--role", help="issuer|user|auditor|admin|authority: what a sign-in gives")] = None,
                 data_dir: DataDir = None, demo: Demo = False) -> None:
    """Register an operator; then `ecert token create --operator ID` or `ecert dept
    client-cert --operator ID` gives them credentials."""
    p = platform_for(data_dir, demo)
    rec = operators.add_operator(p, dept_code=dept.strip().upper() if dept else None,
                                 name=name, post=post, subject=subject, actor=cli_actor(),
                                 role=role)
    console.print(f"operator {rec.id}: {rec.name}（{rec.post}） {rec.dept_code or 'platform'}")


@app.command("list")
def operator_list(dept: Annotated[str | None, typer.Option("--dept")] = None,
                  data_dir: DataDir = None, demo: Demo = False) -> None:
    """Operators with their department, post and state."""
    p = platform_for(data_dir, demo)
    for r in operators.list_operators(p, dept.strip().upper() if dept else None):
        state = "active" if r.active else f"disabled {r.disabled_at:%Y-%m-%d %H:%M}"
        note = "  (placeholder for credentials made before operators)" if r.placeholder else ""
        console.print(f"{r.id:>4}  {r.dept_code or 'platform':<18}  {r.name}（{r.post}）  "
                      f"{state}{note}")


@app.command("disable")
def operator_disable(operator_id: int, data_dir: DataDir = None, demo: Demo = False) -> None:
    """Disable an operator: every token and client certificate of theirs stops at once."""
    p = platform_for(data_dir, demo)
    rec = operators.disable_operator(p, operator_id, cli_actor())
    console.print(f"operator {rec.id} ({rec.name}) disabled; their credentials no longer work")
