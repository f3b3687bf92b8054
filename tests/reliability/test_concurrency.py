"""Concurrency: 4 `ecert serve` processes on PostgreSQL, threads changing, suspending,
releasing, revoking and transferring the SAME few certificates at once (with and without
`expected_row_version`). Afterwards: no lost update (every 2xx answer is one stored event or
version, and nothing unanswered is stored twice), unique identifiers and serials, one linear
state history per certificate that obeys the lifecycle table, and a log that verifies.

Short: about 20 s of load. Long (`./dev soak`): 2 minutes."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.reliability.conftest import report, scale
from tests.reliability.servers import Deployment, open_platform, running

pytestmark = pytest.mark.postgres

OPS = ["change"] * 4 + ["suspend"] * 3 + ["release"] * 3 + ["inspect"] * 2 + [
    "revoke", "transfer", "issue"]


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[Deployment]:
    with running(tmp_path, 4) as dep:
        yield dep


class Load:
    def __init__(self, dep: Deployment) -> None:
        self.dep, self.lock = dep, threading.Lock()
        self.live: list[str] = []          # base identifiers still movable
        self.current: dict[str, str] = {}  # base → current identifier (as last answered)
        self.acked: Counter[tuple[str, str]] = Counter()  # (base, event) answered 2xx
        self.versions: list[str] = []      # identifiers answered 2xx (issue and change)
        self.codes: Counter[str] = Counter()
        self.seed = 900_000

    def issue(self, server: int) -> None:
        with self.lock:
            self.seed += 1
            seed = self.seed
        r = self.dep.issue(server, seed)
        self.codes[f"issue {r.status_code}"] += 1
        if r.status_code == 201:
            body = r.json()
            with self.lock:
                self.live.append(body["base_identifier"])
                self.current[body["base_identifier"]] = body["identifier"]
                self.acked[(body["base_identifier"], "issue")] += 1
                self.versions.append(body["identifier"])

    def one(self, rng: random.Random) -> None:
        server, op = rng.randrange(len(self.dep.ports)), rng.choice(OPS)
        with self.lock:
            base = rng.choice(self.live) if self.live else None
            ident = self.current.get(base or "")
        if op == "issue" or base is None or ident is None:
            self.issue(server)
            return
        expected = None
        if rng.random() < 0.5:
            got = self.dep.get(server, ident)
            if got.status_code == 200:
                expected = got.json().get("row_version")
        r = (self.dep.change(server, ident, expected) if op == "change"
             else self.dep.move(server, ident, op, expected))
        self.codes[f"{op} {r.status_code}"] += 1
        if r.is_success:
            body = r.json()
            with self.lock:
                self.acked[(base, op)] += 1
                self.current[base] = body["identifier"]
                if op == "change":
                    self.versions.append(body["identifier"])
                if op in ("revoke", "transfer"):
                    self.live = [b for b in self.live if b != base]


def _worker(load: Load, rng: random.Random, until: float) -> None:
    while time.monotonic() < until:
        try:
            load.one(rng)
        except httpx.TransportError:
            load.codes["no answer"] += 1


def test_concurrent_moves_on_the_same_certificates(deployment: Deployment) -> None:
    from issuer import lifecycle

    load = Load(deployment)
    for i in range(4):
        load.issue(i)
    seed = random.SystemRandom().randrange(1 << 30)
    seconds = float(scale(20, 120))
    until = time.monotonic() + seconds
    threads = [threading.Thread(target=_worker, args=(load, random.Random(seed + k), until))
               for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    deployment.stop_all()
    assert not [c for c in load.codes if c.split()[-1] in ("500", "answer")], load.codes

    p = open_platform(deployment.env)
    try:
        from ecert.services.audit import verify_all

        full = verify_all(p)
        assert full.ok, full.findings
        stored: Counter[tuple[str, str]] = Counter()
        with p.store.transaction() as uow:
            certs = list(uow.certificates.iter_certificates())
            for cert in certs:
                events = uow.certificates.events(cert.id)
                _linear(lifecycle, cert, events)
                for ev in events:
                    stored[(cert.base_identifier, ev.event)] += 1
                versions = uow.certificates.versions(cert.id)
                assert [v.version for v in versions] == list(range(1, cert.current_version + 1))
                assert sum(ev.event == "change" for ev in events) == cert.current_version - 1
            idents = [v.identifier for v in uow.certificates.iter_versions()]
        # no lost update and no phantom: what was answered 2xx is exactly what is stored
        assert stored == load.acked, (stored - load.acked, load.acked - stored)
        assert set(load.versions) <= set(idents)
        assert len(idents) == len(set(idents))
        serials = [(c.type_code, c.issuer_code, c.serial) for c in certs]
        assert len(serials) == len(set(serials))
    finally:
        p.store.dispose()
    report("concurrency", {"seed": seed, "seconds": seconds, "servers": 4,
                           "certificates": len(certs), "moves_acked": sum(load.acked.values()),
                           "answers": dict(load.codes)})


def _linear(lifecycle, cert, events) -> None:  # type: ignore[no-untyped-def]
    """One chain: issue first, each move starts where the last ended and is allowed."""
    assert events and events[0].event == "issue" and events[0].to_status == lifecycle.VALID
    status = events[0].to_status
    for ev in events[1:]:
        assert ev.from_status == status, (cert.base_identifier, ev)
        assert lifecycle.next_status(status, ev.event) == ev.to_status, (cert.base_identifier, ev)
        status = ev.to_status
    assert status == cert.status
