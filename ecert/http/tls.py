"""Mutual TLS at the edge: the verified client certificate, from uvicorn's TLS layer to
`allow(...)`.

uvicorn verifies client certificates during the handshake (`--ssl-ca-certs`,
`--ssl-cert-reqs`) but does not show them to the application. `ClientCertH11Protocol`
(`uvicorn --http ecert.http.tls:ClientCertH11Protocol`, or `ecert serve --tls-…`) puts the DER
of the *verified* peer certificate into the ASGI scope as the TLS extension,
`scope["extensions"]["tls"]`; nothing from the network (no header) can put it there. Who the
certificate belongs to is decided by `ecert.services.clientcerts`.
"""

from __future__ import annotations

import ssl
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from uvicorn.protocols.http.h11_impl import H11Protocol

from ca import certs as ca_certs
from ecert.errors import ConfigError, UsageError
from ecert.platform import Platform

CLIENT_CERT_MODES = {"none": ssl.CERT_NONE, "optional": ssl.CERT_OPTIONAL,
                     "required": ssl.CERT_REQUIRED}

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]],
                   Awaitable[None]]


# -- transport: uvicorn → ASGI scope ---------------------------------------------------------
def verified_peer_cert(transport: Any) -> bytes | None:
    """DER of the client certificate the handshake verified; None without TLS or one."""
    ssl_object = transport.get_extra_info("ssl_object")
    # With CERT_NONE the server never asks, and nothing a client sent would have been checked.
    if ssl_object is None or ssl_object.context.verify_mode == ssl.CERT_NONE:
        return None
    der = ssl_object.getpeercert(binary_form=True)
    return der or None


class _WithClientCert:
    """Wraps the app for one connection: every request on it carries the peer certificate."""

    def __init__(self, app: ASGIApp, der: bytes) -> None:
        self.app = app
        self.tls = {"client_cert_der": der,
                    "client_cert_chain": [ssl.DER_cert_to_PEM_cert(der)]}  # ASGI TLS extension

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket"):
            extensions = {**(scope.get("extensions") or {}), "tls": self.tls}
            scope = {**scope, "extensions": extensions}
        await self.app(scope, receive, send)


class ClientCertH11Protocol(H11Protocol):
    """uvicorn's h11 protocol that passes the verified client certificate to the app.

    asyncio calls `connection_made` after the TLS handshake, so the certificate is known
    before the first request; `self.app` belongs to this connection only.
    """

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        der = verified_peer_cert(transport)
        if der is not None:
            self.app = _WithClientCert(self.app, der)


# -- a reverse proxy that terminated mutual TLS (deploy/nginx) --------------------------------
PROXY_CERT_HEADER = "x-ssl-client-cert"  # nginx: $ssl_client_escaped_cert (url-escaped PEM)
PROXY_VERIFY_HEADER = "x-ssl-client-verify"  # nginx: $ssl_client_verify (SUCCESS, FAILED:…, NONE)
MAX_PROXY_CERT = 16 * 1024


def cert_from_proxy_headers(cert: str | None, verify: str | None) -> bytes | None:
    """DER of the client certificate a trusted proxy verified, from its two headers; None
    unless the proxy says SUCCESS and the PEM parses. The caller has already checked that the
    peer is one of `ECERT_TRUSTED_PROXIES`: from anyone else these headers are never read."""
    if verify != "SUCCESS" or not cert or len(cert) > MAX_PROXY_CERT:
        return None
    pem = unquote(cert).strip()
    if not pem.startswith("-----BEGIN CERTIFICATE-----"):
        return None
    try:
        return ssl.PEM_cert_to_DER_cert(pem) or None
    except ValueError:
        return None


def with_client_cert(scope: Scope, der: bytes) -> None:
    """Put a verified client certificate into the scope, as the TLS extension (in place)."""
    extensions = dict(scope.get("extensions") or {})
    extensions["tls"] = {"client_cert_der": der,
                         "client_cert_chain": [ssl.DER_cert_to_PEM_cert(der)]}
    scope["extensions"] = extensions


def client_cert_from_scope(scope: Scope) -> bytes | None:
    tls = (scope.get("extensions") or {}).get("tls") or {}
    der = tls.get("client_cert_der")
    return der if isinstance(der, bytes) and der else None


# -- serving -----------------------------------------------------------------------------------
def uvicorn_tls_options(platform: Platform, cert: Path | None, key: Path | None,
                        key_password: str | None, client_certs: str) -> dict[str, Any]:
    """uvicorn.run() keyword arguments for HTTPS, and client certificates from our root."""
    if client_certs not in CLIENT_CERT_MODES:
        raise UsageError("--client-certs is none, optional or required")
    if cert is None or key is None:
        if cert or key or client_certs != "none":
            raise ConfigError("HTTPS needs both --tls-cert and --tls-key")
        return {}
    opts: dict[str, Any] = {"ssl_certfile": str(cert), "ssl_keyfile": str(key),
                            "ssl_keyfile_password": key_password,
                            "ssl_cert_reqs": CLIENT_CERT_MODES[client_certs],
                            "http": ClientCertH11Protocol}
    if client_certs != "none":
        with platform.store.transaction() as uow:
            root = uow.pki.active("root")
        if root is None:
            raise ConfigError("no root CA; run `ecert init`")
        ca_file = platform.settings.data_dir / "client-ca.pem"
        # the root and every issuing CA (client certificates are the issuing CA's)
        with platform.store.transaction() as uow:
            cas = [r.der for r in uow.pki.certs(kind="issuing")]
        ca_file.write_text("".join(ca_certs.pem(d) for d in (root.der, *cas)))
        opts["ssl_ca_certs"] = str(ca_file)
    return opts
