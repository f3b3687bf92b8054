"""Who may call what. Every route declares its roles with `allow(...)` or `public()`;
the authorisation-matrix test fails for a route that declares neither."""

from __future__ import annotations

import threading
import time
from collections import deque

from fastapi import Request

from audit_log.actor import Actor
from ecert.http.deps import get_platform
from ecert.http.edge import client_address
from ecert.http.problems import ProblemError
from ecert.http.tls import client_cert_from_scope
from ecert.platform import Platform
from ecert.services.clientcerts import authenticate_client_cert
from ecert.tokens import actor_for, authenticate


def rate_limiter(request: Request) -> RateLimiter:
    """The app's limiter of API calls (`Settings.rate_limit_per_minute`), set by `create_app`."""
    limiter: RateLimiter = request.app.state.rate_limiter
    return limiter


class RateLimiter:
    """Sliding one-minute window per credential (or client address), per process. Keys idle
    for a minute are dropped every :data:`SWEEP_EVERY` checks: the limiters keyed by address
    would otherwise keep one entry per client ever seen (issue 12, soak)."""

    SWEEP_EVERY = 1024

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._checks = 0

    def __len__(self) -> int:
        return len(self._hits)

    def _sweep(self, now: float) -> None:
        idle = [k for k, q in self._hits.items() if not q or now - q[-1] > 60]
        for k in idle:
            del self._hits[k]

    def check(self, key: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            self._checks += 1
            if self._checks % self.SWEEP_EVERY == 0:
                self._sweep(now)
            q = self._hits.setdefault(key, deque())
            while q and now - q[0] > 60:
                q.popleft()
            if len(q) >= self.per_minute:
                raise ProblemError(429, "rate-limited", "too many requests for this token",
                                   {"Retry-After": str(int(60 - (now - q[0])) + 1)})
            q.append(now)


class allow:  # noqa: N801 - used like a decorator argument: Depends(allow("issuer"))
    """Dependency: a bearer token, or else a verified client certificate (mutual TLS,
    `ecert.http.tls`), of one of `roles`; returns the `Actor`."""

    def __init__(self, *roles: str) -> None:
        self.roles = frozenset(roles)

    def __call__(self, request: Request) -> Actor:
        platform = get_platform(request)
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        rid = getattr(request.state, "request_id", None)
        if scheme.lower() == "bearer" and token:  # a token, when given, wins
            source = client_address(request)
            wait = platform.auth_failures.retry_after(source, platform.now())
            if wait is not None:  # refused before anything is looked up or written
                raise ProblemError(429, "rate-limited", "too many failed authentications",
                                   {"Retry-After": str(wait)})
            actor = self._token(platform, rate_limiter(request), token.strip(), rid,
                                request.url.path, source)
            return self._permit(request, actor, "this token's role may not use this endpoint")
        # Set by uvicorn's TLS layer (ecert.http.tls), or by Edge from a TRUSTED proxy's
        # verified-certificate header (deploy/nginx); never from anyone else's header.
        der = client_cert_from_scope(request.scope)
        if der is None:
            raise ProblemError(401, "unauthenticated", "a bearer token is required",
                               {"WWW-Authenticate": 'Bearer realm="ecert"'})
        ident = authenticate_client_cert(platform, der, rid, request.url.path)
        if ident is None:
            raise ProblemError(401, "unauthenticated",
                               "the client certificate is unknown, expired or revoked",
                               {"WWW-Authenticate": 'Bearer realm="ecert"'})
        rate_limiter(request).check(f"cert:{ident.serial}")
        return self._permit(request, ident.actor(rid),
                            "this certificate's role may not use this endpoint")

    def _permit(self, request: Request, actor: Actor, refusal: str) -> Actor:
        request.state.actor = actor  # who asked, for the audit entry of a refusal (Art. 21)
        if actor.role not in self.roles:
            raise ProblemError(403, "forbidden", refusal)
        return actor

    def _token(self, platform: Platform, limiter: RateLimiter, token: str, rid: str | None,
               path: str, source: str) -> Actor:
        rec = platform.authenticate(token, rid, path, source)
        if rec is None:
            raise ProblemError(401, "unauthenticated", "the token is unknown, expired or revoked",
                               {"WWW-Authenticate": 'Bearer realm="ecert", error="invalid_token"'})
        limiter.check(rec.prefix)
        return actor_for(rec, rid)


class public:  # noqa: N801
    """Dependency marking a route as deliberately open (PKI, citizen pages)."""

    roles: frozenset[str] = frozenset({"public"})

    async def __call__(self) -> None:  # async: no thread-pool hop for nothing
        return None


__all__ = ["allow", "public", "RateLimiter", "authenticate"]
