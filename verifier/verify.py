"""Verification paths: by identifier (store), by QR (offline and online).

Every path gathers :class:`~verifier.policy.Evidence` and runs its policy; the verdict is
derived once, in :func:`verifier.results.derive_verdict`. Untrusted input that is not even
of the right shape raises :class:`~verifier.errors.MalformedInput`; anything well formed
gives a :class:`~verifier.results.VerificationResult`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import urllib.parse
from collections.abc import Mapping
from typing import Any

from ca.certs import describe_cert, verify_chain
from ca.errors import CaError
from ca.jws import ParsedJws, parse_jws
from certificate_store import UnitOfWork
from certificate_store.records import CertificateRecord, PkiCertRecord, VersionRecord
from formats.chinatime import valid_to_date
from formats.errors import MalformedIdentifier
from formats.identifiers import Identifier, parse_identifier
from formats.keyids import is_kid
from formats.masking import display_holder
from formats.qr import QR1_TYP, QR2_SPEC, QR2_TYP, QR_SPEC_PREFIX
from formats.record import RECORD_TYP
from formats.status import Verdict
from verifier.errors import MalformedInput
from verifier.lists import StatusList, TrustList
from verifier.policy import (
    IDENTIFIER_POLICY,
    QR_OFFLINE_POLICY,
    QR_ONLINE_POLICY,
    Evidence,
    SigningKeyInfo,
    StatusInfo,
    decode_claims,
)
from verifier.results import Check, VerificationResult, make_result

MAX_QR_CHARS = 4096
_PATH_RE = re.compile(r"(?:.*/)?v/([^/?#]+)/?")


# ------------------------------------------------------------------ helpers


def _require_aware(now: dt.datetime) -> dt.datetime:
    if not isinstance(now, dt.datetime) or now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    return now.astimezone(dt.UTC)


def _parse_jws_or_none(text: str, max_chars: int) -> ParsedJws | None:
    try:
        return parse_jws(text, max_chars)
    except CaError:
        return None


def _signed_at(claims: Mapping[str, Any] | None) -> dt.datetime | None:
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
    iat = claims.get("iat")
    if isinstance(iat, int) and not isinstance(iat, bool) and 0 <= iat < 2**40:
        return dt.datetime.fromtimestamp(iat, dt.UTC)
    return None


def _root_der(uow: UnitOfWork) -> bytes | None:
    root = uow.pki.active("root")
    return None if root is None else root.der


def key_from_pki(rec: PkiCertRecord, root_der: bytes | None,
                 acts_for: frozenset[str] = frozenset()) -> SigningKeyInfo:
    info = describe_cert(rec.der)
    chain_ok: bool | None = None
    if root_der is not None:
        root = describe_cert(root_der)
        try:
            verify_chain(rec.der, root_der, max(info.not_before, root.not_before))
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


def _department_key(uow: UnitOfWork, x5t_s256: str | None,
                    root_der: bytes | None) -> SigningKeyInfo | None:
    """The department signing key a JWS names, as the store knows it (None: not one of ours)."""
    rec = uow.pki.by_thumbprint(x5t_s256) if x5t_s256 else None
    if rec is None or rec.kind != "department":
        return None
    acts_for = uow.departments.predecessors(rec.dept_code) if rec.dept_code else frozenset()
    return key_from_pki(rec, root_der or _root_der(uow), acts_for)


def display_fields(
    claims: Mapping[str, Any] | None, issuer_name: str | None = None
) -> dict[str, str]:
    """Fields safe to show anyone: holder name/code masked; no type-specific fields.

    ``issuer_name``: the department's name from the trust list or the store, shown for QR
    claim sets that do not carry it (``ecert/qr/2``).
    """
    if claims is None:
        return {}
    out: dict[str, str] = {}

    def put(key: str, value: Any) -> None:
        if isinstance(value, str | int) and not isinstance(value, bool):
            out[key] = str(value)

    if "spec" in claims and str(claims.get("spec", "")).startswith(QR_SPEC_PREFIX):
        put("name", claims.get("tn"))
        put("type_code", claims.get("t"))
        put("holder", claims.get("h"))
        put("holder_code", claims.get("hc"))
        put("issuer", claims.get("in") or issuer_name)
        put("issuer_code", claims.get("iss"))
        put("valid_from", claims.get("vf"))
        put("valid_to", claims.get("vt") or "长期")
        return out
    put("name", claims.get("name"))
    t = claims.get("type")
    if isinstance(t, Mapping):
        put("type_code", t.get("code"))
    put("licence_number", claims.get("licence_number"))
    iss = claims.get("issuer")
    if isinstance(iss, Mapping):
        put("issuer", iss.get("name"))
        put("issuer_code", iss.get("code"))
    put("issue_date", claims.get("issue_date"))
    h = claims.get("holder")
    if isinstance(h, Mapping) and isinstance(h.get("name"), str) and isinstance(h.get("code"), str):
        out["holder"], out["holder_code"] = display_holder(h["name"], h["code"], h.get("code_kind"))
    v = claims.get("validity")
    if isinstance(v, Mapping):
        put("valid_from", v.get("from"))
        out["valid_to"] = str(v.get("to")) if v.get("to") else "长期"
    put("version", claims.get("version"))
    return out


def _store_status(uow: UnitOfWork, cert: CertificateRecord) -> StatusInfo:
    try:
        current = uow.certificates.version(cert.id, cert.current_version).identifier
    except Exception:  # noqa: BLE001 - a missing current version only loses the link
        current = None
    vt = valid_to_date(cert.valid_to)
    return StatusInfo(cert.status, cert.current_version, vt, current, "store")


def _not_found(ident: Identifier, now: dt.datetime) -> VerificationResult:
    if ident.check_standard:
        check = Check.fail("exists", "not-found", "本平台无此证照（标识不存在）")
    else:
        check = Check.undecided(
            "exists", "foreign-identifier", "标识校验位非标准，可能为外省证照，请向签发地核验"
        )
    return make_result(
        [check], identifier=ident.text, checked_at=now, check_standard=ident.check_standard
    )


def _locate(uow: UnitOfWork, ident: Identifier) -> tuple[VersionRecord, CertificateRecord] | None:
    version = uow.certificates.version_by_identifier(ident.text)
    if version is None:
        return None
    return version, uow.certificates.get(version.certificate_id)


# ------------------------------------------------------------------ by identifier


def verify_identifier(
    uow: UnitOfWork, identifier: str, now: dt.datetime, *, root_der: bytes | None = None
) -> VerificationResult:
    """Verify the stored version ``identifier``: its JWS, signing certificate, hash, status."""
    now = _require_aware(now)
    ident = parse_identifier(identifier)
    found = _locate(uow, ident)
    if found is None:
        return _not_found(ident, now)
    version, cert = found
    return verify_stored_version(uow, ident, version, cert, now, root_der=root_der)


def verify_stored_version(
    uow: UnitOfWork,
    ident: Identifier,
    version: VersionRecord,
    cert: CertificateRecord,
    now: dt.datetime,
    *,
    root_der: bytes | None = None,
    jws: str | None = None,
) -> VerificationResult:
    """Verify a version of the store; ``jws`` replaces the stored JWS (e.g. one from a PDF)."""
    text = version.jws if jws is None else jws
    parsed = _parse_jws_or_none(text, 1024 * 1024)
    claims = decode_claims(parsed.payload) if parsed else None
    thumb = parsed.x5t_s256 if parsed and parsed.x5t_s256 else version.signing_cert
    key = _department_key(uow, thumb, root_der)
    status = _store_status(uow, cert)
    ev = Evidence(
        now=now,
        identifier=ident,
        jws=text,
        parsed=parsed,
        expected_typ=RECORD_TYP,
        key=key,
        claims=claims,
        signed_at=_signed_at(claims),
        stored_sha256=version.sha256,
        stored_canonical=version.canonical,
        status=status,
    )
    return make_result(
        IDENTIFIER_POLICY.evaluate(ev),
        identifier=ident.text,
        checked_at=now,
        status_code=cert.status,
        current_identifier=status.current_identifier,
        display=display_fields(claims),
        check_standard=ident.check_standard,
    )


# ------------------------------------------------------------------ QR


def parse_qr(text: object) -> tuple[str | None, str]:
    """Split a citizen QR: ``https://…/v/<identifier>#<jws>``, ``/v/<id>#<jws>``, or ``#<jws>``.

    Returns (identifier from the path or None, compact JWS). Raises :class:`MalformedInput`.
    """
    if not isinstance(text, str) or not text or len(text) > MAX_QR_CHARS:
        raise MalformedInput("不是本平台的证照二维码 / not an ecert QR code")
    text = text.strip()
    if "#" not in text:
        raise MalformedInput("不是本平台的证照二维码 / not an ecert QR code")
    before, _, fragment = text.partition("#")
    ident: str | None = None
    if before:
        try:
            parts = urllib.parse.urlsplit(before)
        except ValueError as exc:
            raise MalformedInput("不是本平台的证照二维码 / not an ecert QR code") from exc
        if parts.scheme and parts.scheme not in ("https", "http"):
            raise MalformedInput("不是本平台的证照二维码 / not an ecert QR code")
        m = _PATH_RE.fullmatch(parts.path)
        if m is None or parts.query:
            raise MalformedInput("不是本平台的证照二维码 / not an ecert QR code")
        ident = urllib.parse.unquote(m.group(1))
    if not fragment or not fragment.isascii() or fragment.count(".") != 2:
        raise MalformedInput("不是本平台的证照二维码 / not an ecert QR code")
    return ident, fragment


def _qr_input(
    url_or_fragment: object,
) -> tuple[Identifier, str, ParsedJws, Mapping[str, Any] | None]:
    path_id, jws = parse_qr(url_or_fragment)
    try:
        parsed = parse_jws(jws, MAX_QR_CHARS)
    except CaError as exc:
        raise MalformedInput("不是本平台的证照二维码 / not an ecert QR code") from exc
    claims = decode_claims(parsed.payload)
    raw_id = path_id if path_id is not None else (claims or {}).get("id")
    ident = parse_identifier(raw_id)
    return ident, jws, parsed, claims


def _qr_claims_view(claims: Mapping[str, Any] | None) -> tuple[str, Mapping[str, Any] | None]:
    """(expected ``typ``, claims as the policy reads them) for either QR spec.

    ``ecert/qr/2`` does not repeat the type and issuer codes: they are read here from the
    signed ``id`` (so they are exactly as bound as before); names it never carries are dropped.
    An ``id`` that does not parse leaves them out, and the issuer check then fails.
    """
    if claims is None or claims.get("spec") != QR2_SPEC:
        return QR1_TYP, claims
    view = {k: v for k, v in claims.items() if k not in ("t", "iss", "tn", "in")}
    try:
        signed_id = parse_identifier(claims.get("id"))
    except MalformedIdentifier:
        return QR2_TYP, view
    view["t"] = signed_id.type_code
    view["iss"] = signed_id.issuer_code
    return QR2_TYP, view


def _qr_kid(parsed: ParsedJws) -> str | None:
    kid = parsed.header.get("kid")
    return kid if is_kid(kid) else None


def _by_kid(thumbprints: Any, kid: str | None) -> str | None:
    """The one thumbprint that starts with ``kid`` (None if none or, never seen, several)."""
    if kid is None:
        return None
    found = [t for t in thumbprints if isinstance(t, str) and t.startswith(kid)]
    return found[0] if len(found) == 1 else None


def _named(parsed: ParsedJws, x5t: str | None) -> ParsedJws:
    """``parsed`` with the thumbprint its ``kid`` resolved to, for the signature check."""
    if x5t is None or parsed.x5t_s256 is not None:
        return parsed
    return dataclasses.replace(parsed, x5t_s256=x5t)


def verify_qr(
    url_or_fragment: str, trust_list: TrustList, status_list: StatusList, now: dt.datetime
) -> VerificationResult:
    """Offline: the claim set's signature against the trust list, status from the status list."""
    now = _require_aware(now)
    ident, jws, parsed, raw_claims = _qr_input(url_or_fragment)
    expected_typ, claims = _qr_claims_view(raw_claims)
    signed_at = _signed_at(claims)
    if parsed.x5t_s256 is None:
        parsed = _named(parsed, _by_kid(trust_list.keys, _qr_kid(parsed)))
    trusted = trust_list.keys.get(parsed.x5t_s256 or "")
    note = None
    if trusted is None:
        note = (
            "trust-list-older"
            if signed_at is not None and signed_at > trust_list.issued_at
            else "unknown-signer"
        )
    entry = status_list.entries.get(ident.base)
    status = None
    if entry is not None:
        status = StatusInfo(entry.status, entry.version, entry.valid_to, None, "status-list")
    ev = Evidence(
        now=now,
        identifier=ident,
        jws=jws,
        parsed=parsed,
        expected_typ=expected_typ,
        key=trusted.key if trusted else None,
        claims=claims,
        signed_at=signed_at,
        status=status,
        lists=(trust_list.info, status_list.info),
        key_lookup_note=note,
    )
    ages = {
        "trust-list": (now - trust_list.issued_at).total_seconds(),
        "status-list": (now - status_list.issued_at).total_seconds(),
    }
    current = None
    if entry is not None and entry.version > ident.version:
        current = f"{ident.base}.{entry.version:03d}"  # check char unknown offline
    return make_result(
        QR_OFFLINE_POLICY.evaluate(ev),
        identifier=ident.text,
        checked_at=now,
        status_code=entry.status if entry else None,
        current_identifier=current,
        display=display_fields(claims, trusted.dept_name if trusted else None),
        list_ages=ages,
        check_standard=ident.check_standard,
    )


def verify_qr_online(
    uow: UnitOfWork, url: str, now: dt.datetime, *, root_der: bytes | None = None
) -> VerificationResult:
    """Online: the claim set against the store's signing certificate and live status."""
    now = _require_aware(now)
    ident, jws, parsed, raw_claims = _qr_input(url)
    expected_typ, claims = _qr_claims_view(raw_claims)
    found = _locate(uow, ident)
    if found is None:
        return _not_found(ident, now)
    version, cert = found
    if parsed.x5t_s256 is None and _qr_kid(parsed) is not None:
        certs = [r.x5t_s256 for r in uow.pki.certs(kind="department")]
        parsed = _named(parsed, _by_kid(certs, _qr_kid(parsed)))
    key = _department_key(uow, parsed.x5t_s256, root_der)
    status = _store_status(uow, cert)
    ev = Evidence(
        now=now,
        identifier=ident,
        jws=jws,
        parsed=parsed,
        expected_typ=expected_typ,
        key=key,
        claims=claims,
        signed_at=_signed_at(claims),
        stored_sha256=version.sha256,
        status=status,
    )
    return make_result(
        QR_ONLINE_POLICY.evaluate(ev),
        identifier=ident.text,
        checked_at=now,
        status_code=cert.status,
        current_identifier=status.current_identifier,
        display=display_fields(claims, _dept_name(uow, claims)),
        check_standard=ident.check_standard,
    )


def _dept_name(uow: UnitOfWork, claims: Mapping[str, Any] | None) -> str | None:
    code = claims.get("iss") if claims else None
    dept = uow.departments.find(code) if isinstance(code, str) else None
    return None if dept is None else dept.name


__all__ = [
    "verify_identifier",
    "verify_stored_version",
    "verify_qr",
    "verify_qr_online",
    "parse_qr",
    "display_fields",
    "Verdict",
]
