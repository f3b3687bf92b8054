"""verifier.trustcache against the store (SQLite and PostgreSQL): a kept key is used only while
the trust generation it was read under holds; a revocation committed by another transaction
gives the verdict of a verification that kept nothing; names from untrusted input are bounded."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import event
from verifier_world import T0

from ca.certs import describe_cert
from verifier import trustcache
from verifier.results import Verdict
from verifier.trustcache import TrustCache
from verifier.verify import verify_identifier

NOW = T0 + dt.timedelta(days=30)


def _v(world, ident, cache=None):
    with world.store.transaction() as uow:
        return verify_identifier(uow, ident, NOW, trust=cache.view(uow) if cache else None)


def _statements(world, run):
    seen: list[str] = []

    def log(_c, _cur, statement, *_a):
        seen.append(statement)

    event.listen(world.store.engine, "before_cursor_execute", log)
    try:
        run()
    finally:
        event.remove(world.store.engine, "before_cursor_execute", log)
    return seen


def test_kept_rows_are_not_read_again_and_the_verdict_is_the_same(world):
    c = world.issue()
    cache = TrustCache()
    first = _v(world, c.identifier, cache)
    seen = _statements(world, lambda: _v(world, c.identifier, cache))
    assert not [s for s in seen if "pki_certificates" in s or "certificate_types" in s
                or "FROM departments" in s]
    again = _v(world, c.identifier, cache)
    assert again == first == _v(world, c.identifier)
    assert again.verdict is Verdict.VALID


def test_a_revocation_committed_elsewhere_is_seen_by_the_next_verification(world):
    c = world.issue()
    cache = TrustCache()
    assert _v(world, c.identifier, cache).verdict is Verdict.VALID
    serial = describe_cert(world.issuer.cert_der).serial
    with world.store.transaction() as uow:  # another transaction: the cache is not told
        uow.pki.revoke(serial, "key_compromise", T0)
    kept, cold = _v(world, c.identifier, cache), _v(world, c.identifier)
    assert kept == cold
    assert kept.verdict is not Verdict.VALID


def test_keys_named_by_untrusted_input_are_bounded(world, monkeypatch):
    monkeypatch.setattr(trustcache, "MAX_ENTRIES", 3)
    cache = TrustCache()
    with world.store.transaction() as uow:
        view = cache.view(uow)
        for i in range(10):
            assert view.department_key(f"{i:064x}", None) is None
        trust_entries = view._gen(0)
    assert trust_entries is not None and len(trust_entries.items) <= 3
