"""The public PKI endpoints' work: certificates as PEM, CRL, OCSP and time stamps.

Routes call these; each opens one short transaction on the platform's store.
"""

from __future__ import annotations

import time
import weakref
from typing import TYPE_CHECKING

from ca.certs import pem
from ca.errors import MalformedRequest
from ca.ocsp import ocsp_request_from_get

if TYPE_CHECKING:
    from ecert.platform import Platform

SERVICE_KINDS = ("tsa", "ocsp", "audit", "lists")


# The root certificate is the most-fetched and least-changing PKI object: each process keeps
# it for ROOT_TTL seconds instead of a database round trip per request (issue 11, B2).
ROOT_TTL = 60.0
_root_cache: weakref.WeakKeyDictionary[Platform, tuple[float, bytes, str]] = \
    weakref.WeakKeyDictionary()


def cached_root(p: Platform) -> tuple[bytes, str] | None:
    """(DER, PEM) of the root when this process read it less than ROOT_TTL seconds ago."""
    hit = _root_cache.get(p)
    if hit is None or time.monotonic() - hit[0] > ROOT_TTL:
        return None
    return hit[1], hit[2]


def load_root(p: Platform) -> tuple[bytes, str]:
    """(DER, PEM) of the active root, read from the store and kept for ROOT_TTL seconds."""
    with p.store.transaction() as uow:
        der = p.pki.root_cert(uow)
    text = pem(der)
    _root_cache[p] = (time.monotonic(), der, text)
    return der, text


def root_der(p: Platform) -> bytes:
    return (cached_root(p) or load_root(p))[0]


def issuing_der(p: Platform) -> bytes | None:
    """The current issuing CA's certificate (None on a platform whose root signs directly)."""
    with p.store.transaction() as uow:
        rec = uow.pki.active("issuing")
        return None if rec is None else rec.der


def ca_chain_pem(p: Platform) -> str:
    """Every issuing CA (current first), then the root: the chain TLS peers and `openssl
    verify -untrusted` need."""
    with p.store.transaction() as uow:
        ders = [r.der for r in reversed(uow.pki.certs(kind="issuing"))]
        ders.append(p.pki.root_cert(uow))
    return "".join(pem(d) for d in ders)


def root_pem(p: Platform) -> str:
    return (cached_root(p) or load_root(p))[1]


def department_pem(p: Platform, code: str) -> str | None:
    """All signing certificates of a department, current first; None for an unknown one."""
    if len(code) != 18 or not code.isalnum():
        return None
    with p.store.transaction() as uow:
        if uow.departments.find(code) is None:
            return None
        certs = p.pki.department_certs(uow, code)
    return "".join(pem(c.der) for c in certs)


def services_pem(p: Platform) -> str:
    with p.store.transaction() as uow:
        ders = [rec.der for kind in SERVICE_KINDS for rec in uow.pki.certs(kind=kind)]
    return "".join(pem(d) for d in ders)


def crl(p: Platform) -> bytes:
    with p.store.transaction() as uow:
        return p.pki.crl(uow, p.now())


def issuing_crl(p: Platform) -> bytes:
    with p.store.transaction() as uow:
        return p.pki.issuing_crl(uow, p.now())


def crls_pem(p: Platform) -> str:
    """Every CRL a relying party needs for a whole chain (nginx `ssl_crl` with a chain checks
    each level): the issuing CA's, then the root's."""
    from ca.crl import crl_pem

    with p.store.transaction() as uow:
        now = p.now()
        ders = [] if uow.pki.active("issuing") is None else [p.pki.issuing_crl(uow, now)]
        ders.append(p.pki.crl(uow, now))
    return "".join(crl_pem(d) for d in ders)


def ocsp(p: Platform, request_der: bytes) -> bytes:
    """An OCSP response for any input: junk gets malformedRequest, never an HTTP error."""
    with p.store.transaction() as uow:
        return p.pki.answer_ocsp(uow, request_der, p.now())


def ocsp_get(p: Platform, path_segment: str) -> bytes:
    try:
        der = ocsp_request_from_get(path_segment)
    except MalformedRequest:
        der = b""
    return ocsp(p, der)


def timestamp(p: Platform, request_der: bytes) -> bytes:
    with p.store.transaction() as uow:
        return p.pki.timestamp(uow, request_der, p.now())
