"""The wire-format constants a JavaScript verifier needs, as one JSON-ready value.

`as_json()` is what the citizen page's constants are rendered from, so that the browser and
the Python verifier read the same table (status codes, verdict words, QR specs, key ids).
"""

from __future__ import annotations

from typing import Any

from formats import identifiers, keyids, qr, record, status, statuslist


def as_json() -> dict[str, Any]:
    """Plain dicts, lists, strings and ints only (``json.dumps`` takes it as it is)."""
    return {
        "kid": {"chars": keyids.KID_CHARS, "alphabet": keyids.KID_ALPHABET,
                "x5t_chars": keyids.X5T_S256_CHARS},
        "typ": {"record": record.RECORD_TYP,
                **{spec.spec: spec.typ for spec in qr.QR_SPECS.values()}},
        "record": {"spec": record.RECORD_SPEC, "typ": record.RECORD_TYP,
                   "fields": list(record.RECORD_FIELDS)},
        "qr": {
            "issued": qr.QR_SPEC,
            "specs": {s.spec: {"typ": s.typ, "key_header": s.key_header, "claims": list(s.claims),
                               "optional": list(s.optional), "packed": list(s.packed),
                               "nullable": list(s.nullable)}
                      for s in qr.QR_SPECS.values()},
            "spec_by_typ": dict(qr.QR_SPEC_BY_TYP),
            "record_hash_bytes": qr.RECORD_HASH_BYTES,
        },
        "status_shard": {"spec": statuslist.SHARD_SPEC, "size": statuslist.SHARD_SIZE,
                         "bits": statuslist.STATUS_BITS,
                         "entry_codes": list(statuslist.ENTRY_CODES),
                         "signature_header": statuslist.SIGNATURE_HEADER,
                         "path": "/pki/status/"},
        "statuses": {s.code: {"name": s.name, "label": s.label, "verdict": s.verdict.value}
                     for s in status.STATUSES.values()},
        "verdicts": {v.value: {"headline": t.headline, "summary": t.summary, "advice": t.advice}
                     for v, t in status.VERDICT_TEXT.items()},
        "identifier": {"prefix": identifiers.PREFIX, "max_len": identifiers.MAX_LEN,
                       "check_alphabet": identifiers.MOD3736_ALPHABET},
    }
