"""`ecert demo` runs the producers through the public HTTP API of the server it starts: every
certificate's issue entry in the audit log names an issuer token (`token:<prefix>`) of the
producer's department, none a hand-built in-process actor (issue 14)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.api.conftest import free_port

# the producers' tokens belong to their department's placeholder operator (ecert operator)
OPERATOR_PLACEHOLDER = "未具名操作员"
REPO = Path(__file__).resolve().parents[2]


def _demo(data_dir: Path, port: int) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECERT_")}
    env["COLUMNS"] = "200"
    # this tree's code (the venv's `ecert` script would import the tree it was installed from)
    return subprocess.run([sys.executable, "-m", "ecert", "demo", "--data-dir", str(data_dir),
                           "--port", str(port), "--no-serve", "--per-type", "6"], env=env,
                          cwd=REPO, capture_output=True, text=True, timeout=600, check=False)


def test_demo_issues_through_http(tmp_path: Path) -> None:
    from ecert.cli.common import platform_for
    from producers import ALL
    from producers._common import DEPARTMENTS

    data_dir = tmp_path / "demo"
    r = _demo(data_dir, free_port())
    assert r.returncode == 0, r.stdout + r.stderr
    assert "42 certificates issued" in r.stdout, r.stdout
    p = platform_for(data_dir, demo=True)
    try:
        with p.store.transaction() as uow:
            issues = p.audit.list_entries(uow, action="certificate.issue", limit=1000).entries
            tokens = p.audit.list_entries(uow, action="token.create", limit=1000).entries
            types = p.audit.list_entries(uow, action="catalog.add", limit=1000).entries
            proposed = p.audit.list_entries(uow, action="proposal.submit", limit=1000).entries
            approved = p.audit.list_entries(uow, action="proposal.approve", limit=1000).entries
    finally:
        p.store.dispose()
    assert len(issues) == 42
    producer_depts = {DEPARTMENTS[m.DEPT][0] for m in ALL}
    assert {e.actor_dept for e in issues} == producer_depts
    assert all(e.actor.startswith(OPERATOR_PLACEHOLDER) and e.role == "issuer" for e in issues)
    assert all(e.request_id for e in issues)  # each one an HTTP request
    # the demo made one issuer token per producer department through the API, and the log
    # names each department's (placeholder) operator, not an in-process actor
    made = {json.loads(e.details).get("dept") for e in tokens}
    assert producer_depts <= made
    # each department proposes its type; the demo's named authority approves it (issue 13)
    assert len(proposed) == len(approved) == len(types) == len(ALL)
    assert all(e.actor.startswith(OPERATOR_PLACEHOLDER) and e.role == "issuer" for e in proposed)
    assert all(e.actor.startswith("演示审核员（证照目录审核岗）") and e.role == "authority"
               for e in approved + types)
    assert {json.loads(e.details)["proposal"] for e in types} == {
        json.loads(e.details)["proposal"] for e in approved}
    # the art troupe's dancer kept past 35 is on record with the stated reason
    overrides = [json.loads(e.details).get("rule_overrides") for e in issues]
    assert sum(1 for o in overrides if o) == 1
    # a second run issues nothing twice
    again = _demo(data_dir, free_port())
    assert again.returncode == 0, again.stdout + again.stderr
    p = platform_for(data_dir, demo=True)
    try:
        with p.store.transaction() as uow:
            n = len(p.audit.list_entries(uow, action="certificate.issue", limit=1000).entries)
    finally:
        p.store.dispose()
    assert n == 42
