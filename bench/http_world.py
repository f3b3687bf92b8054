"""HTTP benchmarks' world: a platform on its own PostgreSQL database, served by `ecert serve`
with 1 or N workers on a loopback port, and `wrk` (Debian) as the load generator.

Everything is created fresh (`ecert_bench_<hex>` database, data dir under a temp dir) and
dropped afterwards.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
PG_SERVER = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as c:
        c.execute(sql)


@contextlib.contextmanager
def pg_database() -> Iterator[str]:
    """A uniquely named PostgreSQL database, dropped on exit; yields its SQLAlchemy URL."""
    name = "ecert_bench_" + secrets.token_hex(5)
    _admin(f"CREATE DATABASE {name}")
    try:
        yield PG_SERVER.replace("postgresql://", "postgresql+psycopg://") + "/" + name
    finally:
        _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@dataclass(frozen=True)
class World:
    env: dict[str, str]
    token: str
    type_code: str
    identifiers: tuple[str, ...]
    ca_pem: Path


def ecert(env: dict[str, str], *args: str, timeout: float | None = 600) -> str:
    r = subprocess.run([sys.executable, "-m", "ecert", *args], env=env, capture_output=True,
                       text=True, timeout=timeout, cwd=REPO)
    if r.returncode != 0:
        raise RuntimeError(f"ecert {' '.join(args)}: {r.stdout}{r.stderr}")
    return r.stdout


@contextlib.contextmanager
def world(certificates: int = 50) -> Iterator[World]:
    """A platform on a fresh PostgreSQL database with one department, its training type, an
    issuer token and `certificates` issued certificates."""
    sys.path.insert(0, str(REPO))
    from producers import vocational_training as vt
    from producers._common import DEPARTMENTS

    with pg_database() as url, tempfile.TemporaryDirectory(prefix="ecert-http-") as tmp:
        d = Path(tmp)
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("ECERT_")},
               "ECERT_DATABASE_URL": url, "ECERT_DATA_DIR": str(d / "data"),
               "ECERT_KEY_PASSPHRASE": "bench-passphrase-" + secrets.token_hex(8),
               "ECERT_RATE_LIMIT_PER_MINUTE": "100000000", "ECERT_STH_EVERY_N": "1000"}
        ecert(env, "init")
        code, name = DEPARTMENTS["hrss"]
        ecert(env, "dept", "add", "--code", code, "--name", name)
        (d / "type.json").write_text(json.dumps(vt.DEFINITION, ensure_ascii=False))
        ecert(env, "catalog", "add", str(d / "type.json"))
        token = ecert(env, "token", "create", "--role", "issuer", "--dept", code).strip()
        idents = []
        with serve(env, 1) as base:
            (d / "ca.pem").write_bytes(httpx.get(base + "/pki/ca.pem").content)
            for i in range(certificates):
                r = httpx.post(base + "/api/v1/certificates", json=issue_body(i),
                               headers={"Authorization": f"Bearer {token}"}, timeout=60)
                r.raise_for_status()
                idents.append(r.json()["identifier"])
        yield World(env, token, vt.TYPE_CODE, tuple(idents), d / "ca.pem")


def issue_body(seed: int) -> dict[str, object]:
    from producers import vocational_training as vt

    data, _source = vt.to_request(vt.sample_events(1, seed=seed)[0])
    return {"type": vt.TYPE_CODE, "data": data}


def _wait(base: str, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(600):
        if proc.poll() is not None:
            raise RuntimeError("server exited")
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code in (200, 404):
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


@contextlib.contextmanager
def serve(env: dict[str, str], workers: int) -> Iterator[str]:
    """`ecert serve --workers N` on a free loopback port."""
    port = free_port()
    cmd = [sys.executable, "-m", "ecert", "serve", "--port", str(port), "--workers", str(workers)]
    with _running(cmd, {**env, "ECERT_BASE_URL": f"http://127.0.0.1:{port}"}) as proc:
        base = f"http://127.0.0.1:{port}"
        _wait(base, proc)
        yield base


@contextlib.contextmanager
def serve_bare(ca_pem: Path) -> Iterator[str]:
    """B2's reference app on the same uvicorn, one worker."""
    port = free_port()
    cmd = [sys.executable, "-m", "uvicorn", "--app-dir", str(REPO / "bench"), "bare_app:app",
           "--port", str(port), "--log-level", "info"]
    with _running(cmd, {**os.environ, "BENCH_CA_PEM": str(ca_pem)}) as proc:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            if proc.poll() is not None:
                raise RuntimeError("bare app exited")
            try:
                httpx.get(base + "/pki/ca.pem", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base


@contextlib.contextmanager
def _running(cmd: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(cmd, env=env, cwd=REPO, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield proc
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@dataclass(frozen=True)
class Load:
    rps: float
    p50: float
    p99: float
    errors: int

    @property
    def tail(self) -> float:
        return self.p99 / self.p50 if self.p50 else float("inf")


def wrk(url: str, seconds: float, connections: int = 8, method: str = "GET",
        body: dict[str, object] | None = None, headers: dict[str, str] | None = None) -> Load:
    """Run wrk (one thread: the machine has two cores) and parse rate and latency."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(f'wrk.method = "{method}"\n')
        for k, v in (headers or {}).items():
            f.write(f'wrk.headers["{k}"] = "{v}"\n')
        if body is not None:
            f.write('wrk.headers["Content-Type"] = "application/json"\n')
            f.write(f"wrk.body = [==[{json.dumps(body, ensure_ascii=False)}]==]\n")
        script = f.name
    try:
        out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds:.0f}s", "--latency",
                              "--timeout", "30s",
                              "-s", script, url], capture_output=True, text=True, check=True,
                             timeout=seconds + 60).stdout
    finally:
        os.unlink(script)
    return _parse(out)


def wrk_paths(base: str, paths: list[str], seconds: float,
              headers: dict[str, str] | None = None) -> Load:
    """One connection cycling through `paths` in random order: latency, not throughput."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write("paths = {" + ",".join(json.dumps(x) for x in paths) + "}\n")
        for k, v in (headers or {}).items():
            f.write(f'wrk.headers["{k}"] = "{v}"\n')
        f.write("request = function() return wrk.format(nil, paths[math.random(#paths)]) end\n")
        script = f.name
    try:
        out = subprocess.run(["wrk", "-t1", "-c1", f"-d{seconds:.0f}s", "--latency", "--timeout", "30s",
                              "-s", script,
                              base], capture_output=True, text=True, check=True,
                             timeout=seconds + 60).stdout
    finally:
        os.unlink(script)
    return _parse(out)


def _latency(out: str, pct: str) -> float:
    m = re.search(rf"^\s*{pct}%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
    return float(m.group(1)) * UNITS[m.group(2)] if m else float("nan")


def _parse(out: str) -> Load:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errs = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errs += int(non2xx.group(1)) if non2xx else 0
    return Load(rps, _latency(out, "50"), _latency(out, "99"), errs)
