"""Rows of an import file (`issuer.imports`): read from CSV or JSONL, and turned into
issuance requests (values coerced to the type's JSON Schema types, the source key or the
row's hash standing in for it). Plain functions of their input, so that child processes
can run them (`issuer.draftpool`)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, TextIO

from formats.record import canonical_bytes, sha256_hex
from issuer.catalog import CertificateType

_META = ("source_key", "holder_name", "holder_code", "valid_from", "valid_to",
         "licence_number", "issue_date")


def read_rows(f: TextIO, fmt: str) -> Iterator[tuple[dict[str, Any] | None, str | None, Any]]:
    """(row dict or None, parse error or None, raw input for the rejects file)."""
    if fmt == "csv":
        reader = csv.DictReader(f)
        for raw in reader:
            if None in raw:  # more cells than header columns
                yield None, "more cells than header columns", raw
            else:
                yield {k: v for k, v in raw.items() if k is not None}, None, raw
        return
    for line in f:
        if not line.strip():
            yield None, "empty line", line.rstrip("\n")
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield None, f"invalid JSON: {exc.msg}", line.rstrip("\n")
            continue
        if not isinstance(obj, dict):
            yield None, "line is not a JSON object", line.rstrip("\n")
        else:
            yield obj, None, obj


def _coerce(value: Any, schema: Mapping[str, Any]) -> Any:
    if not isinstance(value, str):
        return value
    t = schema.get("type")
    v = value.strip()
    try:
        if t == "integer":
            return int(v)
        if t == "number":
            f = float(v)
            return int(f) if f.is_integer() and "." not in v and "e" not in v.lower() else f
    except ValueError:
        return value  # the schema check reports it with the field name
    if t == "boolean":
        low = v.lower()
        if low in ("true", "1", "yes", "是", "y"):
            return True
        if low in ("false", "0", "no", "否", "n"):
            return False
    return value


def row_to_request(ctype: CertificateType, row: Mapping[str, Any]) -> tuple[dict[str, Any],
                                                                             str | None]:
    """(issuance data, source_key or None) from a flat or API-shaped row."""
    if "fields" in row or "holder" in row:
        api = {k: v for k, v in row.items() if k != "source_key"}
        sk0 = row.get("source_key")
        return api, (str(sk0) if sk0 not in (None, "") else None)
    props = ctype.schema.get("properties", {})
    fields: dict[str, Any] = {}
    data: dict[str, Any] = {}
    for k, v in row.items():
        if v is None or (isinstance(v, str) and v.strip() == ""):
            continue
        if k in _META:
            continue
        if k in props:
            fields[k] = _coerce(v, props[k])
        else:
            data[k] = v  # unknown column: validate_data names it
    data["holder"] = {"name": row.get("holder_name") or "", "code": row.get("holder_code") or ""}
    data["fields"] = fields
    for k in ("valid_from", "valid_to", "licence_number", "issue_date"):
        if row.get(k) not in (None, ""):
            data[k] = row[k]
    sk = row.get("source_key")
    return data, (str(sk).strip() if sk not in (None, "") else None)


def requests_of(ctype: CertificateType, rows: Sequence[Mapping[str, Any]]
                ) -> list[tuple[dict[str, Any], str]]:
    """(issuance data, source key) of each row; a row without a source key is keyed by the
    SHA-256 of its canonical content, so that importing it again never issues twice."""
    out: list[tuple[dict[str, Any], str]] = []
    for row in rows:
        data, sk = row_to_request(ctype, row)
        out.append((data, sk if sk is not None else "sha256:" + sha256_hex(canonical_bytes(row))))
    return out
