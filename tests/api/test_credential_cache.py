"""Authenticated tokens kept per process (ecert/credentials.py): how soon a change takes effect.

Expiry: exactly. A revocation, an operator's disabling or a succession made through this
process: at once. The same made elsewhere (another worker: here a second platform on the same
database, which shares no cache with the app's): within CACHE_SECONDS, told by the cache's own
clock, which the test moves.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ecert.credentials import CACHE_SECONDS, CredentialCache
from ecert.platform import Platform
from ecert.tokens import AuthenticatedToken
from tests.api.helpers import token
from tests.conftest import auth

STH = "/api/v1/audit/get-sth"


class Ticks:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def _kept(platform: Any) -> Ticks:
    ticks = Ticks()
    platform.credentials = CredentialCache(clock=ticks)
    return ticks


def _prefix_id(client: Any, admin: str, secret: str) -> int:
    listing = client.get("/api/v1/tokens", headers=auth(admin)).json()
    return int(next(x["id"] for x in listing if secret.split("_")[1] == x["prefix"]))


def test_a_revocation_by_another_worker_takes_effect_within_the_bound(
        client: Any, admin_token: str, platform: Any) -> None:
    ticks = _kept(platform)
    t = token(client, admin_token, "auditor")
    assert client.get(STH, headers=auth(t)).status_code == 200  # kept now
    # Another worker's revocation: committed to the same database by another engine, and
    # (another process) without touching this process's cache.
    other = Platform(platform.settings, clock=platform.clock)
    try:
        with other.store.transaction() as uow:
            uow.tokens.revoke(_prefix_id(client, admin_token, t), platform.now())
    finally:
        other.store.dispose()
    ticks.t += CACHE_SECONDS / 2
    assert client.get(STH, headers=auth(t)).status_code == 200  # the documented bound
    ticks.t += CACHE_SECONDS
    r = client.get(STH, headers=auth(t))
    assert r.status_code == 401, r.text
    ticks.t += CACHE_SECONDS * 10
    assert client.get(STH, headers=auth(t)).status_code == 401
    failures = client.get("/api/v1/audit/entries", params={"action": "auth.failure"},
                          headers=auth(admin_token)).json()["entries"]
    assert failures  # the refusal was looked up and audited as before (ecert/authfail.py)


def test_a_revocation_through_this_process_takes_effect_at_once(
        client: Any, admin_token: str, platform: Any) -> None:
    _kept(platform)  # the clock never moves: only the revocation can end the kept entry
    t = token(client, admin_token, "auditor")
    assert client.get(STH, headers=auth(t)).status_code == 200
    assert len(platform.credentials) >= 1
    tid = _prefix_id(client, admin_token, t)
    assert client.delete(f"/api/v1/tokens/{tid}", headers=auth(admin_token)).status_code == 200
    assert client.get(STH, headers=auth(t)).status_code == 401


def test_expiry_is_exact_even_when_kept(client: Any, admin_token: str, platform: Any,
                                        clock: Any) -> None:
    _kept(platform)
    t = token(client, admin_token, "auditor")
    assert client.get(STH, headers=auth(t)).status_code == 200
    listing = client.get("/api/v1/tokens", headers=auth(admin_token)).json()
    expires = next(x["expires_at"] for x in listing if t.split("_")[1] == x["prefix"])
    clock.now = type(clock.now).fromisoformat(expires)  # the platform's time reaches expiry
    assert client.get(STH, headers=auth(t)).status_code == 401


def test_the_secret_is_not_kept(client: Any, admin_token: str, platform: Any) -> None:
    _kept(platform)
    t = token(client, admin_token, "auditor")
    assert client.get(STH, headers=auth(t)).status_code == 200
    assert t not in repr(vars(platform.credentials)) and t.split("_", 2)[2] not in repr(
        vars(platform.credentials))


def test_the_cache_is_bounded() -> None:
    cache = CredentialCache(size=4, clock=Ticks())
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    rec = AuthenticatedToken(id=1, prefix="p", role="auditor", dept_code=None,
                             holder_hash=None, label="x", created_at=now,
                             expires_at=now + dt.timedelta(days=1), revoked_at=None,
                             operator_id=None)
    for i in range(20):
        assert cache.authenticate(f"ect_{i}_s", now, lambda: rec) is rec
        assert len(cache) <= 4
