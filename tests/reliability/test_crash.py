"""Server crash under concurrent issuance: 2 `ecert serve` processes on PostgreSQL, clients
issuing (with Idempotency-Key), changing and revoking while the servers are SIGKILLed at
random points and restarted. Afterwards every request answered 2xx is in the store with its
audit entry, nothing is half-written (no record without its leaf, no leaf without its record,
no gap in the tree), `ecert audit verify` passes, and retrying every unanswered issuance with
its key gives each certificate exactly once.

Short: 3 kills. Long (`./dev soak`): 20."""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.reliability.conftest import report, scale
from tests.reliability.servers import Deployment, new_key, retry, running

pytestmark = pytest.mark.postgres


@dataclass
class Ledger:
    """What the clients were told."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    seeds: dict[str, int] = field(default_factory=dict)        # idempotency key → data seed
    issued: dict[str, str] = field(default_factory=dict)       # key → base identifier (2xx)
    first: dict[str, str] = field(default_factory=dict)        # key → identifier of version 1
    unanswered: set[str] = field(default_factory=set)          # issuance keys with no answer
    live: list[str] = field(default_factory=list)              # identifiers to change/revoke
    changed: list[str] = field(default_factory=list)           # new version identifiers (2xx)
    revoked: list[str] = field(default_factory=list)           # base identifiers (2xx)
    codes: Counter[str] = field(default_factory=Counter)


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[Deployment]:
    with running(tmp_path, 2) as dep:
        yield dep


def _client(dep: Deployment, led: Ledger, rng: random.Random, stop: threading.Event,
            next_seed: Iterator[int]) -> None:
    while not stop.is_set():
        op = rng.choice(["issue", "issue", "issue", "change", "revoke"])
        server = rng.randrange(len(dep.ports))
        with led.lock:
            target = rng.choice(led.live) if led.live else None
        if target is None:
            op = "issue"
        try:
            if op == "issue":
                key, seed = new_key(), next(next_seed)
                with led.lock:
                    led.seeds[key] = seed
                    led.unanswered.add(key)
                r = dep.issue(server, seed, key)
                _issued(led, key, r)
            elif op == "change":
                r = dep.change(server, target)
                if r.is_success:
                    with led.lock:
                        led.changed.append(r.json()["identifier"])
                        led.live = [x for x in led.live if x != target] + [r.json()["identifier"]]
            else:
                r = dep.move(server, target, "revoke")
                if r.is_success:
                    with led.lock:
                        led.revoked.append(r.json()["base_identifier"])
                        led.live = [x for x in led.live if x != target]
            led.codes[f"{op} {r.status_code}"] += 1
        except httpx.TransportError:
            led.codes[f"{op} no answer"] += 1
            time.sleep(0.2)


def _issued(led: Ledger, key: str, r: httpx.Response) -> None:
    if r.status_code in (200, 201):
        ident, base = r.json()["identifier"], r.json()["base_identifier"]
        with led.lock:
            led.unanswered.discard(key)
            assert led.issued.setdefault(key, base) == base
            if key not in led.first:  # a replay answers with the current version
                led.first[key] = ident
                led.live.append(ident)


def _killer(dep: Deployment, rng: random.Random, kills: int, stop: threading.Event) -> None:
    try:
        for _ in range(kills):
            time.sleep(rng.uniform(0.5, 2.5))
            i = rng.randrange(len(dep.ports))
            dep.kill(i)
            time.sleep(rng.uniform(0.0, 0.5))
            dep.start(i)
    finally:
        stop.set()


def test_sigkill_under_concurrent_issuance_loses_nothing(deployment: Deployment) -> None:
    dep, led = deployment, Ledger()
    seed = random.SystemRandom().randrange(1 << 30)
    rng, stop = random.Random(seed), threading.Event()
    kills = int(scale(3, 20))
    counter = iter(range(100_000, 10**9))
    lock = threading.Lock()

    def seeds() -> Iterator[int]:
        while True:
            with lock:
                yield next(counter)

    clients = [threading.Thread(target=_client, args=(dep, led, random.Random(seed + k), stop,
                                                      seeds())) for k in range(4)]
    for t in clients:
        t.start()
    t0 = time.monotonic()
    _killer(dep, rng, kills, stop)
    for t in clients:
        t.join(timeout=120)
    load_s = time.monotonic() - t0
    # Retry every unanswered issuance with its own key until it is answered.
    for key in sorted(led.unanswered):
        r = retry(lambda key=key: dep.issue(0, led.seeds[key], key))
        assert r.status_code in (200, 201), r.text
        _issued(led, key, r)
    again = {k: retry(lambda k=k: dep.issue(1, led.seeds[k], k)).json()["base_identifier"]
             for k in rng.sample(sorted(led.issued), min(10, len(led.issued)))}
    assert all(led.issued[k] == v for k, v in again.items())  # idempotent: the first answer
    dep.stop_all()
    _check_store(dep, led)
    report("crash", {"seed": seed, "load_seconds": round(load_s, 1), "kills": dep.kills, "issued": len(led.issued),
                     "changed": len(led.changed), "revoked": len(led.revoked),
                     "answers": dict(led.codes)})
    assert not [c for c in led.codes if c.endswith(" 500")], led.codes


def _check_store(dep: Deployment, led: Ledger) -> None:
    from ecert.platform import Platform
    from ecert.services.audit import verify_all
    from ecert.settings import load_settings
    from issuer.lifecycle import REVOKED

    p = Platform(load_settings(dep.env, data_dir=Path(dep.env["ECERT_DATA_DIR"])))
    try:
        full = verify_all(p)
        assert full.ok, full.findings  # both directions, every leaf, no gap in the tree
        with p.store.transaction() as uow:
            entries = [(e.action, e.cert_identifier) for e in uow.audit.iter_entries()]
            certs = list(uow.certificates.iter_certificates())
            for ident in [*led.first.values(), *led.changed]:
                assert uow.certificates.version_by_identifier(ident) is not None, ident
            statuses = {c.base_identifier: c.status for c in certs}
            for base in led.revoked:
                assert statuses[base] == REVOKED, base
        issue_entries = Counter(i for a, i in entries if a == "certificate.issue")
        for ident in led.first.values():
            assert issue_entries[ident] == 1, ident  # exactly once, with its entry
        change_entries = {i for a, i in entries if a == "certificate.change"}
        assert set(led.changed) <= change_entries
        # every key was answered in the end: one certificate per key, none without a key
        assert len(certs) == len(led.issued) == len(set(led.issued.values()))
        sizes = json.dumps({"entries": len(entries), "tree": full.log.tree_size})
        assert len(entries) == full.log.tree_size, sizes
    finally:
        p.store.dispose()
