"""`ecert proposal …`: the supervising authority's decisions on departments' proposals."""

from __future__ import annotations

from typing import Annotated

import typer

from audit_log.actor import Actor
from ecert.cli.common import DataDir, Demo, console, platform_for
from ecert.services import proposals

app = typer.Typer(help="Proposals (catalog entries, grants, presentation scenarios) awaiting "
                       "the supervising authority", no_args_is_help=True)
Operator = Annotated[int, typer.Option("--operator", help="the authority's operator who decides "
                                                          "(ecert operator add --role authority)")]
AUDITOR = Actor(name="cli:proposal-list", role="auditor")


def _line(v: proposals.ProposalView) -> str:
    decided = f"  {v.decided_by} {v.decided_at:%Y-%m-%d %H:%M}" if v.decided_at else ""
    reason = f"  理由: {v.reason}" if v.reason else ""
    version = f"  → v{v.applied_version}" if v.applied_version else ""
    return (f"{v.id:>4}  {v.state:<9} {v.kind:<8} {v.dept_code}  {v.summary}  "
            f"({v.proposed_by}){decided}{version}{reason}")


@app.command("list")
def proposal_list(state: Annotated[str | None, typer.Option(
                      "--state", help="pending|approved|refused|withdrawn")] = "pending",
                  all_states: Annotated[bool, typer.Option("--all", help="every state")] = False,
                  data_dir: DataDir = None, demo: Demo = False) -> None:
    """Proposals, newest first (pending ones unless --state or --all)."""
    if state not in (None, "pending", "approved", "refused", "withdrawn"):
        raise typer.BadParameter("state must be pending, approved, refused or withdrawn")
    p = platform_for(data_dir, demo)
    found = proposals.list_proposals(p, AUDITOR, None if all_states else state)
    for v in found:
        console.print(_line(v))
    if not found:
        console.print("no proposals")


@app.command("approve")
def proposal_approve(proposal_id: int, operator: Operator, data_dir: DataDir = None,
                     demo: Demo = False) -> None:
    """Approve a pending proposal: it takes effect (a new catalog version) in the same step."""
    p = platform_for(data_dir, demo)
    v = proposals.approve(p, proposals.authority_actor(p, operator), proposal_id)
    console.print(f"approved: {_line(v)}")


@app.command("refuse")
def proposal_refuse(proposal_id: int, operator: Operator,
                    reason: Annotated[str, typer.Option("--reason", help="why not (required)")],
                    data_dir: DataDir = None, demo: Demo = False) -> None:
    """Refuse a pending proposal, stating why."""
    p = platform_for(data_dir, demo)
    v = proposals.refuse(p, proposals.authority_actor(p, operator), proposal_id, reason)
    console.print(f"refused: {_line(v)}")
