"""verify_identifier and verify_qr_online against the store (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from verifier_world import ISSUER, T0, TYPE, identifier_for

from ca.certs import describe_cert
from ca.jws import b64url, canonical_json, sign_jws
from verifier.errors import MalformedInput
from verifier.results import Verdict
from verifier.verify import verify_identifier, verify_qr_online

NOW = T0 + dt.timedelta(days=30)


def _v(world, ident, now=NOW):
    with world.store.transaction() as uow:
        return verify_identifier(uow, ident, now)


def test_valid(world):
    c = world.issue()
    r = _v(world, c.identifier)
    assert r.verdict is Verdict.VALID, r.failed
    assert r.checks and all(ch.passed for ch in r.checks)
    assert r.status_code == "01"
    d = dict(r.display)
    assert d["holder"] == "张**" and d["holder_code"] == "540***********1234"
    assert "address" not in d


@pytest.mark.parametrize("code,verdict", [("02", Verdict.SUSPENDED), ("03", Verdict.REVOKED),
                                          ("04", Verdict.CANCELLED), ("05", Verdict.EXPIRED),
                                          ("06", Verdict.CANCELLED), ("07", Verdict.REVOKED),
                                          ("99", Verdict.CANCELLED)])
def test_status_codes(world, code, verdict):
    c = world.issue()
    world.set_status(c, code)
    r = _v(world, c.identifier)
    assert r.verdict is verdict
    assert r.status_code == code


def test_expired_by_date(world):
    c = world.issue(vt="2026-12-01")
    assert _v(world, c.identifier, dt.datetime(2026, 12, 1, 15, 59, tzinfo=dt.UTC)).verdict is Verdict.VALID
    r = _v(world, c.identifier, dt.datetime(2026, 12, 1, 16, 0, 1, tzinfo=dt.UTC))  # 00:00 CST 12-02
    assert r.verdict is Verdict.EXPIRED
    assert [ch.reason for ch in r.failed] == ["expired"]


def test_superseded_links_current(world):
    old = world.issue()
    new = world.change(old, T0 + dt.timedelta(days=1), scope="零售")
    r = _v(world, old.identifier)
    assert r.verdict is Verdict.SUPERSEDED
    assert r.current_identifier == new.identifier
    assert _v(world, new.identifier).verdict is Verdict.VALID


def test_tampered_stored_record_is_invalid(world):
    c = world.issue()
    from sqlalchemy import update

    from certificate_store.models.certificates import CertificateVersion

    with world.store.transaction() as uow:
        uow._session.execute(update(CertificateVersion)
                             .where(CertificateVersion.identifier == c.identifier)
                             .values(canonical=c.jws.encode()[:10]))
    r = _v(world, c.identifier)
    assert r.verdict is Verdict.INVALID
    assert "record-hash" in [ch.name for ch in r.failed]


def test_jws_swapped_for_forgery(world):
    from ca.signer import MemorySigner

    c = world.issue()
    rogue = MemorySigner.generate("rogue")
    forged = sign_jws(canonical_json(c.record), rogue, world.issuer.cert_der, include_x5c=True,
                      typ="ecert-record+jws")
    from sqlalchemy import update

    from certificate_store.models.certificates import CertificateVersion

    with world.store.transaction() as uow:
        uow._session.execute(update(CertificateVersion)
                             .where(CertificateVersion.identifier == c.identifier)
                             .values(jws=forged))
    r = _v(world, c.identifier)
    assert r.verdict is Verdict.INVALID
    assert [ch.reason for ch in r.failed][0] == "bad-signature"


def test_not_found_and_foreign(world):
    ident = identifier_for(TYPE, ISSUER, "2099000001", 1)
    r = _v(world, ident)
    assert r.verdict is Verdict.INVALID and r.failed[0].reason == "not-found"
    good = identifier_for(TYPE, ISSUER, "2099000001", 1)
    bad_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    r = _v(world, bad_check)
    assert r.verdict is Verdict.UNKNOWN and r.check_standard is False


def test_malformed_identifier_raises(world):
    with world.store.transaction() as uow, pytest.raises(MalformedInput):
        verify_identifier(uow, "not-an-identifier", NOW)


def test_revoked_signing_key(world):
    k = world.new_key(T0 - dt.timedelta(days=10))
    c = world.issue(signed_at=T0, key=k)
    info_serial = describe_cert(k.cert_der).serial
    with world.store.transaction() as uow:
        uow.pki.revoke(info_serial, "key_compromise", T0 + dt.timedelta(days=2))
    r = _v(world, c.identifier)
    assert r.verdict is Verdict.INVALID
    assert r.failed[0].reason == "key-compromised"


def test_retired_key_still_valid_for_old_records(world):
    k = world.new_key(T0 - dt.timedelta(days=10))
    c = world.issue(signed_at=T0, key=k)
    new_key = world.new_key(T0 + dt.timedelta(days=1))
    info_serial = describe_cert(k.cert_der).serial
    with world.store.transaction() as uow:
        uow.pki.retire(info_serial)
    assert _v(world, c.identifier).verdict is Verdict.VALID
    c2 = world.issue(signed_at=T0 + dt.timedelta(days=2), key=new_key)
    assert _v(world, c2.identifier).verdict is Verdict.VALID


def test_signed_outside_key_validity(world):
    c = world.issue(signed_at=T0 - dt.timedelta(days=3000))
    r = _v(world, c.identifier)
    assert r.verdict is Verdict.INVALID
    assert r.failed[0].reason == "key-not-valid-at-signing"


def test_qr_online(world):
    c = world.issue()
    url = world.qr_url(c)
    with world.store.transaction() as uow:
        r = verify_qr_online(uow, url, NOW)
        assert r.verdict is Verdict.VALID, r.failed
        assert dict(r.display)["issuer"] == "西藏自治区测试厅"  # ecert/qr/2: from the store
        v1 = verify_qr_online(uow, world.qr_url(c, spec="ecert/qr/1"), NOW)
        assert v1.verdict is Verdict.VALID, v1.failed  # printed ecert/qr/1 codes still verify
    world.set_status(c, "03")
    with world.store.transaction() as uow:
        assert verify_qr_online(uow, url, NOW).verdict is Verdict.REVOKED


def test_qr_online_rh_mismatch(world):
    c = world.issue()
    claims = world.qr_claims(c)
    claims["rh"] = b64url(b"\0" * 16)
    url = world.qr_url(c, claims=claims)
    with world.store.transaction() as uow:
        r = verify_qr_online(uow, url, NOW)
    assert r.verdict is Verdict.INVALID and r.failed[0].name == "record-hash"
