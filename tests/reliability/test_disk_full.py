"""Disk full on the data dir (a small tmpfs mounted by the test; needs root and `mount`):
writes get a clear 503 problem+json (never 500), the SQLite database is not corrupted and
verifies, and issuing works again, in the same process, once space returns."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.helpers import training_request
from tests.reliability.servers import ecert_env, open_platform, setup_platform


@pytest.fixture
def small_volume(tmp_path: Path) -> Iterator[Path]:
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", str(mnt)],
                       capture_output=True, text=True, check=False)
    if r.returncode != 0:
        pytest.skip(f"mount is not permitted here: {r.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True, check=False)


def _fill(path: Path) -> None:
    with path.open("wb") as fh:
        try:
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
        except OSError:
            pass
        try:
            os.fsync(fh.fileno())
        except OSError:
            pass


def test_disk_full_then_space_returns(small_volume: Path) -> None:
    from fastapi.testclient import TestClient

    from ecert.http.app import create_app
    from ecert.services.audit import verify_all

    data = small_volume / "data"
    env = ecert_env(f"sqlite:///{data / 'ecert.db'}", data)
    token = setup_platform(env)
    p = open_platform(env)
    h = {"Authorization": f"Bearer {token}"}
    filler = small_volume / "filler"
    try:
        with TestClient(create_app(p.settings, p), base_url="https://ecert.test") as c:
            assert c.post("/api/v1/certificates", json=training_request(1), headers=h).status_code == 201
            _fill(filler)
            codes = []
            for seed in range(2, 12):
                r = c.post("/api/v1/certificates", json=training_request(seed), headers=h)
                codes.append(r.status_code)
                if r.status_code != 201:
                    assert r.status_code == 503, r.text
                    assert r.headers["content-type"] == "application/problem+json"
                    assert int(r.headers["retry-after"]) > 0
            assert 503 in codes, codes
            filler.unlink()
            r = c.post("/api/v1/certificates", json=training_request(50), headers=h)
            assert r.status_code == 201, r.text
        with sqlite3.connect(data / "ecert.db") as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        full = verify_all(p)
        assert full.ok, full.findings
    finally:
        p.store.dispose()
