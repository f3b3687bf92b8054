"""Status index at issuance, the ``ecert/qr/3`` code that names it, and its offline check
against one shard (issue #9 §2). Through the app: issue, fetch, verify, revoke, verify."""

from __future__ import annotations

import json
from typing import Any

from ca.certs import der_from_pem
from ca.jws import b64url_decode
from formats.qr import QR3_TYP
from formats.statuslist import SHARD_SIZE, SIGNATURE_HEADER
from tests.web.conftest import World
from verifier.bitstring import load_shard
from verifier.lists import load_trust_list
from verifier.qr import verify_qr, verify_qr_online


def _fragment(url: str) -> tuple[dict[str, Any], list[Any]]:
    head, payload, _sig = url.split("#", 1)[1].split(".")
    return json.loads(b64url_decode(head)), json.loads(b64url_decode(payload))


def _row_index(world: World, base: str) -> int | None:
    with world.platform.store.transaction() as uow:
        return uow.status_index.index_of(uow.certificates.by_base(base).id)


def _offline(world: World, url: str, si: int) -> Any:
    now = world.platform.now()
    root = der_from_pem(world.client.get("/pki/ca.pem").text)
    trust = load_trust_list(world.client.get("/pki/trust-list").text, root, now)
    r = world.client.get(f"/pki/status/{si // SHARD_SIZE}")
    assert r.headers["content-type"] == "application/octet-stream"
    shard = load_shard(r.headers[SIGNATURE_HEADER], r.content, root, now, shard=si // SHARD_SIZE)
    return verify_qr(url, trust, None, now, shards={shard.shard: shard})


def test_index_is_drawn_at_issuance_signed_and_in_the_qr(world: World) -> None:
    c = world.issue(name="阿旺晋美次仁多吉")
    index = c["record"]["status_index"]  # in the signed record
    assert isinstance(index, int) and _row_index(world, c["base_identifier"]) == index
    head, packed = _fragment(c["qr_url"])
    assert head["typ"] == QR3_TYP and packed[-1] == index
    others = [world.issue(name=n)["record"]["status_index"] for n in ("格桑", "卓玛", "次仁")]
    assert len({index, *others}) == 4


def test_bulk_issuance_draws_distinct_indexes_in_its_transaction(world: World) -> None:
    from audit_log.actor import Actor
    from formats.idnumber import make_citizen_id

    actor = Actor(name="bulk", role="issuer", dept_code=world.iss)
    requests = [({"holder": {"name": f"测试{i}", "code": make_citizen_id(f"5401021990020{i:04d}")},
                  "fields": {"area": "餐饮服务", "level": 2}}, f"row-{i}") for i in range(40)]
    with world.platform.writing() as uow:
        out = world.platform.issuance.issue_many(uow, actor, world.type_code, requests,
                                                 world.platform.now())
        indexes = [o.record["status_index"] for o in out]
        rows = [uow.status_index.index_of(uow.certificates.by_base(o.base_identifier).id)
                for o in out]
    assert rows == indexes and len(set(indexes)) == 40
    assert indexes != sorted(indexes)  # not in issuance order


def test_backfill_gives_old_certificates_an_index_and_resumes(world: World) -> None:
    from sqlalchemy import text

    from ecert.services import status_backfill

    bases = [world.issue(name=n)["base_identifier"] for n in ("甲", "乙", "丙")]
    with world.platform.store.engine.begin() as conn:  # as certificates issued before #9
        conn.execute(text("UPDATE certificates SET status_index = NULL"))
    assert status_backfill.run(world.platform, batch=2) >= 3
    assert all(_row_index(world, b) is not None for b in bases)
    assert status_backfill.run(world.platform) == 0  # nothing left: a re-run is a no-op
    with world.platform.store.transaction() as uow:
        actions = [e.action for e in uow.audit.entries(0, 100_000)]
    assert "status-index.backfill" in actions


def test_qr3_offline_from_one_shard_then_revoked_and_forged(world: World) -> None:
    c = world.issue(name="扎西")
    url, si = c["qr_url"], c["record"]["status_index"]
    r = _offline(world, url, si)
    assert r.verdict.value == "valid", r.failed
    with world.platform.store.transaction() as uow:
        assert verify_qr_online(uow, url, world.platform.now()).verdict.value == "valid"
    before, frag = url.split("#")
    head, payload, sig = frag.split(".")
    packed = json.loads(b64url_decode(payload))
    from ca.jws import b64url
    for change in ((3, "2099-12-31"), (6, (si + 1) % SHARD_SIZE)):  # vt, si
        forged = list(packed)
        forged[change[0]] = change[1]
        bad = f"{before}#{head}.{b64url(json.dumps(forged).encode())}.{sig}"
        res = _offline(world, bad, si)
        assert res.verdict.value == "invalid" and "bad-signature" in [x.reason for x in res.failed]
    other = world.issue(name="顿珠")["identifier"]  # the fragment under another path
    swapped = _offline(world, f"{before.rsplit('/', 1)[0]}/{other}#{frag}", si)
    assert swapped.verdict.value == "invalid"
    world.status(c["identifier"], "revoke")
    r = _offline(world, url, si)
    assert r.verdict.value == "revoked" and r.status_code == "07"
    with world.platform.store.transaction() as uow:
        assert verify_qr_online(uow, url, world.platform.now()).verdict.value == "revoked"
