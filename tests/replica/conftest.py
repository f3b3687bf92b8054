"""A private PostgreSQL 15 primary and its streaming replica (pg_basebackup -R), on ports
18500-18599, owned by this test module: the shared server at 127.0.0.1:5432 is not touched."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PORTS = range(18500, 18600)


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return found[-1].parent if found else None


def _free_ports(n: int) -> list[int]:
    out = []
    for port in PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        out.append(port)
        if len(out) == n:
            return out
    pytest.skip("no free port in 18500-18599")


def as_postgres(*args: str, check: bool = True) -> str:
    r = subprocess.run(["runuser", "-u", "postgres", "--", *args], capture_output=True,
                       text=True, timeout=180, check=False)
    if check:
        assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


@dataclass
class Cluster:
    bindir: Path
    pgdata: Path
    port: int

    def ctl(self, *args: str, check: bool = True) -> None:
        opts = f"-p {self.port} -k {self.pgdata} -c listen_addresses=127.0.0.1"
        as_postgres(str(self.bindir / "pg_ctl"), "-D", str(self.pgdata), "-l",
                    str(self.pgdata / "server.log"), "-o", opts, *args, check=check)

    def start(self) -> None:
        self.ctl("-w", "start")

    def stop(self) -> None:
        self.ctl("-m", "fast", "-w", "stop", check=False)

    def url(self, db: str = "ecert", driver: str = "postgresql+psycopg") -> str:
        return f"{driver}://postgres@127.0.0.1:{self.port}/{db}"

    def sql(self, query: str, db: str = "ecert") -> list[tuple[object, ...]]:
        import psycopg

        with psycopg.connect(self.url(db, driver="postgresql"), autocommit=True) as c:
            cur = c.execute(query)
            return cur.fetchall() if cur.description else []


@dataclass
class Pair:
    primary: Cluster
    replica: Cluster


@pytest.fixture(scope="module")
def pair() -> Iterator[Pair]:
    bindir = _pg_bin()
    if bindir is None or shutil.which("runuser") is None:
        pytest.skip("PostgreSQL server binaries or runuser not installed")
    # not under pytest's tmp dir: it is reset to 0700 and the servers run as `postgres`
    holder = Path(tempfile.mkdtemp(prefix="ecert-replica-"))
    holder.chmod(0o711)
    p_port, r_port = _free_ports(2)
    primary = Cluster(bindir, holder / "primary", p_port)
    replica = Cluster(bindir, holder / "replica", r_port)
    for c in (primary, replica):
        c.pgdata.mkdir(mode=0o700)
        shutil.chown(c.pgdata, "postgres", "postgres")
    try:
        # initdb -A trust also trusts replication connections from 127.0.0.1
        as_postgres(str(bindir / "initdb"), "-D", str(primary.pgdata), "-A", "trust",
                    "-U", "postgres")
        primary.start()
        primary.sql("CREATE DATABASE ecert", db="postgres")
        as_postgres(str(bindir / "pg_basebackup"), "-w", "-h", "127.0.0.1", "-p", str(p_port),
                    "-U", "postgres", "-D", str(replica.pgdata), "-R", "-X", "stream",
                    "-c", "fast")
        replica.start()
        yield Pair(primary, replica)
    finally:
        for c in (replica, primary):
            c.ctl("-m", "immediate", "stop", check=False)
        shutil.rmtree(holder, ignore_errors=True)
