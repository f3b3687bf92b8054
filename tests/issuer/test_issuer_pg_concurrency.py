"""PostgreSQL: several processes issue at once; concurrent status changes conflict cleanly."""

from __future__ import annotations

import multiprocessing as mp
import threading

import pytest
from issuer_helpers import (
    DEPT_A,
    NOW,
    TYPE_A,
    TestKeys,
    drop_pg_schema,
    good_data,
    issuer_actor,
    make_world,
    pg_available,
    pg_schema_store,
    pg_store,
)

from issuer.errors import Conflict, IllegalTransition

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(not pg_available(), reason="PostgreSQL not reachable")]


def _issue_many(schema: str, keys_der: tuple[bytes, bytes], n: int, q: mp.Queue) -> None:
    # Child: its own engine; signs with a fresh key (the signature is not what we test here).
    store = pg_store(schema)
    keys = TestKeys()
    keys.enrol(DEPT_A, "测试厅")
    world = make_world(store, keys, enrol=False)
    out = [world.svc.issue(issuer_actor(), TYPE_A, good_data(i % 50 + 1), NOW).identifier
           for i in range(n)]
    store.dispose()
    q.put(out)


def test_four_processes_issue_distinct_identifiers() -> None:
    store, schema = pg_schema_store()
    try:
        make_world(store)
        ctx = mp.get_context("spawn")
        q: mp.Queue = ctx.Queue()
        procs = [ctx.Process(target=_issue_many, args=(schema, (b"", b""), 25, q))
                 for _ in range(4)]
        for p in procs:
            p.start()
        ids = [i for _ in procs for i in q.get(timeout=120)]
        for p in procs:
            p.join(30)
            assert p.exitcode == 0
        assert len(ids) == 100 and len(set(ids)) == 100
        with store.transaction() as uow:
            assert uow.certificates.count_by_status() == {"01": 100}
            serials = {c.serial for c in uow.certificates.page(limit=1000)}
            assert serials == {f"2026{n:08d}" for n in range(1, 101)}
    finally:
        drop_pg_schema(store, schema)


def test_concurrent_status_changes_one_wins() -> None:
    store, schema = pg_schema_store()
    try:
        world = make_world(store)
        a = issuer_actor()
        for _round in range(5):
            r = world.svc.issue(a, TYPE_A, good_data(), NOW)
            rv = world.svc.get(a, r.identifier).row_version
            barrier = threading.Barrier(2)
            results: list[object] = []

            def move(event: str, reason: str, rid: str = r.identifier, rv: int = rv,
                     results: list[object] = results, barrier: threading.Barrier = barrier) -> None:
                barrier.wait()
                try:
                    results.append(world.svc.transition(a, rid, event, reason, NOW,
                                                        expected_row_version=rv).status)
                except (Conflict, IllegalTransition) as exc:
                    results.append(exc)

            ts = [threading.Thread(target=move, args=("suspend", "x")),
                  threading.Thread(target=move, args=("revoke", "y"))]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
            wins = [x for x in results if isinstance(x, str)]
            losses = [x for x in results if isinstance(x, Conflict)]
            assert len(wins) == 1 and len(losses) == 1, results
            view = world.svc.get(a, r.identifier)
            assert view.status == wins[0]
            assert [e.event for e in view.events][1:] in (["suspend"], ["revoke"])
            # without an expected version both apply in some order, nothing lost
            r2 = world.svc.issue(a, TYPE_A, good_data(2), NOW)
            out: list[object] = []
            b2 = threading.Barrier(2)

            def go(event: str, rid: str = r2.identifier, out: list[object] = out,
                   b2: threading.Barrier = b2) -> None:
                b2.wait()
                try:
                    out.append(world.svc.transition(a, rid, event, "z", NOW).status)
                except (Conflict, IllegalTransition) as exc:
                    out.append(exc)

            ts = [threading.Thread(target=go, args=(e,)) for e in ("suspend", "inspect")]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
            v2 = world.svc.get(a, r2.identifier)
            applied = [x for x in out if isinstance(x, str)]
            assert len(v2.events) == 1 + len(applied)
    finally:
        drop_pg_schema(store, schema)
