"""The outermost layer of the app, in plain ASGI: what every request passes first.

* a request id (the caller's `X-Request-Id` when it is short and plain, else a new one);
* the client's address: the peer, or — only when the peer is a configured proxy
  (`ECERT_TRUSTED_PROXIES`) — the first untrusted hop of `X-Forwarded-For`;
* a client certificate verified by a trusted proxy (`X-SSL-Client-Cert`, deploy/nginx), put
  where uvicorn's own mutual TLS puts one (`ecert.http.tls`); from anyone else it is ignored;
* the body limit (`ECERT_MAX_BODY_BYTES`), counted while the body streams in: a chunked body
  is cut off with 413 as soon as it crosses the limit, never read whole first;
* JSON bodies checked for cost (`ecert.http.jsonguard`) before anything validates them;
* response headers: security headers and CSP, and `Cache-Control: no-store` on every response
  that did not choose its own caching (only public PKI objects and static assets do).
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Iterable
from typing import Any

import anyio.to_thread
from fastapi import HTTPException
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ecert.http import problems
from ecert.http.jsonguard import check_json
from ecert.http.logsetup import REQUEST_ID
from ecert.http.tls import (
    PROXY_CERT_HEADER,
    PROXY_VERIFY_HEADER,
    cert_from_proxy_headers,
    client_cert_from_scope,
    with_client_cert,
)

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; "
            "object-src 'none'")
API_CSP = "default-src 'none'; frame-ancestors 'none'"
STATIC_CACHE = "public, max-age=3600"
BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class BodyTooLarge(HTTPException):
    """Raised from `receive` when the body crosses the limit. An `HTTPException`, so FastAPI's
    body parsing passes it on and the app answers 413 problem+json."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request bodies are limited to {limit} bytes")


def parse_proxies(spec: str) -> tuple[Network, ...]:
    """`ECERT_TRUSTED_PROXIES`: comma-separated addresses or CIDR networks; raises ValueError."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False)
                 for part in spec.split(",") if part.strip())


def in_networks(host: str, proxies: Iterable[Network]) -> bool:
    try:
        addr = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(addr in net for net in proxies)


def client_host(peer: str, forwarded_for: str | None, proxies: tuple[Network, ...]) -> str:
    """The client's address: `X-Forwarded-For` counts only when the peer is a trusted proxy,
    and then only up to the first hop that is not itself a trusted proxy."""
    if not forwarded_for or not in_networks(peer, proxies):
        return peer
    host = peer
    for hop in reversed([h.strip() for h in forwarded_for.split(",")]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return host  # a malformed hop: trust nothing further left
        host = hop
        if not in_networks(hop, proxies):
            return hop
    return host


def client_address(request: Request) -> str:
    """The address per-client limits count (set by :class:`Edge`)."""
    found = getattr(request.state, "client_address", None)
    if found:
        return str(found)
    return request.client.host if request.client else "unknown"


def _request_id(headers: Headers) -> str:
    rid = headers.get("x-request-id", "")
    if 0 < len(rid) <= 64 and rid.replace("-", "").isalnum():
        return rid
    return secrets.token_hex(8)


def _is_json(ctype: str) -> bool:
    main = ctype.split(";")[0].strip().lower()
    return main == "application/json" or (main.startswith("application/") and main.endswith("+json"))


class Edge:
    """Pure ASGI middleware: see the module docstring."""

    def __init__(self, app: ASGIApp, max_body_bytes: int,
                 trusted_proxies: tuple[Network, ...] = ()) -> None:
        self.app = app
        self.limit = max_body_bytes
        self.proxies = trusted_proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        state = scope.setdefault("state", {})
        state["request_id"] = rid = _request_id(headers)
        REQUEST_ID.set(rid)  # for log lines (ecert.http.logsetup)
        peer = scope["client"][0] if scope.get("client") else "unknown"
        state["client_address"] = client_host(peer, headers.get("x-forwarded-for"), self.proxies)
        if in_networks(peer, self.proxies) and headers.get("x-forwarded-proto") in ("http", "https"):
            scope["scheme"] = headers["x-forwarded-proto"]
        if in_networks(peer, self.proxies) and client_cert_from_scope(scope) is None:
            der = cert_from_proxy_headers(headers.get(PROXY_CERT_HEADER),
                                          headers.get(PROXY_VERIFY_HEADER))
            if der is not None:
                with_client_cert(scope, der)
        send = self._decorate(scope, send, rid)
        refusal = self._check_length(headers.get("content-length"))
        if refusal is not None:
            await self._answer(scope, send, *refusal)
            return
        receive = self._counted(receive)
        if scope["method"] in BODY_METHODS and _is_json(headers.get("content-type", "")):
            try:
                body = await _read_all(receive)
            except BodyTooLarge as exc:
                await self._answer(scope, send, 413, "payload-too-large", str(exc.detail))
                return
            refused = await anyio.to_thread.run_sync(check_json, body)
            if refused is not None:
                await self._answer(scope, send, 422, "invalid-request", "the request is not valid",
                                   errors=[{"field": refused.field[:200] or "body",
                                            "message": refused.message}])
                return
            receive = _replay(body, receive)
        await self._run(scope, receive, send)

    async def _run(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except BodyTooLarge as exc:  # raised where no handler turned it into an answer
            if started:
                raise
            await self._answer(scope, send, 413, "payload-too-large", str(exc.detail))

    def _check_length(self, length: str | None) -> tuple[int, str, str] | None:
        if length is None:
            return None
        if not length.isdigit():
            return 400, "bad-request", "invalid Content-Length"
        if int(length) > self.limit:
            return 413, "payload-too-large", f"request bodies are limited to {self.limit} bytes"
        return None

    def _counted(self, receive: Receive) -> Receive:
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        return counted

    async def _answer(self, scope: Scope, send: Send, status: int, slug: str, detail: str,
                      **extra: Any) -> None:
        response = problems.problem(Request(scope), status, slug, detail, **extra)
        await response(scope, _no_receive, send)

    @staticmethod
    def _decorate(scope: Scope, send: Send, rid: str) -> Send:
        path = scope.get("path", "")

        async def decorated(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _decorated_headers(message, rid, path)
            await send(message)

        return decorated


_SECURITY_RAW = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
_CSP = b"content-security-policy"


def _decorated_headers(message: Message, rid: str, path: str) -> list[tuple[bytes, bytes]]:
    """The response's headers plus ours, in one pass over raw bytes (every response comes
    through here: MutableHeaders' per-header scans cost more than the cheapest routes)."""
    status = message["status"]
    own = [(k, v) for k, v in message.get("headers", ()) if k.lower() != b"x-request-id"]
    names = {k.lower() for k, _v in own}
    own.append((b"x-request-id", rid.encode()))
    own.extend(kv for kv in _SECURITY_RAW if kv[0] not in names)
    if _CSP not in names:
        html = any(k.lower() == b"content-type" and v.startswith(b"text/html") for k, v in own)
        own.append((_CSP, (PAGE_CSP if html else API_CSP).encode()))
    if status == 413:  # the rest of the body is not read
        own = [(k, v) for k, v in own if k.lower() != b"connection"] + [(b"connection", b"close")]
    if b"cache-control" not in names:
        static = path.startswith("/static/") and status < 400
        own.append((b"cache-control", (STATIC_CACHE if static else "no-store").encode()))
    return own


async def _read_all(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


def uvicorn_proxy_options(trusted_proxies: tuple[str, ...]) -> dict[str, Any]:
    """uvicorn's own proxy handling stays off (it believes X-Forwarded-For from 127.0.0.1 by
    default, and once on it replaces the peer's address, which `Edge` must see to decide
    whether the proxy's headers count): `Edge` reads X-Forwarded-For/-Proto itself, from
    `trusted_proxies` only. Behind a proxy with plain uvicorn: `--no-proxy-headers` too."""
    del trusted_proxies
    return {"proxy_headers": False, "forwarded_allow_ips": ""}
