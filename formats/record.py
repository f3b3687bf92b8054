"""The signed certificate record (``ecert/record/1``, docs/formats.md).

The record is RFC 8785 (JCS) canonical JSON; its SHA-256 is stored beside it and its compact
JWS (``typ`` `RECORD_TYP`, key named by ``x5t#S256``, certificate in ``x5c``) is what the
verifier checks. The caller signs: this module only says what the bytes are.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import rfc8785

from formats.chinatime import utc_z

RECORD_SPEC = "ecert/record/1"
RECORD_TYP = "ecert-record+jws"
RECORD_FIELDS = ("spec", "identifier", "version", "previous", "type", "name", "licence_number",
                 "issuer", "issue_date", "holder", "validity", "signer", "signed_at", "seal",
                 "fields", "status_index")
"""Top-level members of a record, in the order docs/formats.md lists them. ``status_index``
(the certificate's slot in the bitstring status list, issue #9) is absent from records
signed before indexes were given at issuance."""
HOLDER_FIELDS = ("name", "code", "code_kind", "confidential")
"""`confidential` (true, or absent) marks a holder never named on a public surface."""


def canonical_bytes(value: Any) -> bytes:
    """RFC 8785 (JCS) canonical UTF-8 JSON.

    Records hold strings, safe integers, booleans, nulls, dicts and lists; those are written
    here directly (issue 11: the `rfc8785` package's writer was a fifth of a bulk import's
    time). Anything else (floats, other types, lone surrogates, unsafe integers) goes to
    `rfc8785` whole, so the bytes and the errors are the package's; tests compare both.
    """
    try:
        return _jcs(value).encode("utf-8")
    except (_NotPlain, UnicodeEncodeError):
        return rfc8785.dumps(value)


class _NotPlain(Exception):
    """A value the direct writer leaves to `rfc8785`."""


_MAX_SAFE = 2**53 - 1
_string = json.encoder.encode_basestring  # the JCS escapes: \b \f \n \r \t, \u00xx, \" and \\


def _jcs(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return _string(value)
    if kind is dict:
        keys = list(value)
        try:  # one C call checks that every key is text and whether all of it is ASCII
            ascii_keys = "".join(keys).isascii()
        except TypeError:
            raise _NotPlain from None
        if not ascii_keys and not all(type(k) is str for k in keys):
            raise _NotPlain  # a str subclass (with ASCII names both writers agree)
        # members in the order of their names' UTF-16 code units (plain order for ASCII)
        keys.sort(key=None if ascii_keys else _utf16)
        return "{" + ",".join([_string(k) + ":" + _jcs(value[k]) for k in keys]) + "}"
    if kind is int and -_MAX_SAFE <= value <= _MAX_SAFE:
        return str(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is list or kind is tuple:
        return "[" + ",".join([_jcs(v) for v in value]) + "]"
    raise _NotPlain


def _utf16(key: str) -> bytes:
    return key.encode("utf-16-be", "surrogatepass")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Holder:
    name: str
    code: str
    code_kind: str  # 111 citizen ID number | 001 USCC (formats.masking)
    confidential: bool = False  # e.g. an informant (举报人信息保密): never shown publicly


def build_record(*, identifier: str, version: int, previous: str | None, type_code: str,
                 type_name: str, type_version: int, licence_number: str, issuer_name: str,
                 issuer_code: str, issue_date: dt.date, holder: Holder,
                 valid_from: dt.date | None, valid_to: dt.date | None, signer_name: str,
                 signed_at: dt.datetime, seal: str, fields: Mapping[str, Any],
                 status_index: int | None = None) -> dict[str, Any]:
    """The record of one certificate version, as signed."""
    record: dict[str, Any] = {
        "spec": RECORD_SPEC,
        "identifier": identifier,
        "version": version,
        "previous": previous,
        "type": {"code": type_code, "name": type_name, "version": type_version},
        "name": type_name,
        "licence_number": licence_number,
        "issuer": {"name": issuer_name, "code": issuer_code},
        "issue_date": issue_date.isoformat(),
        "holder": {"name": holder.name, "code": holder.code, "code_kind": holder.code_kind,
                   **({"confidential": True} if holder.confidential else {})},
        "validity": {"from": None if valid_from is None else valid_from.isoformat(),
                     "to": None if valid_to is None else valid_to.isoformat()},
        "signer": signer_name,
        "signed_at": utc_z(signed_at),
        "seal": seal,
        "fields": dict(fields),
    }
    if status_index is not None:
        record["status_index"] = status_index
    return record
