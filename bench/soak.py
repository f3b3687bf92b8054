"""Soak: measure the maximum throughput of a mixed load (issue / lookup / verify / PDF) against
two `ecert serve` processes on PostgreSQL, then hold HALF of it for N minutes (open loop: a
fixed arrival schedule, so a slow server cannot slow the load down). Reports errors, RSS growth
of the servers and p99 drift (last minute against the first), and writes them as JSON.

    .venv/bin/python bench/soak.py --minutes 10 --out bench/results/soak.json

Pass: zero errors, RSS growth < 10 %, p99 drift < 20 % (the figures go to docs/reliability.md).
Needs PostgreSQL at 127.0.0.1:5432 (user postgres, trust); makes and drops its own database.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402

from tests.reliability.conftest import drop_pg_database, pg_database  # noqa: E402
from tests.reliability.servers import Deployment  # noqa: E402

MIX = ["issue"] * 30 + ["lookup"] * 33 + ["verify"] * 32 + ["pdf"] * 5


class Mixed:
    def __init__(self, dep: Deployment) -> None:
        self.dep, self.lock = dep, threading.Lock()
        self.ids: list[str] = []
        self.seed = 5_000_000
        self.errors: Counter[str] = Counter()
        self.samples: list[tuple[float, str, float]] = []  # (start, op, seconds)

    def one(self, rng: random.Random) -> None:
        op, server = rng.choice(MIX), rng.randrange(len(self.dep.ports))
        with self.lock:
            ident = rng.choice(self.ids) if self.ids else None
            self.seed += 1
            seed = self.seed
        if ident is None:
            op = "issue"
        t0 = time.monotonic()
        try:
            if op == "issue":
                r = self.dep.issue(server, seed)
            elif op == "lookup":
                r = self.dep.get(server, ident or "")
            elif op == "verify":
                r = httpx.get(f"{self.dep.url(server)}/api/v1/verify/{ident}",
                              headers=self.dep.headers, timeout=60)
            else:
                r = httpx.get(f"{self.dep.url(server)}/api/v1/certificates/{ident}/pdf",
                              headers=self.dep.headers, timeout=120)
            ok = r.is_success
            code = str(r.status_code)
        except httpx.TransportError as exc:
            ok, code = False, type(exc).__name__
        took = time.monotonic() - t0
        with self.lock:
            self.samples.append((t0, op, took))
            if not ok:
                self.errors[f"{op} {code}"] += 1
            elif op == "issue":
                self.ids.append(r.json()["identifier"])


def measure_max(mix: Mixed, seconds: float, clients: int) -> float:
    end = time.monotonic() + seconds
    done = Counter[str]()

    def loop(k: int) -> None:
        rng = random.Random(k)
        while time.monotonic() < end:
            mix.one(rng)
            done["n"] += 1

    threads = [threading.Thread(target=loop, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return done["n"] / seconds


def hold(mix: Mixed, rate: float, seconds: float, rss: list[tuple[float, int]]) -> float:
    """Open loop at `rate` requests/s; samples the servers' RSS every 10 s."""
    start = time.monotonic()
    rng = random.Random(42)
    n = int(rate * seconds)
    next_rss = start
    with ThreadPoolExecutor(32) as pool:
        for i in range(n):
            due = start + i / rate
            while (now := time.monotonic()) < due:
                time.sleep(min(due - now, 0.05))
            if now >= next_rss:
                rss.append((now - start, sum(mix.dep.rss_kib(j) for j in range(len(mix.dep.ports)))))
                next_rss += 10
            pool.submit(mix.one, random.Random(rng.random()))
    rss.append((time.monotonic() - start,
                sum(mix.dep.rss_kib(j) for j in range(len(mix.dep.ports)))))
    return start


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] if len(values) >= 100 else max(values)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--probe-seconds", type=float, default=45)
    ap.add_argument("--out", type=Path, default=Path("bench/results/soak.json"))
    args = ap.parse_args()
    url, name = pg_database()
    work = Path(tempfile.mkdtemp(prefix="ecert-soak-"))
    dep = Deployment.create(url, work, 2)
    try:
        dep.start_all()
        warm = Mixed(dep)
        measure_max(warm, 10, 8)                       # warm-up: caches, PDFs' fonts
        probe = Mixed(dep)
        probe.ids = list(warm.ids)
        max_rate = measure_max(probe, args.probe_seconds, 8)
        rate = max_rate / 2
        mix = Mixed(dep)
        mix.ids = list(probe.ids)
        rss: list[tuple[float, int]] = []
        seconds = args.minutes * 60
        start = hold(mix, rate, seconds, rss)
        first = [s for t, _, s in mix.samples if t - start < 60]
        last = [s for t, _, s in mix.samples if t - start >= seconds - 60]
        base_rss = next((kib for t, kib in rss if t >= 60), rss[0][1])  # after the first minute
        figures = {
            "minutes": args.minutes, "servers": 2, "max_rate_per_s": round(max_rate, 1),
            "held_rate_per_s": round(rate, 1), "requests": len(mix.samples),
            "errors": dict(mix.errors), "error_count": sum(mix.errors.values()),
            "p99_first_minute_ms": round(p99(first) * 1000, 1),
            "p99_last_minute_ms": round(p99(last) * 1000, 1),
            "p99_drift_pct": round((p99(last) / p99(first) - 1) * 100, 1),
            "rss_start_kib": rss[0][1], "rss_after_1min_kib": base_rss, "rss_end_kib": rss[-1][1],
            "rss_growth_pct": round((rss[-1][1] / base_rss - 1) * 100, 1),
            "ops": dict(Counter(op for _, op, _ in mix.samples)),
        }
        figures["pass"] = (figures["error_count"] == 0 and figures["rss_growth_pct"] < 10
                           and figures["p99_drift_pct"] < 20)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
        print(json.dumps(figures, indent=2, ensure_ascii=False))
        return 0 if figures["pass"] else 1
    finally:
        dep.stop_all()
        drop_pg_database(name)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
