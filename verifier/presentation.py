"""Presentation tokens (亮证, Art. 16): made for the holder, verified for the staff page.

A token is a compact JWS (``ecert-presentation+jws``) the holder's phone shows as a QR; it
names one certificate version and expires after ``ttl`` (120 s by default) so that a
screenshot replayed later reads ``expired``. Verifying one runs
:data:`~verifier.policy.PRESENTATION_POLICY` over the token (signature, the signing key's
chain and state *now*, the department acting for the issuer, the token's lifetime) and then
the stored version it names through the identifier policy (record signature and hash,
live status, validity, superseded): there is no other way to a verdict.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from audit_log.actor import Actor
from audit_log.log import AuditLog
from ca.jws import canonical_json, sign_jws
from ca.signer import Signer
from certificate_store import UnitOfWork
from formats.errors import MalformedIdentifier
from formats.identifiers import Identifier, parse_identifier
from verifier.evidence import Evidence, decode_claims
from verifier.gather import (
    department_key,
    epoch_seconds,
    locate,
    not_found,
    parse_jws_or_none,
    require_aware,
)
from verifier.policy import PRESENTATION_POLICY
from verifier.results import Check, VerificationResult, make_result
from verifier.verify import verify_stored_version

PRESENTATION_TYP = "ecert-presentation+jws"
PRESENTATION_SPEC = "ecert/presentation/1"
DEFAULT_TTL = dt.timedelta(seconds=120)
MAX_TOKEN_CHARS = 2048
# The presentation reason the staff page speaks of, from the first token check not passed.
_REASONS = {"malformed": "malformed", "wrong-type": "malformed", "expired": "expired",
            "not-yet-valid": "not-yet-valid", "signed-in-future": "not-yet-valid"}


@dataclass(frozen=True)
class PresentationResult:
    reason: str  # ok | expired | not-yet-valid | bad-signature | malformed
    identifier: str | None
    """The certificate named, once the token's signature is verified (else None)."""
    issued_at: dt.datetime | None
    expires_at: dt.datetime | None
    verification: VerificationResult
    """Every check: the token's, then the stored version's; its verdict is the one to show."""

    @property
    def ok(self) -> bool:
        return self.reason == "ok"


def presentation_token(
    identifier: str,
    signer: Signer,
    cert_der: bytes,
    now: dt.datetime,
    ttl: dt.timedelta = DEFAULT_TTL,
) -> str:
    """A compact JWS naming ``identifier``, valid from ``now`` for ``ttl``."""
    ident = parse_identifier(identifier)
    iat = int(now.timestamp())
    claims = {
        "spec": PRESENTATION_SPEC,
        "id": ident.text,
        "iat": iat,
        "exp": iat + int(ttl.total_seconds()),
        "jti": secrets.token_urlsafe(9),
    }
    return sign_jws(
        canonical_json(claims), signer, cert_der, include_x5c=False, typ=PRESENTATION_TYP
    )


def _token_claims(payload: bytes) -> tuple[Identifier, Mapping[str, Any], dt.datetime,
                                           dt.datetime] | None:
    """(identifier, claims as the policy reads them, iat, exp), or None if not well formed."""
    claims = decode_claims(payload)
    if claims is None or claims.get("spec") != PRESENTATION_SPEC:
        return None
    iat, exp = epoch_seconds(claims.get("iat")), epoch_seconds(claims.get("exp"))
    try:
        ident = parse_identifier(claims.get("id"))
    except MalformedIdentifier:
        return None
    if iat is None or exp is None:
        return None
    # the token binds the issuer through its identifier, as ecert/qr/2 does
    return ident, {"id": ident.text, "iss": ident.issuer_code}, iat, exp


def _reason(checks: tuple[Check, ...]) -> str:
    first = next((c for c in checks if c.passed is not True), None)
    return "ok" if first is None else _REASONS.get(first.reason, "bad-signature")


def verify_presentation(
    uow: UnitOfWork, token: str, now: dt.datetime, *, root_der: bytes | None = None
) -> PresentationResult:
    """Verify a presentation token and the certificate version it names."""
    now = require_aware(now)
    text = token if isinstance(token, str) and len(token) <= MAX_TOKEN_CHARS else ""
    parsed = parse_jws_or_none(text, MAX_TOKEN_CHARS)
    read = _token_claims(parsed.payload) if parsed is not None else None
    ident, claims, iat, exp = read if read is not None else (None, None, None, None)
    ev = Evidence(
        now=now, identifier=ident, jws=text or None, parsed=parsed,
        expected_typ=PRESENTATION_TYP,
        key=department_key(uow, parsed.x5t_s256, root_der) if parsed else None,
        claims=claims, signed_at=iat, expires_at=exp,
    )
    checks = PRESENTATION_POLICY.evaluate(ev)
    signed = checks[0].passed is True
    named = ident.text if signed and ident is not None else None
    found = locate(uow, ident) if ident is not None else None
    if ident is None:
        result = make_result(checks, identifier=None, checked_at=now)
    elif found is None:
        result = not_found(ident, now, checks)
    else:
        version, cert = found
        stored = verify_stored_version(uow, ident, version, cert, now, root_der=root_der)
        result = make_result(
            checks + stored.checks, identifier=ident.text, checked_at=now,
            status_code=stored.status_code, current_identifier=stored.current_identifier,
            display=dict(stored.display), check_standard=ident.check_standard,
        )
    return PresentationResult(_reason(checks), named, iat if signed else None,
                              exp if signed else None, result)


def verify_presentation_audited(
    uow: UnitOfWork,
    actor: Actor,
    token: str,
    now: dt.datetime,
    *,
    audit: AuditLog,
    root_der: bytes | None = None,
) -> PresentationResult:
    """:func:`verify_presentation` for the staff page, audited (the holder sees it in who_looked)."""
    res = verify_presentation(uow, token, now, root_der=root_der)
    audit.record_by(
        uow,
        actor,
        now=now,
        action="certificate.presentation.verify",
        cert_identifier=res.identifier,
        details={"ok": res.ok, "reason": res.reason, "verdict": res.verification.verdict.value},
    )
    return res
