"""The archive batch job (`ecert archive-pdfs`, issue 11) SIGKILLed mid-run: every archived
copy already stored has its audit entry and nothing is half-written; the next run makes the
rest, none twice, and a third finds nothing to do. Real processes, real in-process TSA."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

from audit_log.actor import Actor
from tests.api.helpers import training_request
from tests.reliability.servers import ecert_env, open_platform, run_ecert, setup_platform

N = 8


def _state(env: dict[str, str]) -> tuple[int, Counter[str | None]]:
    p = open_platform(env)
    try:
        with p.store.transaction() as uow:
            entries = uow.audit.entries(0, uow.audit.size())
            return uow.pdf_archives.count(), Counter(
                e.cert_identifier for e in entries if e.action == "certificate.pdf-archived")
    finally:
        p.store.dispose()


def test_archive_job_killed_mid_run_resumes_without_loss_or_duplicates(tmp_path: Path) -> None:
    from ecert.services import issuing
    from producers import vocational_training as vt
    from producers._common import DEPARTMENTS

    env = ecert_env(f"sqlite:///{tmp_path / 'ecert.db'}", tmp_path / "data",
                    ECERT_HOUSEKEEPING="off")
    setup_platform(env)
    p = open_platform(env)
    try:
        actor = Actor(name="reliability", role="issuer", dept_code=DEPARTMENTS["hrss"][0])
        idents = [issuing.issue(p, actor, vt.TYPE_CODE, training_request(100 + i)["data"])
                  .certificate.identifier for i in range(N)]
        for ident in idents:
            issuing.document(p, None, ident, "pdf")  # kept B-LT PDFs
    finally:
        p.store.dispose()

    proc = subprocess.Popen([sys.executable, "-m", "ecert", "archive-pdfs", "--batch", "1"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()  # the first copy is stored: kill it on the next one
    proc.kill()
    proc.wait(timeout=30)
    assert line.startswith("archived 1,"), line + (proc.stderr.read() if proc.stderr else "")

    made, audited = _state(env)
    assert 1 <= made < N
    assert sum(audited.values()) == made and set(audited.values()) == {1}  # atomic per copy

    out = run_ecert(env, "archive-pdfs")
    made, audited = _state(env)
    assert made == N and set(audited) == set(idents) and set(audited.values()) == {1}, out
    assert "done: 0 " in run_ecert(env, "archive-pdfs")  # nothing left: idempotent
    assert _state(env)[0] == N
