from __future__ import annotations

import datetime as dt
import json

import pytest
from issuer_helpers import (
    ADMIN,
    DEPT_A,
    DEPT_B,
    DEPT_C,
    NOW,
    TYPE_A,
    World,
    good_data,
    issuer_actor,
    person,
    type_definition,
)

from ca.jws import parse_jws, verify_jws_with_cert
from formats.identifiers import parse_identifier
from formats.qr import citizen_url
from formats.record import canonical_bytes, sha256_hex
from issuer.errors import (
    Conflict,
    Forbidden,
    IdempotencyConflict,
    IllegalTransition,
    InvalidCatalogDefinition,
    InvalidCertificateData,
    NotFound,
)

A = issuer_actor()


def test_issue_record_and_jws(world: World) -> None:
    r = world.svc.issue(A, TYPE_A, good_data(), NOW)
    p = parse_identifier(r.identifier)
    assert p.check_standard and p.version == 1 and p.issuer_code == DEPT_A
    assert p.serial == "202600000001"
    rec = r.record
    assert rec["spec"] == "ecert/record/1" and rec["previous"] is None
    assert rec["issue_date"] == "2026-11-29"
    assert rec["validity"] == {"from": "2026-11-29", "to": "2029-11-28"}
    assert rec["type"] == {"code": TYPE_A, "name": "测试许可证", "version": 1}
    assert rec["holder"]["code_kind"] == "111" and rec["seal"] == "测试厅电子印章"
    assert rec["signed_at"] == "2026-11-29T02:00:00Z"
    payload = verify_jws_with_cert(r.jws, world.keys.keys[DEPT_A].cert_der)
    assert payload == canonical_bytes(rec)
    assert r.sha256 == sha256_hex(payload)
    hdr = parse_jws(r.jws).header
    assert hdr["typ"] == "ecert-record+jws" and "x5c" in hdr
    view = world.svc.get(A, r.identifier)
    assert view.status == "01" and [e.event for e in view.events] == ["issue"]
    with world.store.transaction() as uow:
        entries = world.audit.entries(uow, 0, world.audit.size(uow))
    issue = [e for e in entries if e.action == "certificate.issue"]
    assert len(issue) == 1 and issue[0].cert_identifier == r.identifier
    assert json.loads(issue[0].details)["sha256"] == r.sha256


def test_every_invalid_field_reported(world: World) -> None:
    bad = {"holder": {"name": "", "code": "540102199001010000"},
           "fields": {"level": 9, "bogus": 1}, "valid_to": "2026-13-01", "extra": 1}
    with pytest.raises(InvalidCertificateData) as e:
        world.svc.issue(A, TYPE_A, bad, NOW)
    fields = {x["field"] for x in e.value.errors}
    assert {"holder.name", "holder.code", "area", "level", "bogus", "valid_to", "extra"} <= fields
    assert e.value.slug == "invalid-data"


def test_only_own_department_and_allowed_type(world: World) -> None:
    with pytest.raises(Forbidden):
        world.svc.issue(issuer_actor(DEPT_B), TYPE_A, good_data(), NOW)
    with pytest.raises(Forbidden):
        world.svc.issue(ADMIN, TYPE_A, good_data(), NOW)
    with pytest.raises(NotFound):
        world.svc.issue(A, DEPT_A + "999", good_data(), NOW)
    with world.store.transaction() as uow:  # new catalog version lets DEPT_B issue too
        world.catalog.add(uow, type_definition(issuers=[DEPT_B]), ADMIN, NOW)
    r = world.svc.issue(issuer_actor(DEPT_B), TYPE_A, good_data(), NOW)
    assert r.record["type"]["version"] == 2 and parse_identifier(r.identifier).issuer_code == DEPT_B
    with pytest.raises(Forbidden):
        world.svc.get(issuer_actor(DEPT_C), r.identifier)


def test_catalog_errors_list_everything(world: World) -> None:
    bad = type_definition(type_code="X", holder_kind="222", validity={"months": 1},
                          fields={"type": "object", "properties": {"a": {"type": "nope"}}})
    with pytest.raises(InvalidCatalogDefinition) as e, world.store.transaction() as uow:
        world.catalog.add(uow, bad, ADMIN, NOW)
    msgs = " | ".join(x["message"] for x in e.value.errors)
    for s in ("type_code", "holder_kind", "validity", "JSON Schema", "title"):
        assert s in msgs


def test_idempotency_key(world: World) -> None:
    r1 = world.svc.issue(A, TYPE_A, good_data(), NOW, idempotency_key="k1")
    r2 = world.svc.issue(A, TYPE_A, good_data(), NOW + dt.timedelta(seconds=5),
                         idempotency_key="k1")
    assert r1.identifier == r2.identifier and r1.sha256 == r2.sha256
    with pytest.raises(IdempotencyConflict):
        world.svc.issue(A, TYPE_A, good_data(2), NOW, idempotency_key="k1")


def test_source_key_skips(world: World) -> None:
    r1 = world.svc.issue(A, TYPE_A, good_data(), NOW, source_key="legacy-1")
    r2 = world.svc.issue(A, TYPE_A, good_data(), NOW, source_key="legacy-1")
    assert not r1.skipped and r2.skipped and r1.identifier == r2.identifier


def test_change_makes_linked_version(world: World) -> None:
    r1 = world.svc.issue(A, TYPE_A, good_data(), NOW)
    later = NOW + dt.timedelta(days=10)
    r2 = world.svc.change(A, r1.identifier, {"fields": {"area": "零售"}}, "经营范围变更", later)
    assert r2.version == 2 and r2.record["previous"] == r1.identifier
    assert r2.record["fields"]["area"] == "零售" and r2.record["fields"]["level"] == 2
    assert r2.record["validity"] == r1.record["validity"]
    assert parse_identifier(r2.identifier).base == parse_identifier(r1.identifier).base
    view = world.svc.get(A, r1.identifier)  # any version's identifier finds the certificate
    assert view.identifier == r2.identifier and len(view.versions) == 2
    assert view.versions[0].superseded_at == later and view.versions[1].superseded_at is None
    with pytest.raises(InvalidCertificateData):
        world.svc.change(A, r1.identifier, {"fields": {"level": 0}}, "x", later)
    with pytest.raises(InvalidCertificateData):
        world.svc.change(A, r1.identifier, {"fields": {"area": "y"}}, " ", later)


def test_transitions_and_illegal(world: World) -> None:
    r = world.svc.issue(A, TYPE_A, good_data(), NOW)
    v = world.svc.transition(A, r.identifier, "suspend", "涉嫌违规", NOW)
    assert v.status == "02"
    with pytest.raises(IllegalTransition):
        world.svc.change(A, r.identifier, {"fields": {"area": "z"}}, "x", NOW)
    with pytest.raises(IllegalTransition):
        world.svc.transition(A, r.identifier, "pledge", "x", NOW)
    v = world.svc.transition(A, r.identifier, "release", "核查完毕", NOW)
    assert v.status == "01"
    v = world.svc.transition(A, r.identifier, "extend", "延期", NOW,
                             valid_to=dt.date(2031, 1, 1))
    assert v.valid_to == dt.date(2031, 1, 1)
    v = world.svc.transition(A, r.identifier, "inspect", "2026年检合格", NOW)
    assert v.status == "01"
    v = world.svc.transition(A, r.identifier, "revoke", "吊销", NOW)
    assert v.status == "07" and v.verdict == "revoked"
    for ev in ("release", "cancel", "withdraw", "extend", "suspend"):
        with pytest.raises((IllegalTransition, InvalidCertificateData)):
            world.svc.transition(A, r.identifier, ev, "x", NOW, valid_to=None)
    with pytest.raises(IllegalTransition):
        world.svc.transition(A, r.identifier, "lapse", "x", NOW)
    events = [(e.event, e.from_status, e.to_status) for e in v.events]
    assert events[0] == ("issue", None, "01") and events[-1] == ("revoke", "01", "07")
    with pytest.raises(InvalidCertificateData):
        r2 = world.svc.issue(A, TYPE_A, good_data(2), NOW)
        world.svc.transition(A, r2.identifier, "suspend", "", NOW)


def test_transfer_needs_target(world: World) -> None:
    r = world.svc.issue(A, TYPE_A, good_data(), NOW)
    with pytest.raises(InvalidCertificateData):
        world.svc.transition(A, r.identifier, "transfer", "转让", NOW)
    v = world.svc.transition(A, r.identifier, "transfer", "转让", NOW, transfer_to=person(5))
    assert v.status == "06"


def test_optimistic_concurrency(world: World) -> None:
    r = world.svc.issue(A, TYPE_A, good_data(), NOW)
    rv = world.svc.get(A, r.identifier).row_version
    world.svc.transition(A, r.identifier, "suspend", "a", NOW, expected_row_version=rv)
    with pytest.raises(Conflict):
        world.svc.transition(A, r.identifier, "revoke", "b", NOW, expected_row_version=rv)
    assert world.svc.get(A, r.identifier).status == "02"


def test_lapse_and_reminders(world: World) -> None:
    short = world.svc.issue(A, TYPE_A, {**good_data(), "valid_to": "2026-12-20"}, NOW)
    long = world.svc.issue(A, TYPE_A, good_data(2), NOW)
    sus = world.svc.issue(A, TYPE_A, {**good_data(3), "valid_to": "2026-12-05"}, NOW)
    world.svc.transition(A, sus.identifier, "suspend", "x", NOW)
    assert world.svc.queue_expiry_reminders(NOW) == 1  # only `short` is within 30 days
    assert world.svc.queue_expiry_reminders(NOW) == 0  # dedupe
    assert world.svc.queue_expiry_reminders(NOW + dt.timedelta(days=15)) == 1  # 7-day mark
    with world.store.transaction() as uow:
        assert len(uow.notifications.pending()) == 2
    assert world.svc.lapse_due(NOW + dt.timedelta(days=7)) == 1  # sus ended 12-05 (China)
    assert world.svc.lapse_due(dt.datetime(2026, 12, 20, 15, 59, tzinfo=dt.UTC)) == 0
    assert world.svc.lapse_due(dt.datetime(2026, 12, 20, 16, 0, 1, tzinfo=dt.UTC)) == 1
    assert world.svc.get(A, short.identifier).status == "05"
    assert world.svc.get(A, sus.identifier).status == "05"
    assert world.svc.get(A, long.identifier).status == "01"
    ev = world.svc.get(A, short.identifier).events[-1]
    assert ev.event == "lapse" and ev.actor == "system"
    v = world.svc.transition(A, short.identifier, "extend", "补办延期",
                             dt.datetime(2026, 12, 22, tzinfo=dt.UTC), valid_to=dt.date(2027, 12, 20))
    assert v.status == "01"


def test_succession_resigns_with_successor_key(world: World) -> None:
    r = world.svc.issue(A, TYPE_A, good_data(), NOW)
    with world.store.transaction() as uow:
        uow.departments.set_successor(DEPT_A, DEPT_B)
    with pytest.raises(Forbidden):
        world.svc.issue(A, TYPE_A, good_data(2), NOW)
    with pytest.raises(Forbidden):
        world.svc.transition(A, r.identifier, "suspend", "x", NOW)
    b = issuer_actor(DEPT_B)
    r2 = world.svc.change(b, r.identifier, {"holder": {"name": "张三丰"}}, "更名", NOW)
    assert r2.record["issuer"]["code"] == DEPT_A and r2.record["signer"] == "承继厅"
    verify_jws_with_cert(r2.jws, world.keys.keys[DEPT_B].cert_der)
    assert world.svc.transition(b, r.identifier, "suspend", "x", NOW).status == "02"


def test_qr_claims_and_jws(world: World) -> None:
    r = world.svc.issue(A, TYPE_A, good_data(), NOW)
    c = world.svc.qr_claims(r.identifier, NOW)
    assert c["spec"] == "ecert/qr/3" and c["h"] == "张*" and c["hc"].startswith("540")
    assert c["si"] == r.record["status_index"]  # drawn at issuance, signed in the record
    assert not {"t", "tn", "iss", "in"} & c.keys()  # codes are in the id; names elsewhere
    assert c["hc"].endswith(r.record["holder"]["code"][-4:]) and "*" in c["hc"]
    assert c["vf"] == "2026-11-29" and c["vt"] == "2029-11-28" and c["iat"] == int(NOW.timestamp())
    from formats.qr import unpack_fragment

    jws = unpack_fragment(r.identifier, world.svc.qr_jws(r.identifier, NOW))
    hdr = parse_jws(jws).header
    assert hdr == {"alg": "ES256", "typ": "eqr3",
                   "kid": world.keys.keys[DEPT_A].x5t_s256[:12]}
    assert json.loads(verify_jws_with_cert(jws, world.keys.keys[DEPT_A].cert_der)) == c
    url = citizen_url("https://ecert.test", r.identifier, jws)
    assert url.startswith(f"https://ecert.test/v/{r.identifier}#")
