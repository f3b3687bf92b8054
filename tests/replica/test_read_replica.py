"""Read replica (issue 11): lookups and verifications served by a REAL streaming replica, the
issuing department reading its own writes, and a replica that lags (replay paused) or
disappears (stopped) never producing a wrong verdict. The clusters: tests/replica/conftest.py."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.api.helpers import setup_training, training_request
from tests.conftest import auth, platform_settings
from tests.replica.conftest import Pair

pytestmark = pytest.mark.postgres

PURPOSE = "农牧民转移就业补贴审核"  # granted to the agriculture department by the training type


@dataclass
class World:
    p: Any
    client: Any
    tokens: dict[str, str]
    valid: str


@pytest.fixture(scope="module")
def world(pair: Pair, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    from fastapi.testclient import TestClient

    from ecert.cli.common import cli_actor
    from ecert.http.app import create_app
    from ecert.platform import Platform

    settings = platform_settings(pair.primary.url(), tmp_path_factory.mktemp("replica") / "data",
                                 {"ECERT_DATABASE_REPLICA_URL": pair.replica.url(),
                                  "ECERT_REPLICA_MAX_WAIT_MS": "500"})
    p = Platform(settings)
    p.initialise(cli_actor())
    admin = p.create_token(role="admin", dept_code=None, holder_code=None, label="test",
                           ttl_days=1, actor=cli_actor()).secret
    client = TestClient(create_app(settings, p), base_url="https://ecert.test")  # no lifespan
    tokens = setup_training(client, admin)
    w = World(p, client, tokens, _issue(client, tokens, 1))
    try:
        yield w
    finally:
        p.reads.dispose()
        p.store.dispose()


def _issue(client: Any, tokens: dict[str, str], seed: int) -> str:
    r = client.post("/api/v1/certificates", json=training_request(seed),
                    headers=auth(tokens["issuer"]))
    assert r.status_code == 201, r.text
    return str(r.json()["identifier"])


def _lookup(w: World, ident: str) -> dict[str, Any]:
    r = w.client.get(f"/api/v1/lookup/{ident}", params={"purpose": PURPOSE},
                     headers=auth(w.tokens["user"]))
    assert r.status_code == 200, r.text
    return dict(r.json())


def _generations(c: Any) -> dict[str, int]:
    return {str(n): int(str(v)) for n, v in c.sql("SELECT name, value FROM list_generations")}


def caught_up(pair: Pair) -> None:
    """Wait (no timing asserted) until the replica has replayed the primary's generations."""
    want = _generations(pair.primary)
    for _ in range(600):
        if _generations(pair.replica) == want:
            return
        time.sleep(0.1)
    raise AssertionError("the replica did not catch up in 60 s")


def _served(w: World) -> Counter[str]:
    return Counter(w.p.reads.served)


def test_lookups_and_public_status_are_served_by_the_replica(world: World, pair: Pair) -> None:
    from ecert.services import verification

    caught_up(pair)
    pair.replica.sql("SELECT pg_wal_replay_pause()")
    try:
        # a value only the primary has: written behind the store's back (no generation bump),
        # so the paused replica still counts as current and keeps the old value
        pair.primary.sql("UPDATE certificate_versions SET change_reason = 'primary only' "
                         f"WHERE identifier = '{world.valid}'")
        before = _served(world)
        seen = _lookup(world, world.valid)
        assert seen["verification"]["verdict"] == "valid"
        assert seen["versions"][0]["change_reason"] is None  # the replica's row, not the primary's
        assert verification.public_status(world.p, world.valid).verdict == "valid"
        assert _served(world)["replica"] - before["replica"] == 2
        from ecert.http.metrics import PlatformCollector

        gauges = {(m.name, tuple(s.labels.values())): s.value
                  for m in PlatformCollector(world.p)._reads() for s in m.samples}
        assert gauges[("ecert_reads_by_source", ("replica",))] >= 2
        assert gauges[("ecert_replica_replay_lag_seconds", ())] >= 0
        # our read sessions are connected to the replica
        assert pair.replica.sql("SELECT count(*) FROM pg_stat_activity "
                                "WHERE application_name = 'ecert-replica-read'")[0][0] >= 1
        # ... and the lookup's audit entry was committed on the primary (Art. 13, 21)
        n = pair.primary.sql("SELECT count(*) FROM audit_entries WHERE action = "
                             f"'certificate.lookup' AND cert_identifier = '{world.valid}'")
        assert n[0][0] == 1
    finally:
        pair.replica.sql("SELECT pg_wal_replay_resume()")
        pair.primary.sql("UPDATE certificate_versions SET change_reason = NULL "
                         f"WHERE identifier = '{world.valid}'")


def test_issuer_reads_its_writes_and_users_are_not_served_stale(world: World,
                                                                pair: Pair) -> None:
    caught_up(pair)
    pair.replica.sql("SELECT pg_wal_replay_pause()")
    try:
        ident = _issue(world.client, world.tokens, 2)
        # the replica has not seen it: a read from there would say "not found"
        assert pair.replica.sql("SELECT count(*) FROM certificate_versions "
                                f"WHERE identifier = '{ident}'")[0][0] == 0
        own = world.client.get(f"/api/v1/certificates/{ident}", headers=auth(world.tokens["issuer"]))
        assert own.status_code == 200, own.text
        mine = world.client.get(f"/api/v1/verify/{ident}", headers=auth(world.tokens["issuer"]))
        assert mine.json()["verdict"] == "valid"
        before = _served(world)
        assert _lookup(world, ident)["verification"]["verdict"] == "valid"
        assert _served(world)["primary:replica-lag"] - before["primary:replica-lag"] == 1
    finally:
        pair.replica.sql("SELECT pg_wal_replay_resume()")


def test_a_revocation_is_never_answered_valid_by_a_lagging_replica(world: World,
                                                                  pair: Pair) -> None:
    from ecert.services import verification

    ident = _issue(world.client, world.tokens, 3)
    caught_up(pair)
    pair.replica.sql("SELECT pg_wal_replay_pause()")
    try:
        r = world.client.post(f"/api/v1/certificates/{ident}/status",
                              json={"event": "revoke", "reason": "测试 吊销"},
                              headers=auth(world.tokens["issuer"]))
        assert r.status_code == 200, r.text
        # the paused replica still holds it as valid (status 01) ...
        assert pair.replica.sql(f"SELECT c.status FROM certificates c JOIN certificate_versions v "
                                f"ON v.certificate_id = c.id WHERE v.identifier = '{ident}'"
                                ) == [("01",)]
        before = _served(world)
        # ... and yet no answer says valid: the lag is seen, the primary answers
        assert verification.public_status(world.p, ident).verdict == "revoked"
        assert _lookup(world, ident)["verification"]["verdict"] == "revoked"
        assert _served(world)["primary:replica-lag"] - before["primary:replica-lag"] == 2
        assert _served(world)["replica"] == before["replica"]
    finally:
        pair.replica.sql("SELECT pg_wal_replay_resume()")
    caught_up(pair)
    before = _served(world)
    assert verification.public_status(world.p, ident).verdict == "revoked"
    assert _served(world)["replica"] - before["replica"] == 1


def test_primary_down_the_replica_answers_but_never_valid(world: World, pair: Pair) -> None:
    from audit_log.actor import Actor
    from certificate_store.errors import StoreUnavailable
    from ecert.services import verification

    revoked = _issue(world.client, world.tokens, 4)
    r = world.client.post(f"/api/v1/certificates/{revoked}/status",
                          json={"event": "revoke", "reason": "测试"},
                          headers=auth(world.tokens["issuer"]))
    assert r.status_code == 200, r.text
    caught_up(pair)
    pair.primary.stop()
    try:
        before = _served(world)
        # the replica cannot be proved current: fail closed
        valid = verification.public_status(world.p, world.valid)
        assert (valid.verdict, valid.status) == ("unknown", None)
        assert verification.public_status(world.p, revoked).verdict == "revoked"
        assert _served(world)["replica:unconfirmed"] - before["replica:unconfirmed"] == 2
        # nothing unconfirmed is signed as a current list
        verification.invalidate_lists(world.p)
        with pytest.raises(StoreUnavailable):
            verification.signed_list(world.p, "status")
        # an audited read cannot write its entry: no answer at all
        with pytest.raises(StoreUnavailable):
            verification.verify_by_identifier(world.p, Actor(name="u", role="user",
                                                             dept_code="x"), world.valid, "x")
    finally:
        pair.primary.start()


def test_replica_stopped_the_primary_answers(world: World, pair: Pair) -> None:
    from ecert.services import verification

    caught_up(pair)
    before = _served(world)
    verification.invalidate_lists(world.p)
    assert verification.signed_list(world.p, "status").count(".") == 2  # built on the replica
    assert _served(world)["replica"] - before["replica"] == 1
    pair.replica.stop()
    try:
        before = _served(world)
        assert _lookup(world, world.valid)["verification"]["verdict"] == "valid"
        assert verification.public_status(world.p, world.valid).verdict == "valid"
        assert _served(world)["primary:replica-down"] - before["primary:replica-down"] == 2
    finally:
        pair.replica.start()
