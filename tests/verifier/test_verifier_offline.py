"""Offline QR verification with signed trust and status lists; parser robustness."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from verifier_world import T0

from ca.jws import canonical_json, sign_jws
from ca.signer import MemorySigner
from verifier.errors import ListInvalid, MalformedInput, StaleList, VerifierError
from verifier.lists import build_status_list, build_trust_list, load_status_list, load_trust_list
from verifier.results import Verdict
from verifier.verify import parse_qr, verify_qr

NOW = T0 + dt.timedelta(days=30)
TTL = dt.timedelta(hours=24)


def _lists(world, at=NOW, ttl=TTL):
    with world.store.transaction() as uow:
        tl = world.sign_list(build_trust_list(uow, at, ttl))
        sl = world.sign_list(build_status_list(uow, at, ttl))
    return tl, sl


def _load(world, tl, sl, now=NOW, allow_stale=False):
    return (load_trust_list(tl, world.root_der, now, allow_stale=allow_stale),
            load_status_list(sl, world.root_der, now, allow_stale=allow_stale))


def test_offline_valid_and_statuses(world):
    ok, rev, old = world.issue(), world.issue(), world.issue()
    world.set_status(rev, "07")
    new = world.change(old, T0 + dt.timedelta(days=2))
    trust, status = _load(world, *_lists(world))
    r = verify_qr(world.qr_url(ok), trust, status, NOW)
    assert r.verdict is Verdict.VALID, r.failed
    assert dict(r.display)["holder"] == "张**"
    assert verify_qr(world.qr_url(rev), trust, status, NOW).verdict is Verdict.REVOKED
    r = verify_qr(world.qr_url(old), trust, status, NOW)
    assert r.verdict is Verdict.SUPERSEDED and r.current_identifier.startswith(new.base + ".002")
    assert verify_qr(world.qr_url(new), trust, status, NOW).verdict is Verdict.VALID


def test_fragment_only_and_path_mismatch(world):
    a, b = world.issue(), world.issue()
    trust, status = _load(world, *_lists(world))
    frag = "#" + world.qr_url(a).split("#", 1)[1]
    assert verify_qr(frag, trust, status, NOW).verdict is Verdict.VALID
    swapped = world.qr_url(a, path_id=b.identifier)  # b's URL carrying a's signed claims
    r = verify_qr(swapped, trust, status, NOW)
    assert r.verdict is Verdict.INVALID and "identifier-mismatch" in [c.reason for c in r.failed]


def test_stale_lists(world):
    c = world.issue()
    tl, sl = _lists(world, at=NOW - dt.timedelta(days=2))
    with pytest.raises(StaleList):
        load_status_list(sl, world.root_der, NOW)
    trust, status = _load(world, tl, sl, allow_stale=True)
    r = verify_qr(world.qr_url(c), trust, status, NOW)
    assert r.verdict is Verdict.UNKNOWN
    assert r.failed[0].reason == "stale-list"


def test_list_signed_by_other_root(world):
    tl, _ = _lists(world)
    other = MemorySigner.generate("x")
    from ca.certs import issue_root_ca

    other_root = issue_root_ca(other, "别的根", T0 - dt.timedelta(days=10))
    with pytest.raises(ListInvalid):
        load_trust_list(tl, other_root, NOW)


def test_tampered_and_forged_qr(world):
    c = world.issue()
    trust, status = _load(world, *_lists(world))
    url = world.qr_url(c)
    head, _, sig = url.rpartition(".")
    flipped = head + "." + ("A" if sig[0] != "A" else "B") + sig[1:]
    assert verify_qr(flipped, trust, status, NOW).verdict is Verdict.INVALID
    claims = world.qr_claims(c)
    claims["vt"] = "2099-12-31"
    rogue = MemorySigner.generate("rogue")
    forged = sign_jws(canonical_json(claims), rogue, world.issuer.cert_der, include_x5c=False,
                      typ="ecert-qr+jws")
    r = verify_qr(f"https://ecert.example/v/{c.identifier}#{forged}", trust, status, NOW)
    assert r.verdict is Verdict.INVALID and r.failed[0].reason == "bad-signature"


def test_unknown_key_newer_than_trust_list_is_unknown(world):
    trust, status = _load(world, *_lists(world))
    k = world.new_key(NOW - dt.timedelta(days=1))
    c = world.issue(key=k, signed_at=NOW - dt.timedelta(hours=1))
    url = world.qr_url(c, iat=NOW + dt.timedelta(minutes=1), key=k)
    r = verify_qr(url, trust, status, NOW + dt.timedelta(minutes=2))
    assert r.verdict is Verdict.UNKNOWN


def test_expired_offline(world):
    c = world.issue(vt="2026-12-01")
    later = dt.datetime(2026, 12, 3, tzinfo=dt.UTC)
    trust, status = _load(world, *_lists(world, at=later), now=later)
    assert verify_qr(world.qr_url(c), trust, status, later).verdict is Verdict.EXPIRED


@pytest.mark.parametrize("bad", ["", "hello", "https://x/v/abc", "#a.b.c", "ftp://x/v/1#a.b.c",
                                 "https://ecert.example/v/1.2.3#e30.e30.AAAA", "#" + "A" * 5000])
def test_malformed_qr(bad, sqlite_world):
    trust, status = _load(sqlite_world, *_lists(sqlite_world))
    with pytest.raises(MalformedInput):
        verify_qr(bad, trust, status, NOW)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=st.one_of(
    st.text(max_size=300),
    st.builds(lambda a, b, c: f"https://ecert.example/v/{a}#{b}.{c}", st.text(max_size=80),
              st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef0123456789-_.", max_size=120),
              st.text(max_size=60)),
    st.builds(lambda a: "#eyJhbGciOiJFUzI1NiJ9." + a, st.text(max_size=200)),
))
def test_hypothesis_qr_only_our_errors(text, hypo_lists):
    trust, status = hypo_lists
    try:
        r = verify_qr(text, trust, status, NOW)
    except VerifierError:
        return
    assert r.verdict in (Verdict.INVALID, Verdict.UNKNOWN)


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=st.text(max_size=300))
def test_hypothesis_parse_qr(text):
    try:
        parse_qr(text)
    except MalformedInput:
        pass


@pytest.fixture(scope="module")
def hypo_lists(tmp_path_factory):
    from conftest import _sqlite_store
    from verifier_world import World

    w = World.build(_sqlite_store(tmp_path_factory.mktemp("h")))
    w.issue()
    return _load(w, *_lists(w))
