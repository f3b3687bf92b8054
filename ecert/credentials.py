"""Authenticated bearer tokens, kept per process for a few seconds (issue 11, B3).

Authenticating a token is its own transaction with three SELECTs (token, department,
operator): a quarter of the server's time for a verification by identifier. A using
department's system sends many requests with one token, so a worker keeps what
`ecert.tokens.authenticate` returned, keyed by the token's SHA-256 (the secret itself is not
kept), for at most :data:`CACHE_SECONDS`.

How soon a change takes effect (also in docs/performance.md, B3):

* expiry: exactly — every hit checks ``expires_at`` against the request's time;
* revoking a token, disabling an operator, a department's succession made by THIS process:
  at once — the services that do them call :func:`forget` after their commit, which drops
  every process-wide cache entry;
* the same made by another worker or host: within :data:`CACHE_SECONDS` (2 s).

Failures are never kept: an unknown or refused token is looked up (and audited) every time.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ecert.tokens import AuthenticatedToken, hash_token

CACHE_SECONDS = 2.0
MAX_ENTRIES = 4096

_epoch_lock = threading.Lock()
_epoch = 0


def forget() -> None:
    """Drop every kept credential of this process (after a revocation, an operator's
    disabling or a succession has committed)."""
    global _epoch
    with _epoch_lock:
        _epoch += 1


def _current_epoch() -> int:
    with _epoch_lock:
        return _epoch


@dataclass(frozen=True, slots=True)
class _Kept:
    rec: AuthenticatedToken
    epoch: int
    until: float  # monotonic


class CredentialCache:
    """Per platform; ``clock`` is monotonic seconds (injectable for tests)."""

    def __init__(self, seconds: float = CACHE_SECONDS, size: int = MAX_ENTRIES,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.size = size
        self.clock = clock
        self._kept: dict[str, _Kept] = {}
        self._lock = threading.Lock()

    def authenticate(self, token: str, now: dt.datetime,
                     load: Callable[[], AuthenticatedToken | None]) -> AuthenticatedToken | None:
        """The kept record of ``token`` while fresh and unexpired, else ``load()``'s answer
        (kept when it is a success)."""
        key = hash_token(token)
        # Read the epoch BEFORE loading: a revocation committed while we load bumps it, and
        # what we then keep is already stale, so it is never served.
        epoch = _current_epoch()
        t = self.clock()
        with self._lock:
            hit = self._kept.get(key)
        if hit is not None and hit.epoch == epoch and t < hit.until and hit.rec.expires_at > now:
            return hit.rec
        rec = load()
        with self._lock:
            if rec is None:
                self._kept.pop(key, None)
                return None
            if len(self._kept) >= self.size:
                self._evict(t)
            self._kept[key] = _Kept(rec, epoch, t + self.seconds)
        return rec

    def _evict(self, t: float) -> None:
        """Drop stale entries; when all are fresh, the oldest half (insertion order)."""
        stale = [k for k, v in self._kept.items() if v.until <= t or v.epoch != _epoch]
        for k in stale or list(self._kept)[: self.size // 2]:
            del self._kept[k]

    def __len__(self) -> int:
        return len(self._kept)
