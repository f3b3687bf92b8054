"""Archived copies (PAdES B-LTA) of the kept PDFs (issue 11).

An archived copy is the kept B-LT PDF of a version with archive time stamps appended
(:func:`ca.pdf_archive.add_archive_timestamp`): the signed bytes stay as they are. A batch job
(`ecert.services.pdfarchive`) makes the copies of kept PDFs that have none and adds another
stamp to copies whose last one is older than :attr:`ArchivePolicy.restamp_after` or whose TSA
certificate expires within :attr:`ArchivePolicy.tsa_margin`; a request for an archived copy is
served the kept one (`issuer.documents.DocumentService.prepare_pdf`), and makes it only when the
job has not yet.

Copies live in the store's ``pdf_archives`` table under the key of the B-LT blob with
``pdf-B-LT-`` replaced by ``pdf-B-LTA-`` (the variant requests have always used).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ca.pdf_archive import ArchiveStamp, add_archive_timestamp
from certificate_store.db import UnitOfWork
from formats.identifiers import parse_identifier
from issuer.errors import MalformedIdentifier

__all__ = ["ArchivePolicy", "ArchiveTask", "PdfArchiver", "archive_key", "SOURCE_MARKER"]

SOURCE_MARKER = "/pdf-B-LT-"
_ARCHIVED_MARKER = "/pdf-B-LTA-"


def archive_key(source_key: str) -> str:
    """The key of the archived copy of the kept PDF ``source_key``."""
    if SOURCE_MARKER not in source_key:
        raise ValueError(f"not the key of a kept B-LT PDF: {source_key}")
    return source_key.replace(SOURCE_MARKER, _ARCHIVED_MARKER, 1)


def source_key(key: str) -> str:
    return key.replace(_ARCHIVED_MARKER, SOURCE_MARKER, 1)


@dataclass(frozen=True)
class ArchivePolicy:
    """When a copy is due for another archive time stamp."""

    restamp_after: dt.timedelta = dt.timedelta(days=365 * 2)
    """Age of the last stamp after which another is added (algorithms and keys age)."""
    tsa_margin: dt.timedelta = dt.timedelta(days=180)
    """Add another stamp when the last stamp's TSA certificate expires within this."""


@dataclass(frozen=True)
class ArchiveTask:
    """One copy to make (``stamps == 0``) or to stamp again."""

    key: str
    source_key: str
    identifier: str
    stamps: int


def _identifier(key: str) -> str:
    """``doc/<layout>/<identifier>/<site>/<variant>`` → the identifier."""
    parts = key.split("/")
    if len(parts) < 5 or parts[0] != "doc":
        raise ValueError(f"not a document key: {key}")
    return parts[2]


class PdfArchiver:
    """Makes and re-stamps archived copies; every method works in the caller's unit of work
    except the returned stamping functions, which need no database (run them with no
    transaction open: they ask the TSA)."""

    def __init__(self, material: Any, layout: str) -> None:
        """``material``: a `issuer.documents.SigningMaterialSource` (for the TSA and the
        revocation data of the issuing department's and the TSA's certificates)."""
        self._material = material
        self._prefix = f"doc/{layout}/"

    def due(self, uow: UnitOfWork, now: dt.datetime, policy: ArchivePolicy,
            limit: int) -> list[ArchiveTask]:
        """Kept PDFs without a copy first (in key order), then copies due for a stamp; those
        with a pending retry job (`pdf_jobs`, after a failure) wait for it instead."""
        tasks = [ArchiveTask(archive_key(k), k, _identifier(k), 0)
                 for k, _ct in uow.pdf_archives.unarchived(self._prefix, SOURCE_MARKER,
                                                           _ARCHIVED_MARKER, limit)]
        if len(tasks) < limit:
            tasks += [ArchiveTask(r.key, r.source_key, r.identifier, r.stamps)
                      for r in uow.pdf_archives.due(now - policy.restamp_after,
                                                    now + policy.tsa_margin,
                                                    limit - len(tasks))]
        return tasks

    def stamper(self, uow: UnitOfWork, identifier: str,
                now: dt.datetime) -> Callable[[bytes], ArchiveStamp]:
        """Reads the TSA and revocation data now; the result stamps a PDF when called."""
        try:
            issuer_code = parse_identifier(identifier).issuer_code
        except MalformedIdentifier as exc:
            raise ValueError(f"not an identifier: {identifier}") from exc
        m = self._material.signing_material(uow, issuer_code, now)

        def stamp(pdf: bytes) -> ArchiveStamp:
            return add_archive_timestamp(
                pdf, m.timestamper, trust_root_der=m.root_der, chain_ders=tuple(m.chain_ders),
                ocsp_responses_der=tuple(m.ocsp_responses), crls_der=tuple(m.crls), now=now)
        return stamp

    def prepare(self, uow: UnitOfWork, task: ArchiveTask,
                now: dt.datetime) -> Callable[[], ArchiveStamp] | None:
        """The stamping of ``task`` (None when its input is gone: nothing to do)."""
        if task.stamps == 0:
            blob = uow.certificates.blob(task.source_key)
            pdf = None if blob is None else blob[1]
        else:
            pdf = uow.pdf_archives.data(task.key)
        if pdf is None:
            return None
        stamp = self.stamper(uow, task.identifier, now)
        return lambda: stamp(pdf)

    @staticmethod
    def keep(uow: UnitOfWork, task: ArchiveTask, stamp: ArchiveStamp,
             now: dt.datetime) -> bool:
        """Store the stamped copy unless another worker got there first (then False)."""
        current = uow.pdf_archives.get(task.key)
        if (current.stamps if current is not None else 0) != task.stamps:
            return False
        uow.pdf_archives.put(task.key, task.source_key, task.identifier, stamp.pdf, stamp.stamps,
                             stamp.stamped_at, stamp.tsa_not_after, now)
        return True
