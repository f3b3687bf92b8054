"""Verification by identifier (the store's version, or a JWS found elsewhere for it).

Every path gathers :class:`~verifier.evidence.Evidence` and runs its policy; the verdict is
derived once, in :func:`verifier.results.derive_verdict`. Untrusted input that is not even
of the right shape raises :class:`~verifier.errors.MalformedInput`; anything well formed
gives a :class:`~verifier.results.VerificationResult`. The QR paths live in
:mod:`verifier.qr` (re-exported here), PDFs in :mod:`verifier.pdf`, presentation tokens in
:mod:`verifier.presentation`; the latter two build on :func:`verify_stored_version`.
"""

from __future__ import annotations

import datetime as dt

from certificate_store import UnitOfWork
from certificate_store.records import CertificateRecord, VersionRecord
from formats.identifiers import Identifier, parse_identifier
from formats.record import RECORD_TYP
from formats.status import Verdict
from verifier.cosign import cosign_check
from verifier.display import display_fields
from verifier.evidence import Evidence, decode_claims
from verifier.gather import (
    key_from_pki,
    locate,
    not_found,
    parse_jws_or_none,
    require_aware,
    signed_at,
    store_status,
)
from verifier.policy import IDENTIFIER_POLICY
from verifier.qr import parse_qr, verify_qr, verify_qr_online
from verifier.results import VerificationResult, make_result
from verifier.trustcache import Trust


def verify_identifier(
    uow: UnitOfWork, identifier: str, now: dt.datetime, *, root_der: bytes | None = None,
    trust: Trust | None = None,
) -> VerificationResult:
    """Verify the stored version ``identifier``: its JWS, signing certificate, hash, status.
    ``trust``: where the key and type rows come from (default: read from ``uow``)."""
    now = require_aware(now)
    ident = parse_identifier(identifier)
    found = locate(uow, ident)
    if found is None:
        return not_found(ident, now)
    version, cert = found
    return verify_stored_version(uow, ident, version, cert, now, root_der=root_der, trust=trust)


def verify_stored_version(
    uow: UnitOfWork,
    ident: Identifier,
    version: VersionRecord,
    cert: CertificateRecord,
    now: dt.datetime,
    *,
    root_der: bytes | None = None,
    jws: str | None = None,
    trust: Trust | None = None,
) -> VerificationResult:
    """Verify a version of the store; ``jws`` replaces the stored JWS (e.g. one from a PDF)."""
    text = version.jws if jws is None else jws
    parsed = parse_jws_or_none(text, 1024 * 1024)
    claims = decode_claims(parsed.payload) if parsed else None
    thumb = parsed.x5t_s256 if parsed and parsed.x5t_s256 else version.signing_cert
    trust = trust or Trust.fresh(uow)
    status = store_status(uow, cert, version)
    ev = Evidence(
        now=now,
        identifier=ident,
        jws=text,
        parsed=parsed,
        expected_typ=RECORD_TYP,
        key=trust.department_key(thumb, root_der),
        claims=claims,
        signed_at=signed_at(claims),
        stored_sha256=version.sha256,
        stored_canonical=version.canonical,
        status=status,
    )
    checks = list(IDENTIFIER_POLICY.evaluate(ev))
    co = cosign_check(uow, cert, version, trust)
    if co is not None:
        checks.append(co)
    return make_result(
        checks,
        identifier=ident.text,
        checked_at=now,
        status_code=cert.status,
        current_identifier=status.current_identifier,
        display=display_fields(claims),
        check_standard=ident.check_standard,
    )


__all__ = [
    "verify_identifier",
    "verify_stored_version",
    "verify_qr",
    "verify_qr_online",
    "parse_qr",
    "display_fields",
    "key_from_pki",
    "Verdict",
]
