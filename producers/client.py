"""A department system's client of the platform's public signing API (issue 14).

Every producer talks to the platform as a department's own system would: over HTTP, with the
department's issuer token, an `Idempotency-Key` per request (derived from the producer's own
case number, so a retry or a rerun returns the first answer), and retries with exponential
backoff when the platform answers 503 (not ready, overloaded) or 429 (rate limited), or the
connection fails. Refusals come back as :class:`ApiRefused` with the problem's per-field
`errors` list.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

RETRY_STATUSES = (429, 503)
API = "/api/v1"


@dataclass(frozen=True)
class Issued:
    identifier: str
    base_identifier: str
    version: int
    status: str
    record: Mapping[str, Any]
    qr_url: str | None = None


class ApiRefused(Exception):  # noqa: N818 - a refusal, not a failure of the client
    """The platform refused the request: HTTP status, problem type slug, per-field errors."""

    def __init__(self, status: int, slug: str, title: str,
                 errors: tuple[Mapping[str, Any], ...] = ()) -> None:
        super().__init__(status, slug, title)
        self.status, self.slug, self.title, self.errors = status, slug, title, errors

    def __str__(self) -> str:
        fields = ", ".join(f"{e.get('field')}: {e.get('message')}" for e in self.errors)
        return f"{self.status} {self.slug}: {self.title}" + (f" ({fields})" if fields else "")

    def fields(self) -> set[str]:
        return {str(e.get("field")) for e in self.errors}


@dataclass
class PlatformClient:
    """One department's connection: `http` is any `httpx.Client` pointed at the platform
    (its base_url set), `token` that department's issuer token."""

    http: httpx.Client
    token: str
    retries: int = 5
    backoff: float = 0.2
    sleep: Callable[[float], None] = time.sleep

    @classmethod
    def connect(cls, base_url: str, token: str, timeout: float = 30.0) -> PlatformClient:
        return cls(httpx.Client(base_url=base_url, timeout=timeout), token)

    def _send(self, method: str, path: str, body: Any = None,
              idempotency_key: str | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"}
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        for attempt in range(self.retries + 1):
            try:
                r = self.http.request(method, path, json=body, headers=headers)
            except httpx.TransportError:
                if attempt == self.retries:
                    raise
                self.sleep(self.backoff * 2 ** attempt)
                continue
            if r.status_code not in RETRY_STATUSES or attempt == self.retries:
                return r
            self.sleep(_retry_after(r) or self.backoff * 2 ** attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def _json(self, r: httpx.Response) -> Any:
        if r.status_code >= 400:
            try:
                p = r.json()
            except ValueError:
                p = {}
            raise ApiRefused(r.status_code, str(p.get("type", "")).rsplit("/", 1)[-1],
                             str(p.get("title", r.reason_phrase)),
                             tuple(p.get("errors") or ()))
        return r.json()

    # -- catalog ------------------------------------------------------------------------
    def catalog_type(self, type_code: str) -> Mapping[str, Any] | None:
        r = self._send("GET", f"{API}/catalog/types/{type_code}")
        if r.status_code == 404:
            return None
        return self._json(r)  # type: ignore[no-any-return]

    def define_type(self, definition: Mapping[str, Any]) -> int | None:
        """Propose the type (a new catalog version) to the supervising authority unless the
        latest version is this one: None when it is in force already, else the proposal's id
        (it takes effect when the authority approves it)."""
        current = self.catalog_type(str(definition["type_code"]))
        if current is not None and current["definition"] == definition:
            return None
        body = {"kind": "catalog", "payload": definition}
        return int(self._json(self._send("POST", f"{API}/proposals", body))["id"])

    def approve(self, proposal_id: int) -> Mapping[str, Any]:
        """As the supervising authority: approve a proposal (it takes effect at once)."""
        return self._json(  # type: ignore[no-any-return]
            self._send("POST", f"{API}/proposals/{proposal_id}/approve"))

    # -- certificates -------------------------------------------------------------------
    def issue(self, type_code: str, data: Mapping[str, Any], idempotency_key: str) -> Issued:
        body = {"type": type_code, "data": data}
        return _issued(self._json(self._send("POST", f"{API}/certificates", body,
                                             idempotency_key)))

    def change(self, identifier: str, data: Mapping[str, Any], reason: str) -> Issued:
        body = {"data": data, "reason": reason}
        return _issued(self._json(self._send("POST", f"{API}/certificates/{identifier}/change",
                                             body)))

    def move(self, identifier: str, event: str, reason: str) -> Mapping[str, Any]:
        body = {"event": event, "reason": reason}
        return self._json(  # type: ignore[no-any-return]
            self._send("POST", f"{API}/certificates/{identifier}/status", body))

    def cosign(self, identifier: str) -> Mapping[str, Any]:
        """共同签署 the current version as a co-signing department."""
        return self._json(  # type: ignore[no-any-return]
            self._send("POST", f"{API}/certificates/{identifier}/cosign"))

    def cosignatures(self, identifier: str) -> Mapping[str, Any]:
        return self._json(  # type: ignore[no-any-return]
            self._send("GET", f"{API}/certificates/{identifier}/cosignatures"))

    def get(self, identifier: str) -> Mapping[str, Any]:
        return self._json(  # type: ignore[no-any-return]
            self._send("GET", f"{API}/certificates/{identifier}"))


def _issued(d: Mapping[str, Any]) -> Issued:
    return Issued(identifier=d["identifier"], base_identifier=d["base_identifier"],
                  version=int(d["version"]), status=d["status"], record=d["record"],
                  qr_url=d.get("qr_url"))


def _retry_after(r: httpx.Response) -> float | None:
    v = r.headers.get("Retry-After")
    try:
        return min(float(v), 30.0) if v is not None else None
    except ValueError:
        return None
