"""What changed in a signed PDF after its signature (Art. 14: a changed file is no original).

pyHanko's difference analysis grades later revisions (``modification_level``), but it counts
updates of the document information dictionary and of the XMP metadata as harmless
long-term-validation updates, and its reader skips whatever follows the last ``%%EOF``.
Here a change after the signature is anything that is not PAdES LTV material:

* a revision after the signed one that neither writes the ``/DSS`` nor holds a document
  time stamp (``revision-N``);
* ``/Info`` entries that differ from the signed revision's, except ``/ModDate`` and
  ``/Producer``, which every incremental write (our own DSS revision too) refreshes (``info``);
* XMP metadata that differs from the signed revision's, apart from the modification date,
  metadata date and producer (``xmp-metadata``);
* bytes other than white space after the last revision's ``%%EOF`` (``trailing-bytes``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pyhanko.pdf_utils import generic

__all__ = ["PostSigningChanges", "post_signing_changes"]

_WHITE = b" \t\r\n\x00\x0c"
_REFRESHED_INFO = frozenset({"/ModDate", "/Producer"})
_REFRESHED_XMP = re.compile(
    rb"(xmp:ModifyDate|xmp:MetadataDate|pdf:Producer)(=\"[^\"]*\"|>[^<]*</\1>)")


@dataclass(frozen=True)
class PostSigningChanges:
    changes: tuple[str, ...]
    """Names of what changed after the signature; empty when nothing but LTV material."""
    trailing_bytes: int
    """Bytes after the last ``%%EOF`` that are not white space (0 when none)."""


def _trailing_bytes(pdf_bytes: bytes, reader: Any) -> int:
    last = reader.xrefs.total_revisions - 1
    end = int(reader.xrefs.get_xref_container_info(last).end_location)
    eof = pdf_bytes.find(b"%%EOF", end)
    if eof < 0:
        return len(pdf_bytes) - end
    tail = pdf_bytes[eof + len(b"%%EOF"):]
    return len(tail) if tail.strip(_WHITE) else 0


def _ref(value: Any) -> generic.Reference | None:
    return value.reference if isinstance(value, generic.IndirectObject) else None


def _is_ltv_revision(reader: Any, rev: int, root_ref: generic.Reference,
                     timestamped: set[int]) -> bool:
    if rev in timestamped:
        return True
    written = reader.xrefs.explicit_refs_in_revision(rev)
    root = reader.get_historical_resolver(rev).get_object(root_ref)
    if "/DSS" not in root:
        return False
    dss = _ref(root.raw_get("/DSS"))
    return (dss if dss is not None else root_ref) in written


def _object_at(reader: Any, rev: int, ref: generic.Reference) -> Any:
    try:
        return reader.get_historical_resolver(rev).get_object(ref)
    except Exception:  # noqa: BLE001 - absent in that revision (or unreadable): not the same
        return None


def _info_changed(reader: Any, signed_rev: int, last_rev: int) -> bool:
    ref = _ref(reader.trailer.raw_get("/Info")) if "/Info" in reader.trailer else None
    if ref is None:
        return False
    before, now = _object_at(reader, signed_rev, ref), _object_at(reader, last_rev, ref)
    if not isinstance(before, generic.DictionaryObject) or not isinstance(
            now, generic.DictionaryObject):
        return before is not now
    keep = (set(before) | set(now)) - _REFRESHED_INFO
    return any(before.get(k) != now.get(k) for k in keep)


def _xmp_changed(reader: Any, signed_rev: int, last_rev: int) -> bool:
    ref = _ref(reader.root.raw_get("/Metadata")) if "/Metadata" in reader.root else None
    if ref is None:
        return False
    before, now = _object_at(reader, signed_rev, ref), _object_at(reader, last_rev, ref)
    if not isinstance(before, generic.StreamObject) or not isinstance(now, generic.StreamObject):
        return before is not now
    return _without_refreshed(before) != _without_refreshed(now)


def _without_refreshed(stream: Any) -> bytes:
    return _REFRESHED_XMP.sub(rb"\1", bytes(stream.data))


def post_signing_changes(pdf_bytes: bytes, reader: Any, sig: Any) -> PostSigningChanges:
    """The changes made to ``pdf_bytes`` after the revision ``sig`` signed (see module doc).
    Fails closed: a structure that cannot be read counts as changed."""
    changes: list[str] = []
    try:
        signed_rev = int(sig.signed_revision)
        last_rev = reader.xrefs.total_revisions - 1
        root_ref = _ref(reader.trailer.raw_get("/Root"))
        timestamped = {int(t.signed_revision) for t in reader.embedded_timestamp_signatures}
        for rev in range(signed_rev + 1, last_rev + 1):
            if root_ref is None or not _is_ltv_revision(reader, rev, root_ref, timestamped):
                changes.append(f"revision-{rev}")
        if last_rev > signed_rev and _info_changed(reader, signed_rev, last_rev):
            changes.append("info")
        if last_rev > signed_rev and _xmp_changed(reader, signed_rev, last_rev):
            changes.append("xmp-metadata")
        trailing = _trailing_bytes(pdf_bytes, reader)
    except Exception:  # noqa: BLE001 - untrusted structure we cannot follow
        return PostSigningChanges(("unreadable-revisions",), 0)
    if trailing:
        changes.append("trailing-bytes")
    return PostSigningChanges(tuple(changes), trailing)
