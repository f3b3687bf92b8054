"""Backup under load: `ecert backup` while 2 `ecert serve` processes on PostgreSQL issue and
change certificates; the backup restores (into SQLite, the format is portable) to a store that
verifies, and whose every lookup answers as the live store does for each certificate not
touched after the snapshot. A restore into a data dir that is not empty is refused."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ecert.cli.main import main
from tests.api.conftest import serve
from tests.reliability.conftest import report
from tests.reliability.servers import Deployment, ecert_env, open_platform, running

pytestmark = pytest.mark.postgres

VOLATILE = ("checked_at", "list_age_seconds")


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[Deployment]:
    with running(tmp_path, 2) as dep:
        yield dep


def _load(dep: Deployment, stop: threading.Event, ids: list[str], k: int) -> None:
    rng, seed = random.Random(k), 300_000 + 10_000 * k
    while not stop.is_set():
        seed += 1
        try:
            if ids and rng.random() < 0.3:
                dep.change(rng.randrange(2), rng.choice(ids))
            else:
                r = dep.issue(rng.randrange(2), seed)
                if r.status_code == 201:
                    ids.append(r.json()["identifier"])
        except httpx.TransportError:
            time.sleep(0.1)


def _env(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    for k, v in env.items():
        if k.startswith("ECERT_"):
            monkeypatch.setenv(k, v)


def test_backup_under_load_restores_the_same_answers(deployment: Deployment, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    from ecert.services.audit import verify_all

    dep, ids, stop = deployment, [], threading.Event()
    threads = [threading.Thread(target=_load, args=(dep, stop, ids, k)) for k in range(3)]
    for t in threads:
        t.start()
    try:
        while len(ids) < 5:
            time.sleep(0.2)
        _env(monkeypatch, dep.env)
        assert main(["backup", str(tmp_path / "b.zip")]) == 0
        time.sleep(2)  # the load goes on after the snapshot
    finally:
        stop.set()
        for t in threads:
            t.join()
    dep.stop_all()
    target = tmp_path / "restored"
    renv = ecert_env(f"sqlite:///{target / 'ecert.db'}", target)
    _env(monkeypatch, renv)
    assert main(["restore", str(tmp_path / "b.zip"), "--data-dir", str(target)]) == 0
    # a second restore into the same, now non-empty, data dir is refused
    assert main(["restore", str(tmp_path / "b.zip"), "--data-dir", str(target)]) == 2
    assert "not empty" in capsys.readouterr().err.replace("\n", "")

    restored, live = open_platform(renv), open_platform(dep.env)
    try:
        full = verify_all(restored)
        assert full.ok, full.findings
        with restored.store.transaction() as uow:
            snap = {c.base_identifier: c for c in uow.certificates.iter_certificates()}
        with live.store.transaction() as uow:
            now = {c.base_identifier: c for c in uow.certificates.iter_certificates()}
            untouched = [uow.certificates.version(c.id, c.current_version).identifier
                         for b, c in snap.items() if now[b].row_version == c.row_version]
        assert untouched
        h = dep.headers
        with serve(restored, housekeeping=False) as a, serve(live, housekeeping=False) as b:
            for ident in untouched:
                for path in (f"/api/v1/certificates/{ident}", f"/api/v1/verify/{ident}"):
                    ra, rb = (httpx.get(u + path, headers=h, timeout=60) for u in (a, b))
                    assert ra.status_code == rb.status_code == 200, (ra.text, rb.text)
                    ja, jb = ra.json(), rb.json()
                    for k in VOLATILE:
                        ja.pop(k, None)
                        jb.pop(k, None)
                    assert ja == jb, path
    finally:
        restored.store.dispose()
        live.store.dispose()
    report("backup_under_load", {"certificates_in_backup": len(snap),
                                 "compared_lookups": 2 * len(untouched),
                                 "issued_during_run": len(ids)})
