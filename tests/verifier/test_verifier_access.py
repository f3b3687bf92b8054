"""Lookup by using departments, holders, objections (audit in the same transaction)."""

from __future__ import annotations

import datetime as dt

import pytest
from verifier_world import ISSUER, OTHER, PERSONAL_USER, SUPERVISOR, T0, TYPE, USER

from audit_log.actor import Actor
from audit_log.log import AuditLog
from ca.signer import MemorySigner
from certificate_store.personal import UNKEYED
from certificate_store.personal import holder_hash as keyed_hash
from formats.chinatime import CHINA as CST
from verifier import holder, objections
from verifier.errors import (
    Conflict,
    Forbidden,
    MalformedInput,
    NotFound,
    NotGranted,
    PurposeRequired,
)
from verifier.lookup import lookup, lookup_by_holder
from verifier.objections import due_date
from verifier.presentation import presentation_token, verify_presentation
from verifier.results import Verdict


def holder_hash(code: str) -> str:
    """How the test world's store (opened without an index key) indexes holders."""
    return keyed_hash(code, UNKEYED)

NOW = T0 + dt.timedelta(days=30)
AUDIT = AuditLog()
user = Actor(name="tok-user", role="user", dept_code=USER)
police = Actor(name="tok-police", role="user", dept_code=PERSONAL_USER)
other = Actor(name="tok-other", role="user", dept_code=OTHER)
issuer = Actor(name="tok-issuer", role="issuer", dept_code=ISSUER)


def _entries(world, ident=None, action=None):
    with world.store.transaction() as uow:
        return AUDIT.list_entries(uow, cert_identifier=ident, action=action, limit=1000).entries


def test_lookup_masked_and_audited(world):
    c = world.issue()
    r = lookup(world.store, user, c.identifier, "行政审批：餐饮许可", NOW)
    assert r.verification.verdict is Verdict.VALID
    assert r.record["holder"]["name"] == "张**" and r.record["holder"]["code"].startswith("540*")
    assert r.record["fields"]["address"] != "拉萨市城关区北京中路1号"
    assert r.record["fields"]["scope"] == "餐饮"
    [e] = _entries(world, c.identifier, "certificate.lookup")
    assert e.purpose == "行政审批：餐饮许可" and e.actor_dept == USER


def test_lookup_personal_grant(world):
    c = world.issue()
    r = lookup(world.store, police, c.identifier, "案件办理", NOW)
    assert r.personal_visible and r.record["holder"]["name"] == "张三丰"


@pytest.mark.parametrize("purpose", ["", "   ", None, "x" * 201, "a\x00b"])
def test_purpose_required_is_audited(world, purpose):
    c = world.issue()
    with pytest.raises(PurposeRequired):
        lookup(world.store, user, c.identifier, purpose, NOW)
    [e] = _entries(world, c.identifier, "certificate.lookup_denied")
    assert '"purpose-required"' in e.details


def test_not_granted_is_audited(world):
    c = world.issue()
    with pytest.raises(NotGranted):
        lookup(world.store, other, c.identifier, "行政审批", NOW)
    with pytest.raises(NotGranted):
        lookup(world.store, user, c.identifier, "案件办理", NOW)  # granted type, other purpose
    denied = _entries(world, c.identifier, "certificate.lookup_denied")
    assert len(denied) == 2 and {e.actor_dept for e in denied} == {OTHER, USER}
    assert not _entries(world, c.identifier, "certificate.lookup")


def test_lookup_not_found_and_malformed(world):
    with pytest.raises(MalformedInput):
        lookup(world.store, user, "nonsense", "行政审批", NOW)
    c = world.issue()
    missing = c.identifier.replace(".001.", ".002.")[:-1] + "0"
    with pytest.raises(NotFound):
        lookup(world.store, user, missing, "行政审批", NOW)


def test_lookup_by_holder(world):
    from formats.idnumber import make_citizen_id

    # a well-formed number: searches check the check character (GB 11643)
    code = make_citizen_id(f"5401021990{world.serial_prefix}{len(_entries(world)):04d}"[:17])
    a, b = world.issue(holder_code=code), world.issue(holder_code=code)
    found = lookup_by_holder(world.store, user, code, TYPE, "资格核验", NOW)
    assert {r.identifier for r in found} == {a.identifier, b.identifier}
    with pytest.raises(NotGranted):
        lookup_by_holder(world.store, other, code, TYPE, "资格核验", NOW)
    with pytest.raises(PurposeRequired):
        lookup_by_holder(world.store, user, code, TYPE, "", NOW)
    denied = [e for e in _entries(world, None, "certificate.lookup_denied")
              if holder_hash(code) in e.details]
    assert len(denied) == 1  # the NotGranted one; the purpose-less one is logged without hash
    assert code not in "".join(e.details for e in _entries(world))


def test_holder_list_and_who_looked(world):
    code = f"54010219{world.serial_prefix}{len(_entries(world)):06d}"[:18]
    c = world.issue(holder_code=code)
    me = Actor(name="holder", role="holder", holder_hash=holder_hash(code))
    with world.store.transaction() as uow:
        own = holder.list_own(uow, me, NOW)
    assert [o.identifier for o in own] == [c.identifier] and own[0].verdict is Verdict.VALID
    lookup(world.store, user, c.identifier, "行政审批", NOW + dt.timedelta(minutes=1))
    with pytest.raises(NotGranted):
        lookup(world.store, other, c.identifier, "行政审批", NOW)
    with world.store.transaction() as uow:
        seen = holder.who_looked(uow, me, c.identifier)
    # the refused try is shown too (Art. 21: the holder sees every department's attempt)
    assert [(s.dept_code, s.purpose, s.action) for s in seen] == [
        (USER, "行政审批", "certificate.lookup"), (OTHER, "行政审批", "certificate.lookup_denied")]
    assert seen[0].dept_name == "使用局"
    stranger = Actor(name="h2", role="holder", holder_hash=holder_hash("X"))
    with world.store.transaction() as uow, pytest.raises(Forbidden):
        holder.who_looked(uow, stranger, c.identifier)


def test_presentation_token_expires(world):
    c = world.issue()
    signer = world.issuer.signer
    me = Actor(name="holder", role="holder", holder_hash=holder_hash(c.holder_code))
    with world.store.transaction() as uow:
        tok = holder.present(uow, me, c.identifier, signer, world.issuer.cert_der, NOW)
    with world.store.transaction() as uow:
        p = verify_presentation(uow, tok, NOW + dt.timedelta(seconds=60))
        assert p.ok and p.identifier == c.identifier
        assert p.verification.verdict is Verdict.VALID
        p = verify_presentation(uow, tok, NOW + dt.timedelta(seconds=121))
        assert not p.ok and p.reason == "expired"
        assert p.verification.verdict is Verdict.INVALID
        other_key = MemorySigner.generate("o")
        forged = presentation_token(c.identifier, other_key, world.issuer.cert_der, NOW)
        assert verify_presentation(uow, forged, NOW).reason == "bad-signature"
        assert verify_presentation(uow, "garbage", NOW).reason == "malformed"
    assert _entries(world, c.identifier, "holder.present")


def test_presentation_runs_the_stored_version_chain(world):
    """A token that verifies says nothing more than the certificate it names: revoked stays
    revoked, and a key retired since no longer signs presentations."""
    c = world.issue()
    world.set_status(c, "03")
    tok = presentation_token(c.identifier, world.issuer.signer, world.issuer.cert_der, NOW)
    with world.store.transaction() as uow:
        p = verify_presentation(uow, tok, NOW)
    assert p.ok and p.verification.verdict is Verdict.REVOKED
    assert {ch.name for ch in p.verification.checks} >= {
        "presentation-signature", "presentation-trust", "presentation-key-state",
        "presentation-issuer", "presentation-time", "signature", "record-hash", "status"}
    with world.store.transaction() as uow:
        uow.pki.retire(uow.pki.by_thumbprint(world.issuer.x5t).serial)
    ok = world.issue()
    tok = presentation_token(ok.identifier, world.issuer.signer, world.issuer.cert_der, NOW)
    with world.store.transaction() as uow:
        p = verify_presentation(uow, tok, NOW)
    assert not p.ok and p.verification.verdict is Verdict.INVALID
    assert "key-retired" in [ch.reason for ch in p.verification.failed]


# ------------------------------------------------------------------ objections

def _cst(y, m, d, h=10):
    return dt.datetime(y, m, d, h, tzinfo=CST)


def test_due_dates_chinese_calendar():
    # Filed Wed 2026-09-30, before National Day (10-01..10-07 off); Sat 10-10 is a make-up
    # workday: 10-08, 10-09, 10-10, 10-12, 10-13 -> due 18:00 on 10-13.
    due, prov = due_date(_cst(2026, 9, 30))
    assert due == _cst(2026, 10, 13, 18) and not prov
    # Filed on a Friday: Mon-Fri next week.
    assert due_date(_cst(2026, 11, 27))[0] == _cst(2026, 12, 4, 18)
    # Filed on a holiday counts from the first working day after it.
    assert due_date(_cst(2026, 10, 3))[0] == _cst(2026, 10, 13, 18)
    # Late evening UTC that is already the next day in Beijing.
    assert due_date(dt.datetime(2026, 11, 26, 17, tzinfo=dt.UTC))[0] == _cst(2026, 12, 4, 18)


def test_due_dates_unknown_year_is_provisional():
    due, prov = due_date(_cst(2026, 12, 28))
    assert prov  # runs into 2027, which chinese-calendar 1.11 does not know
    assert due == _cst(2027, 1, 4, 18)  # weekends only: 29, 30, 31, 1, 4


def test_objection_flow(world):
    c = world.issue()
    me = Actor(name="holder", role="holder", holder_hash=holder_hash(c.holder_code))
    filed = _cst(2026, 9, 30)
    with world.store.transaction() as uow:
        o = objections.file(uow, me, c.identifier, "地址有误", "户口本照片", filed)
    assert o.due_at == _cst(2026, 10, 13, 18) and not o.due_provisional
    with world.store.transaction() as uow, pytest.raises(Forbidden):
        objections.answer(uow, other, o.id, "不是你的", filed)
    with world.store.transaction() as uow:
        assert objections.flag_overdue(uow, _cst(2026, 10, 13, 17)) == []  # due 18:00
    with world.store.transaction() as uow:
        flagged = objections.flag_overdue(uow, _cst(2026, 10, 13, 19))
    assert o.id in [f.id for f in flagged]
    with world.store.transaction() as uow:
        assert o.id not in [f.id for f in objections.flag_overdue(uow, _cst(2026, 10, 14))]
        notes = uow.notifications.pending(f"dept:{SUPERVISOR}")
    assert any(f'"objection_id": {o.id}' in n.payload for n in notes)
    with world.store.transaction() as uow:
        ans = objections.answer(uow, issuer, o.id, "已核实并更正", _cst(2026, 10, 14), upheld=True)
    assert ans.state == "upheld"
    with world.store.transaction() as uow, pytest.raises(Conflict):
        objections.answer(uow, issuer, o.id, "again", _cst(2026, 10, 15))
    actions = {e.action for e in _entries(world, None, "objection.")}
    assert {"objection.file", "objection.overdue", "objection.answer"} <= actions


def test_objection_only_own_or_department(world):
    c = world.issue()
    stranger = Actor(name="h", role="holder", holder_hash=holder_hash("OTHER"))
    with world.store.transaction() as uow, pytest.raises(Forbidden):
        objections.file(uow, stranger, c.identifier, "x", None, NOW)
    with world.store.transaction() as uow:
        o = objections.file(uow, user, c.identifier, "信息与实际不符", None, NOW)
    assert o.filed_by == f"dept:{USER}"


def test_recompute_provisional(world):
    c = world.issue()
    me = Actor(name="holder", role="holder", holder_hash=holder_hash(c.holder_code))
    with world.store.transaction() as uow:
        o = objections.file(uow, me, c.identifier, "x", None, _cst(2026, 12, 28))
    assert o.due_provisional

    def published_2027(day: dt.date) -> bool:  # pretend 2027-01-01..01-03 holiday, 01-04 off too
        if day.year == 2027:
            return day.weekday() < 5 and day not in (dt.date(2027, 1, 1), dt.date(2027, 1, 4))
        import chinese_calendar
        return chinese_calendar.is_workday(day)

    with world.store.transaction() as uow:
        changed = objections.recompute_provisional(uow, _cst(2027, 1, 2), workday=published_2027)
    mine = [x for x in changed if x.id == o.id]
    assert mine and not mine[0].due_provisional and mine[0].due_at == _cst(2027, 1, 6, 18)
