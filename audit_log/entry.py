"""The leaf-entry serialisation (format version 1) and canonical JSON.

An audit entry's leaf bytes are the canonical JSON (RFC 8785 JCS output for this restricted
shape) of exactly these members, UTF-8 encoded, no whitespace, keys sorted::

    {"action": str, "actor": str, "actor_dept": str|null, "cert_identifier": str|null,
     "created_at": "YYYY-MM-DDTHH:MM:SS.ffffffZ", "details_sha256": hex,
     "idx": int, "purpose": str|null, "request_id": str|null, "role": str, "v": 1}

``details_sha256`` is the lower-case hex SHA-256 of the canonical JSON of the details object;
the leaf commits to the details only through that hash, so the details text can be stored
(and shown) separately. Details may hold only objects with string keys, arrays, strings,
booleans, null and integers of magnitude below 2**53 (no floats: their text form is not
canonical across languages).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from audit_log.errors import InvalidEntry

LEAF_FORMAT_VERSION = 1
_MAX_SAFE_INT = 2**53 - 1


def _canon(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        if abs(value) > _MAX_SAFE_INT:
            raise InvalidEntry("integer outside the JSON-safe range")
        return str(int(value))
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, Mapping):
        for k in value:
            if not isinstance(k, str):
                raise InvalidEntry("object keys must be strings")
        # JCS orders members by the UTF-16 code units of their names (for ASCII names that is
        # the plain order).
        keys = sorted(value) if all(k.isascii() for k in value) else sorted(
            value, key=lambda s: s.encode("utf-16-be"))
        return "{" + ",".join(_string(k) + ":" + _canon(value[k]) for k in keys) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_canon(v) for v in value) + "]"
    raise InvalidEntry(f"value of type {type(value).__name__} is not allowed in audit JSON")


# What json.dumps(s, ensure_ascii=False) returns for a str. A string that is not valid Unicode
# (a lone surrogate) passes through it and fails the final UTF-8 encoding (_utf8).
_string = json.encoder.encode_basestring


def _nullable(value: str | None) -> str:
    return "null" if value is None else _string(value)


def _utf8(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidEntry("string is not valid Unicode") from exc


def canonical_json(value: Any) -> bytes:
    """Canonical UTF-8 JSON of ``value`` (JCS for the types allowed above)."""
    return _utf8(_canon(value))


def format_time(t: dt.datetime) -> str:
    if t.tzinfo is not dt.UTC:
        if t.tzinfo is None or t.utcoffset() is None:
            raise InvalidEntry("naive datetime in an audit entry")
        t = t.astimezone(dt.UTC)
    if t.year < 1000:  # strftime's own (platform) form of small years, as before
        return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    # the strftime form above, written out (twice as fast; runs once per entry and per verify)
    return (f"{t.year}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}."
            f"{t.microsecond:06d}Z")


def details_sha256(details_json: bytes) -> str:
    return hashlib.sha256(details_json).hexdigest()


def leaf_bytes(
    *,
    idx: int,
    created_at: dt.datetime,
    actor: str,
    actor_dept: str | None,
    role: str,
    action: str,
    cert_identifier: str | None,
    purpose: str | None,
    request_id: str | None,
    details_hash: str,
) -> bytes:
    """Leaf input, format version 1 (see module docstring and docs/audit-log.md)."""
    if not (  # the common case in one expression; anything else gets the named checks below
        type(actor) is str and type(role) is str and type(action) is str  # noqa: E721
        and actor and role and action and type(details_hash) is str  # noqa: E721
        and type(idx) is int and -_MAX_SAFE_INT <= idx <= _MAX_SAFE_INT  # noqa: E721
        and (actor_dept is None or type(actor_dept) is str)  # noqa: E721
        and (cert_identifier is None or type(cert_identifier) is str)  # noqa: E721
        and (purpose is None or type(purpose) is str)  # noqa: E721
        and (request_id is None or type(request_id) is str)  # noqa: E721
    ):
        _check_fields(idx, actor, actor_dept, role, action, cert_identifier, purpose,
                      request_id, details_hash)
    # canonical_json of the eleven members, written out in their JCS order (a test checks it
    # against the generic form): this runs once per entry on append and on audit verify.
    text = (
        f'{{"action":{_string(action)},"actor":{_string(actor)},'
        f'"actor_dept":{_nullable(actor_dept)},"cert_identifier":{_nullable(cert_identifier)},'
        f'"created_at":"{format_time(created_at)}","details_sha256":{_string(details_hash)},'
        f'"idx":{idx},"purpose":{_nullable(purpose)},"request_id":{_nullable(request_id)},'
        f'"role":{_string(role)},"v":{LEAF_FORMAT_VERSION}}}'
    )
    return _utf8(text)


def _check_fields(idx: object, actor: object, actor_dept: object, role: object, action: object,
                  cert_identifier: object, purpose: object, request_id: object,
                  details_hash: object) -> None:
    for name, v in (("actor", actor), ("role", role), ("action", action)):
        if not isinstance(v, str) or not v:
            raise InvalidEntry(f"{name} must be a non-empty string")
    optional = (
        ("actor_dept", actor_dept),
        ("cert_identifier", cert_identifier),
        ("purpose", purpose),
        ("request_id", request_id),
    )
    for name, opt in optional:
        if opt is not None and not isinstance(opt, str):
            raise InvalidEntry(f"{name} must be a string or None")
    if not isinstance(idx, int) or isinstance(idx, bool) or abs(idx) > _MAX_SAFE_INT:
        raise InvalidEntry("idx must be a JSON-safe integer")
    if not isinstance(details_hash, str):
        raise InvalidEntry("details hash must be a string")
