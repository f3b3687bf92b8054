"""Evidence attached to objections (Art. 17): PDF, JPEG or PNG, checked by CONTENT.

Neither the file name nor the declared content type is believed. A file is accepted when its
first bytes are the signature of an allowed type AND it parses as that type: a PDF through
:func:`ca.pdf_probe.pdf_page_count` (header, cross-reference data and page tree), an image
through Pillow (header, dimensions, then decoded in full, so a truncated file fails). The
verified type decides the stored content type and the extension of the stored name (a JPEG
named ``scan.pdf`` is kept as ``scan.jpg``, ``image/jpeg``). Files are kept as uploaded
(bytes and SHA-256 unchanged: they are evidence); downloads carry the verified type only.

Who sees them: the one who filed the objection (holder or using department), the issuing
department of the certificate (or its successor) and the supervising authority; never a
public page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass

from PIL import Image

from audit_log.actor import Actor
from audit_log.log import AuditLog
from ca.errors import MalformedPdf
from ca.pdf_probe import pdf_page_count
from certificate_store import UnitOfWork
from certificate_store.records import EvidenceRecord, ObjectionRecord
from verifier.errors import Conflict as Settled
from verifier.errors import (
    EvidenceDoesNotParse,
    EvidenceLimitReached,
    EvidenceTooLarge,
    EvidenceTypeNotAllowed,
    NotFound,
)

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
EXTENSION = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png"}
_SIGNATURES = ((b"%PDF-", PDF), (b"\xff\xd8\xff", JPEG), (b"\x89PNG\r\n\x1a\n", PNG))
_PIL_FORMAT = {JPEG: "JPEG", PNG: "PNG"}
MAX_NAME = 80


@dataclass(frozen=True)
class EvidenceLimits:
    """Per file and per objection (settings: ECERT_EVIDENCE_MAX_BYTES, _MAX_FILES)."""

    max_bytes: int = 5 * 1024 * 1024
    max_files: int = 3
    max_pixels: int = 40_000_000


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    filename: str
    sha256: str
    size: int


def sniff(data: bytes) -> str | None:
    """The allowed type whose signature ``data`` starts with, or None."""
    return next((t for magic, t in _SIGNATURES if data.startswith(magic)), None)


def check_file(data: bytes, filename: str, limits: EvidenceLimits) -> CheckedFile:
    """Raise EvidenceTooLarge / EvidenceTypeNotAllowed / EvidenceDoesNotParse, else describe."""
    if len(data) > limits.max_bytes:
        raise EvidenceTooLarge(f"证据文件不得超过 {limits.max_bytes // (1024 * 1024)} MB / "
                               f"at most {limits.max_bytes} bytes per file")
    kind = sniff(data)
    if kind is None:
        raise EvidenceTypeNotAllowed("仅接受 PDF、JPEG、PNG 文件（按文件内容判断） / "
                                     "only PDF, JPEG or PNG content")
    if kind == PDF:
        try:
            pdf_page_count(data)
        except MalformedPdf as exc:
            raise EvidenceDoesNotParse("PDF 文件已损坏或无法读取 / the PDF does not parse") from exc
    else:
        _check_image(data, kind, limits.max_pixels)
    return CheckedFile(kind, safe_name(filename, EXTENSION[kind]),
                       hashlib.sha256(data).hexdigest(), len(data))


def _check_image(data: bytes, kind: str, max_pixels: int) -> None:
    try:
        with Image.open(io.BytesIO(data)) as probe:
            w, h = probe.size
            fmt = probe.format
        if fmt != _PIL_FORMAT[kind]:
            raise EvidenceDoesNotParse("图片格式与内容不符 / the image does not parse")
        if w * h > max_pixels:
            raise EvidenceTooLarge(f"图片像素过多（不超过 {max_pixels} 像素） / "
                                   f"at most {max_pixels} pixels")
        if kind == PNG:
            with Image.open(io.BytesIO(data)) as img:
                img.verify()  # chunk checksums
        with Image.open(io.BytesIO(data)) as img:
            img.load()  # decoded in full: a truncated file fails here
    except (EvidenceDoesNotParse, EvidenceTooLarge):
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise EvidenceDoesNotParse("图片已损坏或无法读取 / the image does not parse") from exc


def safe_name(filename: str, extension: str) -> str:
    """The base name without path, control or markup characters, with the verified extension."""
    base = re.split(r"[\\/]", filename or "")[-1]
    base = unicodedata.normalize("NFC", base)
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = "".join(ch for ch in stem if ch.isalnum() or ch in " -_()（）")
    stem = stem.strip()[:MAX_NAME - len(extension)] or "evidence"
    return stem + extension


# -- who may attach and see -----------------------------------------------------------------
def filed_by_actor(o: ObjectionRecord, actor: Actor) -> bool:
    if actor.role == "holder":
        return bool(actor.holder_hash) and o.filed_by == f"holder:{actor.holder_hash}"
    if actor.role == "user":
        return bool(actor.dept_code) and o.filed_by == f"dept:{actor.dept_code}"
    return False


def may_see(uow: UnitOfWork, actor: Actor, o: ObjectionRecord) -> bool:
    """The filer, the issuing department (or its successor) and the supervising authority."""
    if actor.role == "authority" or filed_by_actor(o, actor):
        return True
    if actor.role == "issuer" and actor.dept_code:
        cert = uow.certificates.get(o.certificate_id)
        return actor.dept_code in (cert.issuer_code,
                                   uow.departments.current_holder(cert.issuer_code))
    return False


def _objection(uow: UnitOfWork, objection_id: int, *, lock: bool = False) -> ObjectionRecord:
    try:
        return uow.objections.get(objection_id, lock=lock)
    except Exception as exc:  # certificate_store.errors.NotFound
        raise NotFound() from exc


def attach(uow: UnitOfWork, actor: Actor, objection_id: int, data: bytes, filename: str,
           now: dt.datetime, limits: EvidenceLimits, audit: AuditLog) -> EvidenceRecord:
    """The filer adds a checked file to their objection while it is not settled; audited
    (``objection.evidence``, with the file's SHA-256)."""
    o = _objection(uow, objection_id, lock=True)
    if not filed_by_actor(o, actor):
        raise NotFound()  # no hint that someone else's objection exists
    if o.state != "open":
        raise Settled("异议已处理，不能再补充证据 / the objection is settled")
    if uow.evidence.count(o.id) >= limits.max_files:
        raise EvidenceLimitReached(f"每项异议最多 {limits.max_files} 个证据文件 / "
                                   f"at most {limits.max_files} files per objection")
    checked = check_file(data, filename, limits)
    rec = uow.evidence.add(objection_id=o.id, filename=checked.filename,
                           content_type=checked.content_type, data=data, sha256=checked.sha256,
                           by=actor.name, now=now)
    cert = uow.certificates.get(o.certificate_id)
    audit.record_by(uow, actor, now=now, action="objection.evidence", cert_identifier=None,
                    details={"objection_id": o.id, "evidence_id": rec.id,
                             "sha256": rec.sha256, "content_type": rec.content_type,
                             "size": rec.size, "certificate": cert.base_identifier})
    return rec


def read(uow: UnitOfWork, actor: Actor, objection_id: int, evidence_id: int, now: dt.datetime,
         audit: AuditLog) -> tuple[EvidenceRecord, bytes]:
    """One attachment's bytes for someone who may see the objection (404 for anyone else);
    audited (``objection.evidence_read``)."""
    o = _objection(uow, objection_id)
    if not may_see(uow, actor, o):
        raise NotFound()
    try:
        rec, data = uow.evidence.get(evidence_id)
    except Exception as exc:  # certificate_store.errors.NotFound
        raise NotFound() from exc
    if rec.objection_id != o.id:
        raise NotFound()
    audit.record_by(uow, actor, now=now, action="objection.evidence_read", cert_identifier=None,
                    details={"objection_id": o.id, "evidence_id": rec.id, "sha256": rec.sha256})
    return rec, data
