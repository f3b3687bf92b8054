"""The proxy's client-certificate header, parsed: anything but a proxy's SUCCESS with a
well-formed PEM certificate yields nothing; and Edge reads it from trusted peers only."""

from __future__ import annotations

import ssl
from urllib.parse import quote

from ecert.http.tls import cert_from_proxy_headers

PEM = ("-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2hlY2sgdGhpcyBpcyBub3QgcmVhbDAKBggqhkjOPQQD"
       "\n-----END CERTIFICATE-----\n")


def test_only_success_with_a_certificate_counts() -> None:
    der = ssl.PEM_cert_to_DER_cert(PEM)
    assert cert_from_proxy_headers(quote(PEM, safe=""), "SUCCESS") == der
    for verify in (None, "", "NONE", "FAILED:certificate revoked", "success"):
        assert cert_from_proxy_headers(quote(PEM, safe=""), verify) is None
    for cert in (None, "", "not a pem", quote("-----BEGIN CERTIFICATE-----\n!!!\n", safe=""),
                 "x" * 20000):
        assert cert_from_proxy_headers(cert, "SUCCESS") is None


def test_edge_reads_the_header_from_trusted_peers_only() -> None:
    import asyncio

    from ecert.http.edge import Edge, parse_proxies
    from ecert.http.tls import client_cert_from_scope

    seen: list[bytes | None] = []

    async def app(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        seen.append(client_cert_from_scope(scope))

    edge = Edge(app, 1024, parse_proxies("10.0.0.5"))
    headers = [(b"x-ssl-client-cert", quote(PEM, safe="").encode()),
               (b"x-ssl-client-verify", b"SUCCESS")]

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: object) -> None:
        return None

    for peer in ("10.0.0.5", "10.0.0.6", "127.0.0.1"):
        scope = {"type": "http", "method": "GET", "path": "/", "headers": headers,
                 "client": (peer, 5000), "query_string": b""}
        asyncio.run(edge(scope, receive, send))
    assert seen == [ssl.PEM_cert_to_DER_cert(PEM), None, None]
