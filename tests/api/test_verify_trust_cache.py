"""Key and type rows kept per process for verification (verifier/trustcache.py) never hide a
change: a department key revoked, a succession or an issuing CA revoked, by this process or
by another one (here a second platform on the same database, with its own engine and no
share of this process's cache), gives the same verdict as a cold platform at the very next
verification, because every verification reads the store's list generations first.
"""

from __future__ import annotations

from typing import Any

from ecert.cli.common import cli_actor
from ecert.platform import Platform
from formats.identifiers import parse_identifier
from tests.api.helpers import setup_training, training_request
from tests.conftest import auth


def _issued(client: Any, admin: str) -> tuple[dict[str, str], str]:
    w = setup_training(client, admin)
    r = client.post("/api/v1/certificates", json=training_request(41), headers=auth(w["issuer"]))
    assert r.status_code == 201, r.text
    return w, r.json()["identifier"]


def _verify(client: Any, who: str, ident: str) -> dict[str, Any]:
    r = client.get(f"/api/v1/verify/{ident}", params={"purpose": "核验"}, headers=auth(who))
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _cold(platform: Any, ident: str) -> tuple[str, list[tuple[str, bool]]]:
    """The verdict and checks of a platform that has kept nothing yet."""
    from verifier.verify import verify_identifier

    cold = Platform(platform.settings, clock=platform.clock)
    try:
        with cold.store.transaction() as uow:
            res = verify_identifier(uow, ident, platform.now())
    finally:
        cold.store.dispose()
    return res.verdict.value, [(c.name, c.passed) for c in res.checks]


def _seen(body: dict[str, Any]) -> tuple[str, list[tuple[str, bool]]]:
    return body["verdict"], [(c["name"], c["passed"]) for c in body["checks"]]


def _other(platform: Any) -> Platform:
    return Platform(platform.settings, clock=platform.clock)


def test_a_key_revoked_by_another_process_is_seen_by_the_next_verification(
        client: Any, admin_token: str, platform: Any) -> None:
    w, ident = _issued(client, admin_token)
    before = _verify(client, w["user"], ident)
    assert before["verdict"] == "valid"
    _verify(client, w["user"], ident)  # kept now
    platform.clock.advance(seconds=30)
    other = _other(platform)
    try:  # the admin's rotation, committed through another engine
        other.rotate_key(parse_identifier(ident).issuer_code, cli_actor(), "key_compromise")
    finally:
        other.store.dispose()
    after = _verify(client, w["user"], ident)
    assert _seen(after) == _cold(platform, ident)
    assert _seen(after) != _seen(before)


def test_a_key_revoked_through_the_api_is_seen_at_once(
        client: Any, admin_token: str, platform: Any) -> None:
    w, ident = _issued(client, admin_token)
    before = _verify(client, w["user"], ident)
    platform.clock.advance(seconds=30)
    r = client.post(f"/api/v1/departments/{parse_identifier(ident).issuer_code}/rotate-key",
                    json={"revoke_reason": "key_compromise"}, headers=auth(admin_token))
    assert r.status_code == 200, r.text
    after = _verify(client, w["user"], ident)
    assert _seen(after) == _cold(platform, ident)
    assert _seen(after) != _seen(before)


def test_a_change_to_the_trust_rows_elsewhere_makes_the_next_verification_read_them(
        client: Any, admin_token: str, platform: Any) -> None:
    """An issuing CA revoked (or any PKI/department row changed) by another engine: the kept
    key, whose chain was checked through those rows, is not used again."""
    from sqlalchemy import event

    w, ident = _issued(client, admin_token)
    _verify(client, w["user"], ident)
    reads: list[str] = []

    def seen(_c: Any, _cur: Any, statement: str, *_a: Any) -> None:
        reads.append(statement)

    engine = platform.store.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        _verify(client, w["user"], ident)
        assert not [s for s in reads if "FROM pki_certificates" in s]  # kept
        other = _other(platform)
        try:
            with other.store.transaction() as uow:
                ca = uow.pki.active("issuing")
                assert ca is not None  # the test platform's keys chain through an issuing CA
                uow.pki.revoke(ca.serial, "cACompromise", platform.now())
        finally:
            other.store.dispose()
        reads.clear()
        after = _verify(client, w["user"], ident)
        assert [s for s in reads if "FROM pki_certificates" in s]  # read again
        assert _seen(after) == _cold(platform, ident)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
