"""Evidence from the store: the signing key a JWS names, the live status, the version asked
for, and the small parsing helpers every path shares (aware time, JWS, signing time)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from ca.certs import describe_cert, verify_chain
from ca.errors import CaError
from ca.jws import ParsedJws, parse_jws
from certificate_store import UnitOfWork
from certificate_store.records import CertificateRecord, PkiCertRecord, VersionRecord
from certificate_store.repos.audit import EntryFilter
from formats.chinatime import valid_to_date
from formats.identifiers import Identifier
from formats.qr import record_hash_claim
from verifier.evidence import SigningKeyInfo, StatusInfo
from verifier.results import Check, VerificationResult, make_result


def require_aware(now: dt.datetime) -> dt.datetime:
    if type(now) is dt.datetime and now.tzinfo is dt.UTC:
        return now  # what astimezone(UTC) returns for it (every verification passes here)
    if not isinstance(now, dt.datetime) or now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    return now.astimezone(dt.UTC)


def parse_jws_or_none(text: str, max_chars: int) -> ParsedJws | None:
    try:
        return parse_jws(text, max_chars)
    except CaError:
        return None


def signed_at(claims: Mapping[str, Any] | None) -> dt.datetime | None:
    """The signing time a claim set states: a record's ``signed_at``, else its ``iat``."""
    if claims is None:
        return None
    if "signed_at" in claims:
        v = claims["signed_at"]
        if isinstance(v, str) and v.endswith("Z"):
            try:
                return dt.datetime.fromisoformat(v[:-1] + "+00:00")
            except ValueError:
                return None
        return None
    return epoch_seconds(claims.get("iat"))


def epoch_seconds(value: object) -> dt.datetime | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**40:
        return dt.datetime.fromtimestamp(value, dt.UTC)
    return None


def root_der_of(uow: UnitOfWork) -> bytes | None:
    root = uow.pki.active("root")
    return None if root is None else root.der


def key_from_pki(rec: PkiCertRecord, root_der: bytes | None,
                 acts_for: frozenset[str] = frozenset(),
                 cas: tuple[bytes, ...] = ()) -> SigningKeyInfo:
    """``cas``: the issuing CA certificates (intermediates) the chain may pass through."""
    info = describe_cert(rec.der)
    chain_ok: bool | None = None
    if root_der is not None:
        root = describe_cert(root_der)
        try:
            verify_chain(rec.der, root_der, max(info.not_before, root.not_before), cas)
            chain_ok = True
        except CaError:
            chain_ok = False
    return SigningKeyInfo(
        x5t_s256=rec.x5t_s256,
        dept_code=rec.dept_code,
        public_key_der=info.public_key_der,
        not_before=rec.not_before,
        not_after=rec.not_after,
        state=rec.state,
        revoked_at=rec.revoked_at,
        revocation_reason=rec.revocation_reason,
        chain_ok=chain_ok,
        acts_for=acts_for,
    )


def department_key(uow: UnitOfWork, x5t_s256: str | None,
                   root_der: bytes | None) -> SigningKeyInfo | None:
    """The department signing key a JWS names, as the store knows it (None: not one of ours)."""
    rec = uow.pki.by_thumbprint(x5t_s256) if x5t_s256 else None
    if rec is None or rec.kind != "department":
        return None
    acts_for = uow.departments.predecessors(rec.dept_code) if rec.dept_code else frozenset()
    cas = tuple(r.der for r in uow.pki.certs(kind="issuing"))
    return key_from_pki(rec, root_der or root_der_of(uow), acts_for, cas)


def store_status(uow: UnitOfWork, cert: CertificateRecord,
                 located: VersionRecord | None = None) -> StatusInfo:
    """``located``: a version of ``cert`` already read (when current, not read again)."""
    if located is not None and located.certificate_id == cert.id \
            and located.version == cert.current_version:
        current: str | None = located.identifier
    else:
        try:
            current = uow.certificates.version(cert.id, cert.current_version).identifier
        except Exception:  # noqa: BLE001 - a missing current version only loses the link
            current = None
    vt = valid_to_date(cert.valid_to)
    return StatusInfo(cert.status, cert.current_version, vt, current, "store")


def not_found(ident: Identifier, now: dt.datetime,
              checks: tuple[Check, ...] = ()) -> VerificationResult:
    """No such version here: not-found, or undecided for a foreign identifier."""
    if ident.check_standard:
        check = Check.fail("exists", "not-found", "本平台无此证照（标识不存在）")
    else:
        check = Check.undecided(
            "exists", "foreign-identifier", "标识校验位非标准，可能为外省证照，请向签发地核验"
        )
    return make_result(
        [*checks, check], identifier=ident.text, checked_at=now,
        check_standard=ident.check_standard,
    )


def locate(uow: UnitOfWork, ident: Identifier) -> tuple[VersionRecord, CertificateRecord] | None:
    version = uow.certificates.version_by_identifier(ident.text)
    if version is None:
        return None
    return version, uow.certificates.get(version.certificate_id)


VERSION_ACTIONS = ("certificate.issue", "certificate.change")
"""The audit actions that bring a certificate version into being."""


def logged_before(uow: UnitOfWork, identifier: str, when: dt.datetime) -> bool:
    """The audit log shows version `identifier` issued (or changed into) before `when`."""
    for action in VERSION_ACTIONS:
        f = EntryFilter(action=action, cert_identifier=identifier, until=when)
        if uow.audit.list_entries(f, before=None, limit=1):
            return True
    return False


def store_vouches(uow: UnitOfWork, version: VersionRecord, key: SigningKeyInfo | None,
                  record_hash: object) -> bool:
    """A QR signed by a since-compromised key still counts only for the store's exact record
    (its ``rh``), sealed by that key and logged as issued before the compromise."""
    if key is None or key.revoked_at is None or version.signing_cert != key.x5t_s256:
        return False
    if record_hash != record_hash_claim(version.sha256):
        return False
    return logged_before(uow, version.identifier, key.revoked_at)
