"""Drafts of new certificates: the per-row work of a bulk issue that needs neither a key nor
the database — validation (text checks, schema, rules) and the record with its canonical
bytes — so that an import can do it in other processes (`issuer.draftpool`) while the parent
signs and writes (issue 11).

The serial, identifier, status-list slot and signing time are only known in the batch's
transaction (serial counter, `StatusIndexRepo.pick`, the batch's `now`), so a draft holds its
record with placeholders for them and its canonical bytes as a template with slots;
`Draft.complete` writes them in. The result is, byte for byte, `first_version(...)` and
`canonical_bytes` of its record (tests compare); a draft whose template could not be cut
(a placeholder turned up elsewhere in the record) is completed through `first_version`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from jsonschema.validators import Draft202012Validator

from formats.chinatime import utc_z
from formats.identifiers import base_identifier, make_identifier, make_serial
from formats.record import canonical_bytes
from issuer.catalog import CertificateData, CertificateType, validate_data
from issuer.errors import InvalidCertificateData
from issuer.ledger import FirstVersion, first_record, first_version

_SLOTS = ("serial", "identifier", "signed_at", "status_index")
_MARK = {slot: f"\x00{slot}\x00" for slot in _SLOTS}  # validated text never holds NUL
_MARK_BYTES = {canonical_bytes(mark): slot for slot, mark in _MARK.items()}
_SPLIT = re.compile(b"(" + b"|".join(re.escape(m) for m in _MARK_BYTES) + b")")
_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # replaced by the signed_at placeholder


@dataclass(frozen=True)
class DraftContext:
    """What the drafts of a batch were made for; a batch whose own context differs (a new
    catalog version, a renamed department, a batch after midnight) drafts its rows again."""

    ctype: CertificateType
    dept: str
    dept_name: str
    today: dt.date  # the China date of the batch's `now`: it numbers serials, defaults dates


@dataclass(frozen=True)
class Draft:
    """A validated request and its version-1 record, short of the batch's values."""

    data: CertificateData
    record: Mapping[str, Any]  # with placeholders
    template: tuple[bytes | str, ...] | None  # literal bytes and slot names, alternating
    valid_from: dt.date
    valid_to: dt.date | None

    def complete(self, ctx: DraftContext, counter: int, now: dt.datetime,
                 status_index: int | None) -> tuple[FirstVersion, bytes]:
        """`first_version(...)` of this draft and the canonical bytes of its record."""
        if self.template is None or type(status_index) is not int or \
                not 0 <= status_index <= _MAX_SAFE:
            fv = first_version(ctx.ctype, ctx.dept, ctx.dept_name, self.data, counter,
                               ctx.today, now, status_index)
            return fv, canonical_bytes(fv.record)
        serial = make_serial(ctx.today.year, counter)
        identifier = make_identifier(ctx.ctype.type_code, ctx.dept, serial, 1)
        signed_at = _signed_at(now)
        values = {"serial": serial, "identifier": identifier, "signed_at": signed_at,
                  "status_index": status_index}
        record = dict(self.record)
        for key in _SLOT_KEYS:
            slot = _SLOT_OF.get(record[key])
            if slot is not None:
                record[key] = values[slot]
        # JCS of each value, written directly: serials and identifiers are [0-9A-Z.] (checked
        # by make_serial, make_identifier), the time is ASCII digits and separators, the index
        # a safe integer — none needs an escape
        filled = {"serial": b'"%s"' % serial.encode("ascii"),
                  "identifier": b'"%s"' % identifier.encode("ascii"),
                  "signed_at": b'"%s"' % signed_at.encode("ascii"),
                  "status_index": b"%d" % status_index}
        payload = b"".join(p if isinstance(p, bytes) else filled[p] for p in self.template)
        fv = FirstVersion(serial, identifier,
                          base_identifier(ctx.ctype.type_code, ctx.dept, serial), record,
                          self.valid_from, self.valid_to, status_index)
        return fv, payload


_SLOT_OF = {mark: slot for slot, mark in _MARK.items()}
_MAX_SAFE = 2**53 - 1
_signed_at = functools.lru_cache(maxsize=4)(utc_z)  # one `now` per batch
_SLOT_KEYS = ("identifier", "licence_number", "signed_at", "status_index")
"""The record members that may hold a placeholder (`licence_number`: the serial stands in
when the row has no licence number)."""


def draft(ctx: DraftContext, data: Mapping[str, Any],
          validator: Draft202012Validator | None = None) -> Draft:
    """Validate `data` (as `validate_data`, raising what it raises) and draft its record."""
    cd = validate_data(ctx.ctype, data, validator, today=ctx.today)
    try:
        record, valid_from, valid_to = first_record(
            ctx.ctype, ctx.dept, ctx.dept_name, cd, _MARK["serial"], _MARK["identifier"],
            ctx.today, _EPOCH, 0)
    except ValueError:  # e.g. a validity beyond year 9999: `complete` raises it in the batch,
        return Draft(cd, {}, None, ctx.today, None)  # which then falls back as it always did
    record["signed_at"] = _MARK["signed_at"]
    record["status_index"] = _MARK["status_index"]
    expected = sum(1 for key in _SLOT_KEYS if record[key] in _SLOT_OF)
    parts: list[Any] = _SPLIT.split(canonical_bytes(record))
    for i in range(1, len(parts), 2):
        parts[i] = _MARK_BYTES[parts[i]]
    template = tuple(parts) if len(parts) // 2 == expected else None
    return Draft(cd, record, template, valid_from, valid_to)


Drafted = Draft | InvalidCertificateData | ValueError


def draft_all(ctx: DraftContext, datas: Sequence[Mapping[str, Any]],
              validator: Draft202012Validator | None = None) -> list[Drafted]:
    """`draft` of each, with the refusal (InvalidCertificateData, ValueError) in its place."""
    out: list[Drafted] = []
    for data in datas:
        try:
            out.append(draft(ctx, data, validator))
        except (InvalidCertificateData, ValueError) as exc:
            out.append(exc)
    return out
