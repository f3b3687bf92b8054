"""Bulk import of legacy certificates (digitisation, Art. 9) from CSV or JSONL.

* Streaming: rows are read one at a time; memory is bounded by one batch.
* One transaction per batch: the certificates of the batch and the job's progress commit
  together, so a crash loses at most the batch in flight. The caller owns the transactions
  (`ecert.services.importing.drive_import`): `ImportRun.start`, each `run_batch` and `finish`
  work in the unit of work they are given.
* Resumable: the job row (`uow.imports`) is keyed by the file's SHA-256 (and issuer, type);
  a rerun of the same file skips the `rows_done` rows already committed.
* Idempotent: each row maps to one certificate through `source_key` (unique per issuer). A row
  without one uses the SHA-256 of its canonical content, so re-importing never issues twice.
* Rejected rows go to a rejects file (same format as the input, plus `row` and `reason`).
* PDFs and QR images are never rendered here (they are made when first asked for).

CSV: UTF-8 (a BOM is tolerated), header row. Columns: the type's field names, `holder_name`,
`holder_code`, and optionally `source_key`, `valid_from`, `valid_to`, `licence_number` and
`issue_date` (the original issue date, kept in the record; the record's `signed_at` is the
digitising time, so the two stay apart — Art. 9).
Values are coerced to the field's JSON Schema type (integer, number, boolean); empty cells are
treated as absent. JSONL: one object per line, either with the same flat keys or in the API
shape `{"holder": {...}, "fields": {...}, "source_key": ...}`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections import deque
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audit_log.actor import Actor
from certificate_store.db import UnitOfWork
from certificate_store.records import ImportJobRecord
from formats.chinatime import china_date
from issuer.catalog import CertificateType
from issuer.draftpool import DraftJob, DraftPool
from issuer.drafts import DraftContext
from issuer.errors import Forbidden, ImportFailed, InvalidCertificateData, IssuerError
from issuer.importrows import read_rows, requests_of
from issuer.issuance import IssuanceService
from issuer.rejects import Rejects


@dataclass(frozen=True)
class ImportProgress:
    rows_done: int
    rows_total: int | None  # approximate for CSV with quoted newlines
    issued: int
    skipped: int
    rejected: int


@dataclass(frozen=True)
class ImportResult:
    job_id: int
    source_sha256: str
    rows_done: int
    issued: int
    skipped: int
    rejected: int
    resumed_from: int
    already_done: bool
    rejects_path: Path | None
    seconds: float


def _file_digest(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    lines = 0
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
            lines += chunk.count(b"\n")
    return h.hexdigest(), lines


def _fmt(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    raise ImportFailed(f"unsupported file type {suffix!r}: use .csv or .jsonl")


def _reason(exc: IssuerError) -> str:
    if exc.errors:
        return "; ".join(f"{e.get('field')}: {e.get('message')}" for e in exc.errors)
    return exc.message


Row = tuple[dict[str, Any] | None, str | None, Any]
"""(row dict or None, parse error or None, raw input for the rejects file)."""


@dataclass
class ImportBatch:
    """Rows read from the file, the issuance requests of the readable ones, and their drafts
    when a child process makes them."""

    rows: list[Row]
    requests: list[tuple[dict[str, Any], str]] | None  # None: the child process makes them
    drafts: DraftJob | None = None


@dataclass(frozen=True)
class ImportSource:
    """A file to import: its format, digest (the job key) and where rejected rows go."""

    path: Path
    fmt: str
    digest: str
    rows_total: int  # approximate for CSV with quoted newlines
    rejects: Path

    @classmethod
    def read(cls, path: Path | str, rejects_path: Path | str | None = None) -> ImportSource:
        path = Path(path)
        fmt = _fmt(path)
        digest, lines = _file_digest(path)
        rejects = Path(rejects_path) if rejects_path else path.with_name(
            path.stem + ".rejects" + path.suffix)
        return cls(path, fmt, digest, max(lines - 1, 0) if fmt == "csv" else lines, rejects)


class ImportRun:
    """One import of one file as certificates of `type_code` issued by the actor's department,
    driven batch by batch by a caller that owns the transactions: `start`, then `run_batch`
    for each of `batches()` (one transaction each), then `finish`; `close` at the end."""

    def __init__(self, service: IssuanceService, source: ImportSource, type_code: str,
                 actor: Actor, processes: int = 1) -> None:
        self._service = service
        self.source = source
        self.type_code = type_code
        self.actor = actor
        self.processes = processes
        self._job: ImportJobRecord | None = None
        self._ctype: CertificateType | None = None
        self._draft_ctx: DraftContext | None = None
        self._rejects: Rejects | None = None
        self.resumed_from = 0
        self.row_no = 0
        self.counts = {"issued": 0, "skipped": 0, "rejected": 0}

    @property
    def job(self) -> ImportJobRecord:
        if self._job is None:
            raise ImportFailed("the import has not been started")
        return self._job

    def start(self, uow: UnitOfWork, now: dt.datetime) -> None:
        """Check the department and type; find the job of this file or create it (audited)."""
        ledger = self._service.ledger
        dept = ledger.issuer_dept(uow, self.actor)
        ctype, _ = ledger.certificate_type(uow, self.type_code)
        if not ctype.may_issue(dept):
            raise Forbidden(f"department {dept} may not issue type {self.type_code}")
        src = self.source
        job = uow.imports.find(dept, self.type_code, src.digest)
        if job is None:
            job = uow.imports.create(issuer_code=dept, type_code=self.type_code,
                                     source_name=src.path.name, source_sha256=src.digest,
                                     now=now)
            ledger.record(uow, self.actor, now, "import.start", None,
                          {"job": job.id, "file": src.path.name, "sha256": src.digest,
                           "type_code": self.type_code})
        self._job, self._ctype = job, ctype
        self._draft_ctx, _ = self._service.bulk.draft_context(uow, dept, self.type_code,
                                                              china_date(now))
        self.resumed_from = self.row_no = job.rows_done
        self.counts = {"issued": job.issued, "skipped": job.skipped, "rejected": job.rejected}

    @property
    def done(self) -> bool:
        """The job had finished before this run (a repeated upload)."""
        return self.job.state == "done"

    def batches(self, size: int, now_fn: Callable[[], dt.datetime] | None = None
                ) -> Generator[ImportBatch, None, None]:
        """The rows not yet committed, `size` at a time (no database access).

        With `processes` > 1 and more than two batches to go, batches are drafted
        (`issuer.drafts`) by `processes - 1` child processes (`issuer.draftpool`) once they
        have started, up to `processes` batches ahead of the one being written; `now_fn` gives
        the day they are drafted for (a batch written on another day, or after the catalog or
        department changed, drafts its rows again in-process)."""
        src = self.source
        self._rejects = Rejects(src.rejects, src.fmt, self.resumed_from)
        pool = None
        if self.processes > 1 and now_fn is not None and \
                src.rows_total - self.resumed_from > 2 * size:
            pool = DraftPool(self.processes - 1)
        ahead: deque[ImportBatch] = deque()
        try:
            with src.path.open(encoding="utf-8-sig",
                               newline="" if src.fmt == "csv" else None) as f:
                it = read_rows(f, src.fmt)
                for _ in range(self.resumed_from):  # resume: skip committed rows
                    if next(it, None) is None:
                        break
                while rows := [x for _, x in zip(range(size), it, strict=False)]:
                    batch = ImportBatch(rows, None)
                    if pool is not None and pool.ready:  # before: made in-process
                        assert self._draft_ctx is not None and now_fn is not None
                        ctx = dataclasses.replace(self._draft_ctx, today=china_date(now_fn()))
                        batch.drafts = pool.submit(ctx, [r for r, _, _ in rows if r is not None])
                    if batch.drafts is None:
                        batch.requests = self._requests(rows)
                    ahead.append(batch)
                    if len(ahead) > self.processes:
                        yield ahead.popleft()
                while ahead:
                    yield ahead.popleft()
        finally:
            for b in ahead:
                if b.drafts is not None:
                    b.drafts.cancel()
            if pool is not None:
                pool.close()

    def _requests(self, rows: list[Row]) -> list[tuple[dict[str, Any], str]]:
        assert self._ctype is not None
        return requests_of(self._ctype, [row for row, _, _ in rows if row is not None])

    def run_batch(self, uow: UnitOfWork, batch: ImportBatch, now: dt.datetime
                  ) -> ImportProgress:
        """Issue one batch and record the job's progress in `uow` (they commit together)."""
        assert self._rejects is not None
        shipped = None if batch.drafts is None else batch.drafts.result()
        drafted = None if shipped is None else (shipped.ctx, shipped.drafts)
        requests = shipped.requests if shipped is not None else (
            batch.requests if batch.requests is not None else self._requests(batch.rows))
        results = iter(self._service.issue_many(uow, self.actor, self.type_code, requests, now,
                                                drafted)
                       if requests else [])
        for row, err, raw in batch.rows:
            self.row_no += 1
            if row is None:
                self.counts["rejected"] += 1
                self._rejects.add(self.row_no, err or "unreadable", raw)
                continue
            r = next(results)
            if isinstance(r, (InvalidCertificateData, ValueError)):
                self.counts["rejected"] += 1
                self._rejects.add(self.row_no, _reason(r) if isinstance(r, IssuerError)
                                  else str(r), raw)
                continue
            self.counts["skipped" if r.skipped else "issued"] += 1
        self._rejects.sync()  # rejects reach the disk before the batch commits
        uow.imports.progress(self.job.id, rows_done=self.row_no, state="running", now=now,
                             **self.counts)
        return ImportProgress(self.row_no, self.source.rows_total, **self.counts)

    def finish(self, uow: UnitOfWork, now: dt.datetime) -> None:
        """Mark the job done (audited)."""
        uow.imports.progress(self.job.id, rows_done=self.row_no, state="done", now=now,
                             **self.counts)
        self._service.ledger.record(uow, self.actor, now, "import.finish", None,
                                    {"job": self.job.id, "sha256": self.source.digest,
                                     "rows": self.row_no, **self.counts})

    def close(self) -> None:
        if self._rejects is not None:
            self._rejects.close()

    def result(self, seconds: float) -> ImportResult:
        job, src = self.job, self.source
        if self.done:
            return ImportResult(job.id, src.digest, job.rows_done, job.issued, job.skipped,
                                job.rejected, job.rows_done, True,
                                src.rejects if src.rejects.exists() else None, seconds)
        return ImportResult(job.id, src.digest, self.row_no, self.counts["issued"],
                            self.counts["skipped"], self.counts["rejected"], self.resumed_from,
                            False, src.rejects if self.counts["rejected"] else None, seconds)
