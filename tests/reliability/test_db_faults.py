"""Database faults on PostgreSQL: connections killed mid-transaction (`pg_terminate_backend`)
on the shared server, and a whole server stopped and started again (a cluster this test owns,
on a free port, in tmp_path). Meanwhile requests get 2xx with the right answer or 503
problem+json with Retry-After: never 500, never a wrong verdict; /readyz says not ready while
the database is down; the running service recovers without a restart and loses nothing."""

from __future__ import annotations

import random
import shutil
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from tests.api.conftest import free_port, serve
from tests.api.helpers import training_request
from tests.reliability.conftest import drop_pg_database, pg_database, report, scale
from tests.reliability.servers import ecert_env, open_platform, setup_platform

pytestmark = pytest.mark.postgres


class Traffic:
    """Issuers and verifiers against one base URL; every answer is classified."""

    def __init__(self, base: str, token: str, valid: str, revoked: str) -> None:
        self.base, self.h = base, {"Authorization": f"Bearer {token}"}
        self.expect = {valid: "valid", revoked: "revoked"}
        self.codes: Counter[str] = Counter()
        self.issued: list[str] = []
        self.wrong: list[str] = []
        self.seed = 700_000
        self.lock = threading.Lock()

    def _check_503(self, r: httpx.Response) -> None:
        ok = (r.headers.get("content-type", "").startswith("application/problem+json")
              and r.headers.get("retry-after"))
        if not ok:
            self.wrong.append(f"503 without problem+json/Retry-After: {dict(r.headers)}")

    def issue(self) -> None:
        with self.lock:
            self.seed += 1
            seed = self.seed
        r = httpx.post(self.base + "/api/v1/certificates", json=training_request(seed),
                       headers=self.h, timeout=30)
        self.codes[f"issue {r.status_code}"] += 1
        if r.status_code == 201:
            self.issued.append(r.json()["identifier"])
        elif r.status_code == 503:
            self._check_503(r)
        else:
            self.wrong.append(f"issue {r.status_code}: {r.text[:300]}")

    def verify(self, rng: random.Random) -> None:
        ident = rng.choice(list(self.expect))
        r = httpx.get(f"{self.base}/api/v1/verify/{ident}", headers=self.h, timeout=30)
        self.codes[f"verify {r.status_code}"] += 1
        if r.status_code == 200:
            if r.json()["verdict"] != self.expect[ident]:
                self.wrong.append(f"verdict {r.json()['verdict']} for {self.expect[ident]}")
        elif r.status_code == 503:
            self._check_503(r)
        else:
            self.wrong.append(f"verify {r.status_code}: {r.text[:300]}")

    def run(self, until: float, seed: int) -> None:
        rng = random.Random(seed)
        while time.monotonic() < until:
            try:
                self.issue() if rng.random() < 0.5 else self.verify(rng)
            except httpx.TransportError as exc:
                self.wrong.append(f"no answer: {exc!r}")


def _prepare(url: str, tmp: Path) -> tuple[dict[str, str], str, str, str]:
    """A platform with a valid and a revoked certificate; returns env, token, both ids."""
    env = ecert_env(url, tmp / "data")
    token = setup_platform(env)
    p = open_platform(env)
    try:
        with serve(p, housekeeping=False) as base:
            h = {"Authorization": f"Bearer {token}"}
            ids = [httpx.post(base + "/api/v1/certificates", json=training_request(s),
                              headers=h, timeout=60).json()["identifier"] for s in (1, 2)]
            r = httpx.post(f"{base}/api/v1/certificates/{ids[1]}/status", headers=h,
                           json={"event": "revoke", "reason": "测试"}, timeout=60)
            assert r.status_code == 200, r.text
            ids[1] = r.json()["identifier"]
    finally:
        p.store.dispose()
    return env, token, ids[0], ids[1]


def _load(base: str, token: str, valid: str, revoked: str, seconds: float,
          fault: Any) -> Traffic:
    traffic = Traffic(base, token, valid, revoked)
    until = time.monotonic() + seconds
    threads = [threading.Thread(target=traffic.run, args=(until, k)) for k in range(4)]
    for t in threads:
        t.start()
    fault(until)
    for t in threads:
        t.join()
    return traffic


def _after(p: Any, base: str, traffic: Traffic) -> None:
    """Recovered without a restart; every 2xx issuance stored; the log verifies."""
    from ecert.services.audit import verify_all

    for _ in range(100):
        if httpx.get(base + "/readyz", timeout=10).status_code == 200:
            break
        time.sleep(0.2)
    traffic.issue()
    assert traffic.codes["issue 201"] >= 1
    assert not traffic.wrong, traffic.wrong[:10]
    with p.store.transaction() as uow:
        for ident in traffic.issued:
            assert uow.certificates.version_by_identifier(ident) is not None, ident
    full = verify_all(p)
    assert full.ok, full.findings


def test_connections_killed_mid_transaction(tmp_path: Path) -> None:
    url, name = pg_database()
    try:
        env, token, valid, revoked = _prepare(url, tmp_path)
        p = open_platform(env)
        kills = Counter[str]()

        def terminate(until: float) -> None:
            with psycopg.connect("postgresql://postgres@127.0.0.1:5432/test",
                                 autocommit=True) as c:
                while time.monotonic() < until:
                    n = c.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                                  " WHERE datname = %s", (name,)).fetchone()
                    kills["backends"] += int(n[0]) if n else 0
                    time.sleep(random.uniform(0.05, 0.3))

        try:
            with serve(p, housekeeping=False) as base:
                traffic = _load(base, token, valid, revoked, float(scale(10, 60)), terminate)
                _after(p, base, traffic)
        finally:
            p.store.dispose()
        report("db_terminate", {"backends_killed": kills["backends"],
                                "answers": dict(traffic.codes)})
        assert kills["backends"] > 0
    finally:
        drop_pg_database(name)


# -- a server this test owns: stopped and started under load ---------------------------------
def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return found[-1].parent if found else None


@pytest.fixture
def own_cluster(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """initdb in tmp_path as the `postgres` user (PostgreSQL refuses to run as root)."""
    bindir = _pg_bin()
    if bindir is None or shutil.which("runuser") is None:
        pytest.skip("PostgreSQL server binaries or runuser not installed")
    # Not under tmp_path: pytest resets /tmp/pytest-of-root to 0700 whenever any session
    # starts (several run at once here), and the server runs as `postgres`. A fresh random
    # directory, removed afterwards.
    import tempfile

    holder = Path(tempfile.mkdtemp(prefix="ecert-pg-"))
    holder.chmod(0o711)
    pgdata, port = holder / "pg", free_port()
    pgdata.mkdir()
    shutil.chown(pgdata, "postgres", "postgres")

    def pg(*args: str) -> None:
        r = subprocess.run(["runuser", "-u", "postgres", "--", *args], capture_output=True,
                           text=True, timeout=120, check=False)
        assert r.returncode == 0, r.stdout + r.stderr

    pg(str(bindir / "initdb"), "-D", str(pgdata), "-A", "trust", "-U", "postgres")
    opts = f"-p {port} -k {pgdata} -c listen_addresses=127.0.0.1"
    # -l: the server's output goes to a file, or it would hold our pipe open
    pg(str(bindir / "pg_ctl"), "-D", str(pgdata), "-l", str(pgdata / "server.log"), "-o", opts,
       "-w", "start")
    try:
        yield pgdata, port
    finally:
        subprocess.run(["runuser", "-u", "postgres", "--", str(bindir / "pg_ctl"), "-D",
                        str(pgdata), "-m", "immediate", "stop"], capture_output=True,
                       timeout=120, check=False)
        shutil.rmtree(holder, ignore_errors=True)


def test_server_stopped_and_started(own_cluster: tuple[Path, int], tmp_path: Path) -> None:
    pgdata, port = own_cluster
    bindir = _pg_bin()
    assert bindir is not None
    env, token, valid, revoked = _prepare(
        f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", tmp_path)
    p = open_platform(env)
    ready_while_down: list[int] = []

    def ctl(*args: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", str(bindir / "pg_ctl"), "-D",
                        str(pgdata), *args], capture_output=True, timeout=120, check=True)

    try:
        with serve(p, housekeeping=False) as base:

            def outage(until: float) -> None:
                time.sleep(1.5)
                ctl("-m", "fast", "-w", "stop")
                for _ in range(5):
                    ready_while_down.append(httpx.get(base + "/readyz", timeout=10).status_code)
                    time.sleep(0.3)
                ctl("-l", str(pgdata / "server.log"), "-o",
                    f"-p {port} -k {pgdata} -c listen_addresses=127.0.0.1", "-w", "start")

            traffic = _load(base, token, valid, revoked, float(scale(8, 30)), outage)
            _after(p, base, traffic)
    finally:
        p.store.dispose()
    report("db_restart", {"readyz_while_down": ready_while_down, "answers": dict(traffic.codes)})
    assert ready_while_down and all(c == 503 for c in ready_while_down), ready_while_down
    assert traffic.codes["issue 503"] + traffic.codes["verify 503"] > 0
