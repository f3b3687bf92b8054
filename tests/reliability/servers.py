"""Real `ecert serve` processes on one PostgreSQL database, for crash, concurrency, backup and
soak runs: set up through the `ecert` command, started, SIGKILLed and restarted by pid."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.api.conftest import free_port

PASSPHRASE = "reliability-passphrase-0123456789"


def ecert_env(url: str, data_dir: Path, base: str = "http://127.0.0.1:8000",
              **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECERT_")}
    env.update({"ECERT_DATABASE_URL": url, "ECERT_DATA_DIR": str(data_dir),
                "ECERT_KEY_PASSPHRASE": PASSPHRASE, "ECERT_BASE_URL": base,
                "ECERT_STH_EVERY_N": "10", "ECERT_RATE_LIMIT_PER_MINUTE": "1000000", **extra})
    return env


def run_ecert(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    r = subprocess.run([sys.executable, "-m", "ecert", *args], env=env, capture_output=True,
                       text=True, timeout=timeout, check=False)
    if r.returncode != 0:
        raise AssertionError(f"ecert {' '.join(args)} exited {r.returncode}:\n{r.stdout}{r.stderr}")
    return r.stdout


def open_platform(env: dict[str, str]) -> Any:
    from ecert.platform import Platform
    from ecert.settings import load_settings

    return Platform(load_settings(env, data_dir=Path(env["ECERT_DATA_DIR"])))


def setup_platform(env: dict[str, str]) -> str:
    """What `ecert init`, `dept add`, `catalog add` and `token create` do, in this process
    (a process start costs seconds on a loaded machine); returns an issuer token."""
    from ecert.cli.common import cli_actor
    from producers import vocational_training as vt
    from producers._common import DEPARTMENTS

    p = open_platform(env)
    try:
        actor = cli_actor()
        p.store.create_schema()
        p.initialise(actor)
        for key in ("hrss", "market", "agriculture"):
            p.add_department(*DEPARTMENTS[key], None, actor)
        with p.writing() as uow:
            p.catalog.add(uow, vt.DEFINITION, actor, p.now())
        return str(p.create_token(role="issuer", dept_code=DEPARTMENTS["hrss"][0],
                                  holder_code=None, label="reliability", ttl_days=1,
                                  actor=actor).secret)
    finally:
        p.store.dispose()


@dataclass
class Deployment:
    """`n` `ecert serve` processes on their own ports, one database, one data dir."""

    env: dict[str, str]
    workdir: Path
    token: str = ""
    type_code: str = ""
    dept: str = ""
    ports: list[int] = field(default_factory=list)
    procs: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)
    kills: int = 0

    @classmethod
    def create(cls, url: str, workdir: Path, n: int, **extra: str) -> Deployment:
        from producers import vocational_training as vt
        from producers._common import DEPARTMENTS

        ports = [free_port() for _ in range(n)]
        env = ecert_env(url, workdir / "data", f"http://127.0.0.1:{ports[0]}", **extra)
        token = setup_platform(env)
        return cls(env, workdir, token, vt.TYPE_CODE, DEPARTMENTS["hrss"][0], ports)

    def url(self, i: int) -> str:
        return f"http://127.0.0.1:{self.ports[i]}"

    def start(self, i: int, wait: bool = True) -> None:
        log = (self.workdir / f"serve-{i}.log").open("ab")
        self.procs[i] = subprocess.Popen(
            [sys.executable, "-m", "ecert", "serve", "--port", str(self.ports[i])],
            env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        if wait:
            self.wait_ready(i)

    def start_all(self) -> None:
        for i in range(len(self.ports)):
            self.start(i, wait=False)
        for i in range(len(self.ports)):
            self.wait_ready(i)

    def wait_ready(self, i: int, timeout: float = 90) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.procs[i].poll() is not None:
                raise AssertionError(f"server {i} exited {self.procs[i].returncode}; see "
                                     f"{self.workdir}/serve-{i}.log")
            try:
                if httpx.get(self.url(i) + "/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"server {i} not ready after {timeout} s")

    def kill(self, i: int) -> None:
        """SIGKILL: no shutdown handler runs, transactions in flight are cut."""
        proc = self.procs[i]
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        self.kills += 1

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)

    def rss_kib(self, i: int) -> int:
        for line in Path(f"/proc/{self.procs[i].pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    # -- requests -------------------------------------------------------------------------
    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def issue(self, i: int, seed: int, key: str | None = None, timeout: float = 30) -> httpx.Response:
        from tests.api.helpers import training_request

        h = dict(self.headers)
        if key:
            h["Idempotency-Key"] = key
        return httpx.post(self.url(i) + "/api/v1/certificates", json=training_request(seed),
                          headers=h, timeout=timeout)

    def change(self, i: int, ident: str, expected: int | None = None,
               timeout: float = 30) -> httpx.Response:
        body: dict[str, Any] = {"data": {}, "reason": "可靠性测试变更"}
        if expected is not None:
            body["expected_row_version"] = expected
        return httpx.post(f"{self.url(i)}/api/v1/certificates/{ident}/change", json=body,
                          headers=self.headers, timeout=timeout)

    def move(self, i: int, ident: str, event: str, expected: int | None = None,
             timeout: float = 30) -> httpx.Response:
        body: dict[str, Any] = {"event": event, "reason": "可靠性测试"}
        if event == "transfer":
            body["transfer_to"] = {"name": "张三", "code": "540102199001011234"}
        if expected is not None:
            body["expected_row_version"] = expected
        return httpx.post(f"{self.url(i)}/api/v1/certificates/{ident}/status", json=body,
                          headers=self.headers, timeout=timeout)

    def get(self, i: int, ident: str, timeout: float = 30) -> httpx.Response:
        return httpx.get(f"{self.url(i)}/api/v1/certificates/{ident}", headers=self.headers,
                         timeout=timeout)


def new_key() -> str:
    return uuid.uuid4().hex


def retry(call: Callable[[], httpx.Response], tries: int = 200,
          pause: float = 0.2) -> httpx.Response:
    """Until the server answers (a killed one is being restarted meanwhile)."""
    last: Exception | None = None
    for _ in range(tries):
        try:
            r = call()
        except httpx.TransportError as exc:
            last = exc
            time.sleep(pause)
            continue
        if r.status_code != 503:
            return r
        time.sleep(pause)
    raise AssertionError(f"no answer after {tries} tries: {last}")


@contextmanager
def running(tmp_path: Path, workers: int) -> Iterator[Deployment]:
    """`workers` `ecert serve` processes on a fresh PostgreSQL database, stopped and dropped
    afterwards."""
    from tests.reliability.conftest import drop_pg_database, pg_database

    url, name = pg_database()
    dep = Deployment.create(url, tmp_path, workers)
    try:
        dep.start_all()
        yield dep
    finally:
        dep.stop_all()
        drop_pg_database(name)
