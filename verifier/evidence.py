"""What a verification path gathers before its policy runs (:class:`Evidence`), and the
accessors that read either claim shape (stored record, QR claim set, presentation token)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard

from ca.jws import ParsedJws
from formats.identifiers import Identifier
from formats.record import RECORD_TYP


@dataclass(frozen=True)
class SigningKeyInfo:
    """The signing certificate named by the JWS, as the store or the trust list knows it."""

    x5t_s256: str
    dept_code: str | None
    public_key_der: bytes
    not_before: dt.datetime
    not_after: dt.datetime
    state: str  # active | retired | revoked
    revoked_at: dt.datetime | None = None
    revocation_reason: str | None = None
    chain_ok: bool | None = None
    """Whether the certificate chains to the trusted root (None: not established)."""
    acts_for: frozenset[str] = frozenset()
    """Predecessor departments whose certificates this department now seals (Art. 9)."""


@dataclass(frozen=True)
class StatusInfo:
    code: str
    current_version: int
    valid_to: dt.date | None
    current_identifier: str | None
    source: str  # "store" | "status-list"


@dataclass(frozen=True)
class ListInfo:
    name: str  # "trust-list" | "status-list"
    issued_at: dt.datetime
    next_update: dt.datetime


@dataclass(frozen=True)
class Evidence:
    now: dt.datetime
    identifier: Identifier | None
    jws: str | None = None
    parsed: ParsedJws | None = None
    expected_typ: str = RECORD_TYP
    key: SigningKeyInfo | None = None
    claims: Mapping[str, Any] | None = None
    signed_at: dt.datetime | None = None
    stored_sha256: str | None = None
    stored_canonical: bytes | None = None
    status: StatusInfo | None = None
    lists: tuple[ListInfo, ...] = ()
    key_lookup_note: str | None = None
    """Why no key was found when ``key`` is None ("unknown-signer", "trust-list-older")."""
    store_vouches: bool = False
    """Online only: the store holds this exact record, signed by this key and logged as issued
    before the key's compromise (the one way a compromised key's signature still counts)."""
    expires_at: dt.datetime | None = None
    """End of a short-lived token's use (presentation tokens); None for everything else."""


# ------------------------------------------------------------------ claim accessors


def claim_identifier(claims: Mapping[str, Any]) -> Any:
    return claims.get("identifier", claims.get("id"))


def _is_mapping(value: Any) -> TypeGuard[Mapping[str, Any]]:
    """isinstance(value, Mapping) without the ABC machinery for the usual answers (a claim is
    mostly a str, None or a dict; this runs on every verification)."""
    if value is None or type(value) is str:
        return False
    return type(value) is dict or isinstance(value, Mapping)


def claim_issuer(claims: Mapping[str, Any]) -> Any:
    issuer = claims.get("issuer")
    if _is_mapping(issuer):
        return issuer.get("code")
    return claims.get("iss")


def claim_validity(claims: Mapping[str, Any]) -> tuple[Any, Any]:
    validity = claims.get("validity")
    if _is_mapping(validity):
        return validity.get("from"), validity.get("to")
    return claims.get("vf"), claims.get("vt")


def parse_date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) != 10:
        raise ValueError("not a date")
    return dt.date.fromisoformat(value)


_JSON = json.JSONDecoder()


def decode_claims(payload: bytes) -> Mapping[str, Any] | None:
    try:
        text = payload.decode("utf-8")
        try:  # a signed claim set is compact JSON: the scanner alone reads it
            obj, end = _JSON.raw_decode(text)
        except ValueError:
            end = -1
        if end != len(text):  # blanks, BOM, extra data, not JSON: json.loads decides as before
            obj = json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return obj if isinstance(obj, dict) else None
