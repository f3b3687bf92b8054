"""The signed record and QR claim set of docs/formats.md, canonical JSON and JWS.

Canonicalisation is RFC 8785 (the `rfc8785` package); signing goes through
`ca.jws.sign_jws` with a `ca` `Signer`, so no key material is seen here.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import rfc8785

from ca.jws import sign_jws
from ca.signer import Signer, der_to_raw_signature
from certificate_store.db import UnitOfWork
from issuer.masking import display_holder

RECORD_SPEC = "ecert/record/1"
QR_SPEC = "ecert/qr/2"
RECORD_TYP = "ecert-record+jws"
QR_TYP = "eqr"
"""`typ` of an ``ecert/qr/2`` JWS (``ecert/qr/1`` used ``ecert-qr+jws``)."""
ORGANISATION_KIND = "001"
QR_KID_CHARS = 12
"""A QR JWS names its key by ``kid``: the first 12 characters of the certificate's x5t#S256."""
CHINA = ZoneInfo("Asia/Shanghai")


class AuditRecorder(Protocol):
    """What issuer needs of `audit_log.log.AuditLog`: append an entry in the caller's uow."""

    def record(self, uow: UnitOfWork, *, now: dt.datetime, actor: str, actor_dept: str | None,
               role: str, action: str, cert_identifier: str | None, purpose: str | None,
               request_id: str | None, details: Mapping[str, Any]) -> Any: ...


def canonical_bytes(value: Any) -> bytes:
    """RFC 8785 (JCS) canonical UTF-8 JSON."""
    return rfc8785.dumps(value)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def x5t_s256(cert_der: bytes) -> str:
    return b64url(hashlib.sha256(cert_der).digest())


def sign_compact_jws(payload: bytes, signer: Signer, cert_der: bytes, *, typ: str,
                     include_x5c: bool) -> str:
    """Compact JWS, ES256, header {alg, typ, x5t#S256[, x5c]} over `payload` bytes as given."""
    return sign_jws(payload, signer, cert_der, include_x5c=include_x5c, typ=typ)


def qr_kid(cert_der: bytes) -> str:
    """``kid`` of an ``ecert/qr/2`` JWS: a prefix of the x5t#S256 the trust list is keyed by."""
    return x5t_s256(cert_der)[:QR_KID_CHARS]


def sign_qr_jws(payload: bytes, signer: Signer, cert_der: bytes) -> str:
    """Compact ES256 JWS with the short QR header ``{"alg","kid","typ"}`` (docs/formats.md)."""
    header = canonical_bytes({"alg": "ES256", "kid": qr_kid(cert_der), "typ": QR_TYP})
    signing_input = b64url(header) + "." + b64url(payload)
    raw = der_to_raw_signature(signer.sign(signing_input.encode("ascii")))
    return signing_input + "." + b64url(raw)


def require_utc(now: dt.datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")


def utc_z(t: dt.datetime) -> str:
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError("naive datetime")
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def china_date(t: dt.datetime) -> dt.date:
    """The calendar date in China (UTC+8) of an aware instant."""
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError("naive datetime")
    return t.astimezone(CHINA).date()


def day_start_utc(d: dt.date) -> dt.datetime:
    return dt.datetime(d.year, d.month, d.day, tzinfo=CHINA).astimezone(dt.UTC)


def end_of_day_utc(d: dt.date) -> dt.datetime:
    """The instant a certificate valid *through* date `d` (China time) stops being valid."""
    return day_start_utc(d + dt.timedelta(days=1))


def valid_to_date(valid_to: dt.datetime | None) -> dt.date | None:
    return None if valid_to is None else china_date(valid_to - dt.timedelta(microseconds=1))


@dataclass(frozen=True)
class Holder:
    name: str
    code: str
    code_kind: str  # 111 | 001


def build_record(*, identifier: str, version: int, previous: str | None, type_code: str,
                 type_name: str, type_version: int, licence_number: str, issuer_name: str,
                 issuer_code: str, issue_date: dt.date, holder: Holder,
                 valid_from: dt.date | None, valid_to: dt.date | None, signer_name: str,
                 signed_at: dt.datetime, seal: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "spec": RECORD_SPEC,
        "identifier": identifier,
        "version": version,
        "previous": previous,
        "type": {"code": type_code, "name": type_name, "version": type_version},
        "name": type_name,
        "licence_number": licence_number,
        "issuer": {"name": issuer_name, "code": issuer_code},
        "issue_date": issue_date.isoformat(),
        "holder": {"name": holder.name, "code": holder.code, "code_kind": holder.code_kind},
        "validity": {"from": None if valid_from is None else valid_from.isoformat(),
                     "to": None if valid_to is None else valid_to.isoformat()},
        "signer": signer_name,
        "signed_at": utc_z(signed_at),
        "seal": seal,
        "fields": dict(fields),
    }


def build_qr_claims(record: Mapping[str, Any], record_sha256_hex: str,
                    iat: dt.datetime) -> dict[str, Any]:
    """The ``ecert/qr/2`` claim set (docs/formats.md) for a stored record.

    Type and issuer codes are not repeated: both are parts of the signed identifier. Type and
    issuer names are not carried: the page takes them from the live status and the trust list.
    An organisation holder is named by its USCC alone (``hc``, in full: it is unique and
    public); citizens by masked name ``h`` and masked ID number ``hc``.
    """
    kind = record["holder"].get("code_kind")
    holder_name, holder_code = display_holder(record["holder"]["name"], record["holder"]["code"],
                                              kind)
    claims: dict[str, Any] = {
        "spec": QR_SPEC,
        "id": record["identifier"],
        "h": holder_name,
        "hc": holder_code,
        "vf": record["validity"]["from"],
        "vt": record["validity"]["to"],
        "iat": int(iat.timestamp()),
        "rh": b64url(bytes.fromhex(record_sha256_hex)[:16]),
    }
    if kind == ORGANISATION_KIND:
        del claims["h"]
    return claims
