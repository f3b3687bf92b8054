"""`./dev bench [quick]`: every row of issue 11 (B1–B8), one table, bench/results/latest.json.

Each measurement runs in its own process (clean RSS, no warm caches carried between rows) and
prints one JSON object; this script turns them into rows `{"id", "figure", "reference",
"ratio", "target", "ok"}`. Ratios are taken within one run: the machine is shared and noisy.

    .venv/bin/python bench/run.py [quick] [--rows B1,B5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"
console = Console()
Row = dict[str, Any]


def measure(script: str, *args: str) -> dict[str, Any]:
    cmd = [sys.executable, str(BENCH / script), *args, "--json"]
    console.log(f"[dim]{script} {' '.join(args)}[/dim]")
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=BENCH.parent, timeout=6 * 3600)
    if r.returncode != 0:
        raise RuntimeError(f"{script} failed:\n{r.stdout[-2000:]}{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def row(rid: str, figure: str, reference: str, ratio: float, target: str, ok: bool) -> Row:
    return {"id": rid, "figure": figure, "reference": reference,
            "ratio": round(ratio, 4), "target": target, "ok": bool(ok)}


def b1(quick: bool) -> Row:
    from http_world import pg_database

    if quick:
        lite = measure("bench_issue.py", "5000")
        with pg_database() as url:
            pg = measure("bench_issue.py", "5000", "--db", url)
        rss = pg["rss_mb"] + pg.get("child_rss_mb", 0)  # the import's child process counts too
        ok = lite["ratio"] >= 0.20 and pg["ratio"] >= 0.15
        return row("B1", f"SQLite {lite['rate']:,.0f} rows/s ({lite['ratio']:.3f}×); PostgreSQL "
                   f"{pg['rate']:,.0f} rows/s ({pg['ratio']:.3f}×) at 5,000 rows, RSS "
                   f"{rss:.0f} MB (RSS at 1M: full run)", f"raw ES256 {lite['raw']:,.0f}/s",
                   lite["ratio"], "≥ 0.20× SQLite, ≥ 0.15× PostgreSQL, RSS < 300 MB at 1M", ok)
    # Full: SQLite at 100k; PostgreSQL from the million-certificate world (bench/big_world.py),
    # whose build is `ecert import` of 1M rows in one process — built here or reused.
    lite = measure("bench_issue.py", "100000")
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    big = measure("big_world.py", "--size", "1000000")
    build = max(big["builds"], key=lambda b: b["to"] - b["from"])
    when = "built in this run" if build["finished"] >= started else \
        f"built {build['finished'][:10]} at {build['commit']}, reused"
    ok = lite["ratio"] >= 0.20 and build["ratio"] >= 0.15 and build["rss_mb"] < 300
    return row("B1", f"SQLite {lite['rate']:,.0f} rows/s ({lite['ratio']:.3f}×) at 100,000; "
               f"PostgreSQL {build['rate']:,.0f} rows/s ({build['ratio']:.3f}×) importing "
               f"{build['to'] - build['from']:,} rows in one `ecert import`, RSS "
               f"{build['rss_mb']:.0f} MB ({when})", f"raw ES256 {lite['raw']:,.0f}/s",
               lite["ratio"], "≥ 0.20× SQLite, ≥ 0.15× PostgreSQL, RSS < 300 MB at 1M", ok)


def b4_b8(quick: bool) -> list[Row]:
    f = measure("bench_face.py", "--seconds", "2" if quick else "5")
    ratio = f["render_lt"] / f["sign_bb"]
    b4 = row("B4", f"render + B-LT {f['render_lt']:.1f} docs/s",
             f"B-B sign {f['sign_bb']:.1f} docs/s", ratio, "≥ 0.5× B-B and ≥ 10 docs/s",
             ratio >= 0.5 and f["render_lt"] >= 10)
    b8 = row("B8", f"QR PNG {f['qr_png']:.0f}/s (version {f['qr_version']})", "150/s (absolute)",
             f["qr_png"] / 150, "≥ 150/s", f["qr_png"] >= 150)
    return [b4, b8]


def b5(quick: bool) -> Row:
    v = measure("bench_verify.py", "3000" if quick else "20000")
    return row("B5", f"offline QR verify {v['qr']:,.0f}/s", f"raw ECDSA verify {v['raw']:,.0f}/s",
               v["ratio"], "≥ 0.6×", v["ratio"] >= 0.6)


def b6(quick: bool) -> tuple[Row, dict[str, Any]]:
    sizes = ["10000", "100000"] if quick else ["10000", "100000", "1000000"]
    a = measure("bench_audit.py", "--sizes", *sizes, "--single", "500", "--proofs", "1000")
    last = a["sizes"][-1]
    bulk = min(s["bulk"] for s in a["sizes"])
    per_million = a["verify_s"] * 1_000_000 / a["verified_size"]
    ok = bulk >= 20_000 and last["proof_ms"] <= 2 and per_million <= 60
    return row("B6", f"bulk appends {bulk:,.0f}/s; proof {last['proof_ms']:.2f} ms at "
               f"{last['size']:,}; verify {a['verify_s']:.1f} s at {a['verified_size']:,} "
               f"(≈ {per_million:.0f} s per 1M)", f"SHA-256 leaf {last['sha']:,.0f}/s",
               bulk / last["sha"], "≥ 20,000 appends/s; proof ≤ 2 ms at 1M; verify 1M ≤ 60 s",
               ok), a


def b2_b3_b7(quick: bool, audit: dict[str, Any] | None) -> list[Row]:
    h = measure("rows_http.py", *(["--quick"] if quick else []))
    b2 = h["B2"]
    out = [row("B2", f"/pki/ca.pem {b2['ecert']:,.0f} req/s", f"bare FastAPI {b2['bare']:,.0f} req/s",
               b2["ecert"] / b2["bare"], "≥ 0.7×", b2["ecert"] / b2["bare"] >= 0.7)]
    one, two = h["B3"]["1"], h["B3"]["2"]
    hz = one["healthz"]["rps"]
    issue, verify = one["issue"]["rps"] / hz, one["verify"]["rps"] / hz
    tail = max(one[k]["p99"] / one[k]["p50"] for k in ("issue", "verify"))
    scale = two["verify"]["rps"] / one["verify"]["rps"]
    out.append(row("B3", f"1 worker: issue {one['issue']['rps']:,.0f}/s ({issue:.2f}×), verify "
                   f"{one['verify']['rps']:,.0f}/s, p99/p50 ≤ {tail:.1f}; 2 workers: verify "
                   f"{two['verify']['rps']:,.0f}/s ({scale:.2f}×), issue {two['issue']['rps']:,.0f}/s",
                   f"/healthz {hz:,.0f} req/s", verify,
                   "issue ≥ 0.25×, verify ≥ 0.5×, p99 ≤ 3× p50; 1→2 workers ≥ 1.6×",
                   issue >= 0.25 and verify >= 0.5 and tail <= 3 and scale >= 1.6))
    g = h["B7"]
    s, big = g["at_small"], g["at_large"]
    grow = max(big["verify_p50"] / s["verify_p50"], big["lookup_p50"] / s["lookup_p50"])
    proof_ok, proof_txt = True, ""
    if audit is not None and len(audit["sizes"]) >= 2:
        p0, p1 = audit["sizes"][0], audit["sizes"][-1]
        allowed = math.log2(p1["size"]) / math.log2(p0["size"])
        proof_ok = p1["proof_ms"] / p0["proof_ms"] <= 1.5 * allowed
        proof_txt = (f"; proof {p0['proof_ms']:.2f}→{p1['proof_ms']:.2f} ms "
                     f"(log n allows {allowed:.2f}×)")
    out.append(row("B7", f"verify p50 {big['verify_p50'] * 1000:.1f} ms, lookup p50 "
                   f"{big['lookup_p50'] * 1000:.1f} ms at {g['large']:,}{proof_txt}",
                   f"verify {s['verify_p50'] * 1000:.1f} ms, lookup {s['lookup_p50'] * 1000:.1f} ms "
                   f"at {g['small']:,}", grow, "≤ 1.5× ; proofs grow as log n",
                   grow <= 1.5 and proof_ok))
    return out


def machine() -> dict[str, Any]:
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor())
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "load_before": os.getloadavg()[0]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", nargs="?", default="full", choices=["full", "quick"])
    ap.add_argument("--rows", default="B1,B2,B3,B4,B5,B6,B7,B8")
    a = ap.parse_args()
    quick, want = a.mode == "quick", set(a.rows.split(","))
    sys.path.insert(0, str(BENCH))
    started = time.perf_counter()
    rows: list[Row] = []
    audit = None
    steps: list[tuple[set[str], Callable[[], None]]] = [
        ({"B1"}, lambda: rows.append(b1(quick))),
        ({"B4", "B8"}, lambda: rows.extend(b4_b8(quick))),
        ({"B5"}, lambda: rows.append(b5(quick))),
    ]
    def b6_step() -> None:
        nonlocal audit
        b6_row, audit = b6(quick)
        rows.append(b6_row)

    steps.append(({"B6", "B7"}, b6_step))
    steps.append(({"B2", "B3", "B7"}, lambda: rows.extend(b2_b3_b7(quick, audit))))
    for ids, step in steps:
        if ids & want:
            try:
                step()
            except Exception as exc:  # noqa: BLE001 - one broken row must not lose the others
                console.print(f"[red]{'/'.join(sorted(ids))} failed:[/red] {exc}")
                rows.extend(row(i, f"failed: {str(exc)[-300:]}", "", 0.0, "", False)
                            for i in sorted(ids) if i not in {r["id"] for r in rows})
            save(rows, want, a.mode, started)
    show(sorted((r for r in rows if r["id"] in want), key=lambda r: r["id"]))
    console.print(f"wrote {RESULTS / 'latest.json'} ({round(time.perf_counter() - started)} s)")


def save(rows: list[Row], want: set[str], mode: str, started: float) -> None:
    """After every step: a run cut short keeps what it measured."""
    RESULTS.mkdir(exist_ok=True)
    done = [r for r in rows if r["id"] in want]
    latest = RESULTS / "latest.json"
    if latest.exists():  # a run of some rows (--rows) keeps the other rows' last figures
        done += [r for r in json.loads(latest.read_text())["rows"]
                 if r["id"] not in {d["id"] for d in done}]
    done.sort(key=lambda r: r["id"])
    meta = {"mode": mode, "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "seconds": round(time.perf_counter() - started), "machine": machine()}
    (RESULTS / "latest.json").write_text(json.dumps({"rows": done}, ensure_ascii=False,
                                                    indent=2) + "\n")
    (RESULTS / "latest-run.json").write_text(json.dumps(meta, indent=2) + "\n")


def show(rows: list[Row]) -> None:
    t = Table(title="ecert benchmarks (issue 11)")
    for col in ("id", "figure", "reference", "ratio", "target", ""):
        t.add_column(col, overflow="fold")
    for r in rows:
        t.add_row(r["id"], r["figure"], r["reference"], f"{r['ratio']:.3f}", r["target"],
                  "[green]✔[/green]" if r["ok"] else "[red]✘[/red]")
    console.print(t)


if __name__ == "__main__":
    main()
