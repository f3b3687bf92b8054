"""The issuing departments' operations (Art. 8-11): catalog, issue, change, status moves, QR
URL, documents, archive and reconciliation. Imports are in `ecert.services.importing`.

Each operation opens ONE transaction (`Platform.writing`): the domain services of `issuer`
work in its unit of work, the audit entry is written in it, and the tree-head decision
(`Platform.after_write`) is taken in it last. The one exception is a document that is not
yet cached: rendering and PAdES signing are slow and must not hold SQLite's single write
lock, so it is looked up in one transaction, rendered with none open, and stored (with the
download's audit entry) in a second. Likewise issuing and changing sign the new version's QR
URL (a cache entry) after their transaction has committed (`_kept_qr_url`).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audit_log.actor import Actor
from ca.errors import TimestampUnavailable
from certificate_store import UnitOfWork
from ecert.services import outbox, pdfjobs
from formats.text import csv_row
from issuer.archive import ArchiveResult
from issuer.archive import archive as archive_zip
from issuer.catalog import CertificateType
from issuer.cosign import CoSigned, co_signers
from issuer.documents import Pending
from issuer.reconcile import ReconcileReport
from issuer.reconcile import reconcile as reconcile_items
from issuer.search import CertificateSummary, SearchFilter, SearchPage
from issuer.search import search as search_register
from issuer.views import CertificateView, IssuedCertificate
from verifier.cosign import CoSignatureCheck, check_cosignatures

if TYPE_CHECKING:
    from ecert.platform import Platform

DOCUMENTS = ("pdf", "pdf-archived", "qr.png", "qr.svg")
"""What `document` makes; also the `what` of the `certificate.download` audit entry."""


@dataclass(frozen=True)
class Issued:
    """An issued (or changed) version and the QR URL it carries (signed once, kept)."""

    certificate: IssuedCertificate
    qr_url: str


@dataclass(frozen=True)
class Document:
    identifier: str  # of the current version
    data: bytes
    content_type: str


# -- catalog (Art. 8) ---------------------------------------------------------------------------
def list_types(p: Platform) -> list[CertificateType]:
    with p.store.transaction() as uow:
        return p.catalog.list(uow)


def get_type(p: Platform, type_code: str, version: int | None = None) -> CertificateType:
    with p.store.transaction() as uow:
        return p.catalog.get(uow, type_code, version)


def add_type(p: Platform, definition: Mapping[str, Any], actor: Actor) -> CertificateType:
    with p.writing() as uow:
        return p.catalog.add(uow, definition, actor, p.now())


# -- certificates -------------------------------------------------------------------------------
def issue(p: Platform, actor: Actor, type_code: str, data: Mapping[str, Any],
          idempotency_key: str | None = None) -> Issued:
    """Issue and decide the tree head in one transaction; then sign the QR of version 001."""
    now = p.now()
    with p.writing() as uow:
        issued = p.issuance.issue(uow, actor, type_code, data, now,
                                  idempotency_key=idempotency_key)
        _event(uow, "certificate.issued", actor.dept_code, issued.identifier, issued.version, now,
               holder=issued.record)
    return Issued(issued, _kept_qr_url(p, issued.identifier, now))


def _kept_qr_url(p: Platform, identifier: str, now: dt.datetime) -> str:
    """The QR URL of a version just committed, signed and kept in a transaction of its own.

    Not in the issuing transaction: that one holds the audit append lock (and the serial
    counter's row) from its audit entry to COMMIT, and signing and storing the URL was a
    third of an issuance's time — every other audited request of every worker waited for it
    (issue 11, B3). The URL is a cache entry made on first request anyway (`qr_url`): were
    this transaction lost, the next request for the QR would make it."""
    with p.store.transaction() as uow:
        return p.documents.qr_url(uow, identifier, now)


def get(p: Platform, actor: Actor, identifier: str) -> CertificateView:
    """The full record (unmasked ID number); an issuing department's read is audited (Art. 21)
    in the same transaction. Administrators and auditors read through their own logged paths."""
    if actor.role != "issuer":
        with p.store.transaction() as uow:
            return pdfjobs.with_state(uow, p.issuance.get(uow, actor, identifier))
    with p.writing() as uow:
        view = p.issuance.get(uow, actor, identifier)
        p.audit.record_by(uow, actor, now=p.now(), action="certificate.view",
                          cert_identifier=view.identifier, details={"what": "record"})
        return pdfjobs.with_state(uow, view)


def search(p: Platform, actor: Actor, f: SearchFilter, before: int | None = None,
           limit: int = 50) -> SearchPage:
    """One page of the department's own register; audited (Art. 21) with the filter it used
    (holder code masked) and how many rows it returned."""
    with p.writing() as uow:
        page = search_register(uow, actor.dept_code or "", f, before=before, limit=limit)
        p.audit.record_by(uow, actor, now=p.now(), action="certificate.search",
                          details={"filter": f.described(), "rows": len(page.items)})
        return page


MAX_EXPORT_ROWS = 100_000
CSV_COLUMNS = [field.name for field in dataclasses.fields(CertificateSummary)]


def export_csv(p: Platform, actor: Actor, f: SearchFilter) -> bytes:
    """The whole filtered register as CSV (UTF-8 with BOM, for spreadsheet programs; formula
    prefixes neutralised), at most ``MAX_EXPORT_ROWS`` rows; one audit entry."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    w.writeheader()
    rows, before = 0, None
    with p.writing() as uow:
        while rows < MAX_EXPORT_ROWS:
            page = search_register(uow, actor.dept_code or "", f, before=before, limit=200)
            for item in page.items:
                w.writerow(csv_row(dataclasses.asdict(item)))
            rows += len(page.items)
            if page.next_cursor is None:
                break
            before = page.next_cursor
        p.audit.record_by(uow, actor, now=p.now(), action="certificate.export",
                          details={"filter": f.described(), "rows": rows})
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def cosign(p: Platform, actor: Actor, identifier: str) -> CoSigned:
    """共同签署 by the actor's department, audited in the same transaction."""
    with p.writing() as uow:
        return p.issuance.cosign(uow, actor, identifier, p.now())


def cosignatures(p: Platform, actor: Actor, identifier: str
                 ) -> tuple[str, int, tuple[CoSignatureCheck, ...]]:
    """(current identifier, version, one check per co-signing department) of a certificate
    the actor may read (its issuer, a co-signer, an administrator or auditor)."""
    with p.store.transaction() as uow:
        view = p.issuance.get(uow, actor, identifier)
        loaded = p.issuance.ledger.load(uow, identifier)
        required = co_signers(p.issuance.ledger, uow, loaded)
        return view.identifier, view.version, check_cosignatures(
            uow, loaded.cert, loaded.version, required)


def change(p: Platform, actor: Actor, identifier: str, data: Mapping[str, Any], reason: str,
           expected_row_version: int | None = None) -> Issued:
    """变更: a new signed version in one transaction, then its QR (`_kept_qr_url`)."""
    now = p.now()
    with p.writing() as uow:
        issued = p.issuance.change(uow, actor, identifier, data, reason, now,
                                   expected_row_version=expected_row_version)
        _event(uow, "certificate.changed", actor.dept_code, issued.identifier, issued.version, now,
               holder=issued.record)
    return Issued(issued, _kept_qr_url(p, issued.identifier, now))


def transition(p: Platform, actor: Actor, identifier: str, event: str, reason: str,
               valid_to: dt.date | None = None, transfer_to: Mapping[str, str] | None = None,
               expected_row_version: int | None = None) -> CertificateView:
    with p.writing() as uow:
        view = p.issuance.transition(uow, actor, identifier, event, reason, p.now(),
                                     valid_to=valid_to, transfer_to=transfer_to,
                                     expected_row_version=expected_row_version)
        _event(uow, f"certificate.{event}", view.issuer_code, view.identifier,
               view.row_version, p.now(), holder=view.record, reason=reason)
        return view


def _event(uow: UnitOfWork, kind: str, dept: str | None, identifier: str, version: int,
           now: dt.datetime, holder: Mapping[str, Any], **data: Any) -> None:
    """The event for the department's system and for the holder, in the outbox of this same
    transaction (ecert.services.outbox delivers them)."""
    if dept:
        outbox.emit(uow, kind=kind, dept_code=dept, identifier=identifier, version=version,
                    data=data, now=now)
    code = (holder.get("holder") or {}).get("code")
    if isinstance(code, str) and code:
        outbox.emit(uow, kind=kind, holder_hash=uow.holder_hash(code), identifier=identifier,
                    version=version, data=data, now=now)


def qr_url(p: Platform, identifier: str) -> str:
    """The citizen URL of the current version (signed and kept on first request)."""
    with p.writing() as uow:
        return p.documents.qr_url(uow, identifier, p.now())


# -- documents ----------------------------------------------------------------------------------
def _prepare(p: Platform, uow: UnitOfWork, identifier: str, what: str,
             now: dt.datetime) -> Pending:
    if what in ("pdf", "pdf-archived"):
        return p.documents.prepare_pdf(uow, identifier, now, archived=what == "pdf-archived")
    if what == "qr.png":
        return p.documents.prepare_qr_png(uow, identifier, now)
    if what == "qr.svg":
        return p.documents.prepare_qr_svg(uow, identifier, now)
    raise ValueError(f"unknown document {what!r}; one of {', '.join(DOCUMENTS)}")


def _downloaded(p: Platform, uow: UnitOfWork, actor: Actor | None, identifier: str,
                what: str) -> None:
    """Art. 21: downloads are logged like every other use."""
    if actor is not None:
        p.audit.record(uow, now=p.now(), actor=actor.name, actor_dept=actor.dept_code,
                       role=actor.role, action="certificate.download",
                       cert_identifier=identifier, request_id=actor.request_id,
                       details={"what": what})


def document(p: Platform, actor: Actor | None, identifier: str, what: str) -> Document:
    """A document of the current version (`DOCUMENTS`), made on first request and kept.

    With an `actor`, only the issuing department (or its successor, an administrator or an
    auditor) gets it and the download is audited; None is the operator's shell (CLI).
    """
    now = p.now()
    with p.writing() as uow:
        current = identifier
        if actor is not None:
            current = p.issuance.get(uow, actor, identifier).identifier
        pending = _prepare(p, uow, current, what, now)
        if pending.data is not None:
            _downloaded(p, uow, actor, pending.identifier, what)
            return Document(pending.identifier, pending.data, pending.content_type)
        job = pdfjobs.waiting(uow, pending, now)
    if job is not None:  # the TSA failed lately: don't make the caller wait for it again
        raise pdfjobs.pending_error(job)
    try:
        data = pending.render()  # slow: no transaction open (see the module docstring)
    except TimestampUnavailable as exc:  # issue 12: the PDF is withheld, a job retries
        raise pdfjobs.withheld(p, pending, what, exc, now) from exc
    with p.writing() as uow:
        data = p.documents.keep(uow, pending, data, now)
        pdfjobs.completed(p, uow, pending, now)
        _downloaded(p, uow, actor, pending.identifier, what)
    return Document(pending.identifier, data, pending.content_type)


# -- archive and reconciliation (Art. 10, 11) ---------------------------------------------------
def archive(p: Platform, scope: str, out: Path, actor: Actor) -> ArchiveResult:
    """A department's (or one certificate's) archive, verifiable offline; audited."""
    now = p.now()
    with p.writing() as uow:
        if actor.role == "issuer" and scope != actor.dept_code:
            p.issuance.get(uow, actor, scope)  # raises unless the caller's department issued it
        result = archive_zip(uow, scope, out, p.audit, now, p.head_signer(uow))
        p.audit.record(uow, now=now, actor=actor.name, actor_dept=actor.dept_code,
                       role=actor.role, action="archive.export", request_id=actor.request_id,
                       details={"scope": scope, "certificates": result.certificates})
        return result


def reconcile(p: Platform, dept_code: str, items: list[dict[str, str]],
              actor: Actor) -> ReconcileReport:
    now = p.now()
    with p.writing() as uow:
        report = reconcile_items(uow, dept_code, items)
        p.audit.record(uow, now=now, actor=actor.name, actor_dept=actor.dept_code,
                       role=actor.role, action="reconcile", request_id=actor.request_id,
                       details={"dept": dept_code, "compared": report.compared,
                                "matched": report.matched, "ok": report.ok})
        return report


__all__ = ["DOCUMENTS", "Document", "Issued", "add_type", "archive", "change", "document",
           "get", "get_type", "issue", "list_types", "qr_url", "reconcile", "transition"]
