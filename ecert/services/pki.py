"""The public PKI endpoints' work: certificates as PEM, CRL, OCSP and time stamps.

Routes call these; each opens one short transaction on the platform's store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ca.certs import pem
from ca.errors import MalformedRequest
from ca.ocsp import ocsp_request_from_get

if TYPE_CHECKING:
    from ecert.platform import Platform

SERVICE_KINDS = ("tsa", "ocsp", "audit", "lists")


def root_der(p: Platform) -> bytes:
    with p.store.transaction() as uow:
        return p.pki.root_cert(uow)


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
    return pem(root_der(p))


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
