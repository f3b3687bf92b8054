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

import csv
import datetime as dt
import hashlib
import json
import os
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from audit_log.actor import Actor
from certificate_store.db import UnitOfWork
from certificate_store.records import ImportJobRecord
from formats.record import canonical_bytes, sha256_hex
from formats.text import csv_row
from issuer.catalog import CertificateType
from issuer.errors import Forbidden, ImportFailed, InvalidCertificateData, IssuerError
from issuer.issuance import IssuanceService

_META = ("source_key", "holder_name", "holder_code", "valid_from", "valid_to",
         "licence_number", "issue_date")


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


def _rows(f: TextIO, fmt: str) -> Iterator[tuple[dict[str, Any] | None, str | None, Any]]:
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


class _Rejects:
    """Rejects writer; on resume drops lines of rows >= the committed `rows_done`."""

    def __init__(self, path: Path, fmt: str, resume_from: int) -> None:
        self.path, self.fmt = path, fmt
        self._f: TextIO | None = None
        self._writer: Any = None
        self._header: list[str] | None = None
        if path.exists() and resume_from > 0:
            self._truncate(resume_from)
        elif path.exists():
            path.unlink()

    def _truncate(self, resume_from: int) -> None:
        keep: list[Any] = []
        with self.path.open(encoding="utf-8", newline="") as f:
            if self.fmt == "csv":
                reader = csv.DictReader(f)
                self._header = list(reader.fieldnames or [])
                keep = [r for r in reader if int(r.get("row") or 0) <= resume_from]
            else:
                keep = [json.loads(x) for x in f if x.strip()]
                keep = [r for r in keep if int(r.get("row", 0)) <= resume_from]
        self.path.unlink()
        for r in keep:
            if self.fmt == "csv":
                self._write_csv(r)
            else:
                self._write_line(r)

    def _open(self) -> TextIO:
        if self._f is None:
            new = not self.path.exists()
            self._f = self.path.open("a", encoding="utf-8", newline="")
            self._new = new
        return self._f

    def _write_csv(self, rec: Mapping[str, Any]) -> None:
        f = self._open()
        if self._writer is None:
            if self._header is None:
                self._header = ["row", "reason", *[k for k in rec if k not in ("row", "reason")]]
            self._writer = csv.DictWriter(f, fieldnames=self._header, extrasaction="ignore")
            if self._new:
                self._writer.writeheader()
        self._writer.writerow(csv_row(rec))  # formula prefixes neutralised (formats.text)

    def _write_line(self, rec: Mapping[str, Any]) -> None:
        self._open().write(json.dumps(rec, ensure_ascii=False) + "\n")

    def add(self, row_no: int, reason: str, raw: Any) -> None:
        if self.fmt == "csv":
            base = raw if isinstance(raw, Mapping) else {}
            self._write_csv({"row": row_no, "reason": reason,
                             **{k: v for k, v in base.items() if k is not None}})
        else:
            self._write_line({"row": row_no, "reason": reason, "input": raw})

    def sync(self) -> None:
        if self._f is not None:
            self._f.flush()
            os.fsync(self._f.fileno())

    def close(self) -> None:
        if self._f is not None:
            self._f.close()


def _reason(exc: IssuerError) -> str:
    if exc.errors:
        return "; ".join(f"{e.get('field')}: {e.get('message')}" for e in exc.errors)
    return exc.message


Row = tuple[dict[str, Any] | None, str | None, Any]
"""(row dict or None, parse error or None, raw input for the rejects file)."""


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
                 actor: Actor) -> None:
        self._service = service
        self.source = source
        self.type_code = type_code
        self.actor = actor
        self._job: ImportJobRecord | None = None
        self._ctype: CertificateType | None = None
        self._rejects: _Rejects | None = None
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
        self.resumed_from = self.row_no = job.rows_done
        self.counts = {"issued": job.issued, "skipped": job.skipped, "rejected": job.rejected}

    @property
    def done(self) -> bool:
        """The job had finished before this run (a repeated upload)."""
        return self.job.state == "done"

    def batches(self, size: int) -> Generator[list[Row], None, None]:
        """The rows not yet committed, `size` at a time (no database access)."""
        src = self.source
        self._rejects = _Rejects(src.rejects, src.fmt, self.resumed_from)
        with src.path.open(encoding="utf-8-sig", newline="" if src.fmt == "csv" else None) as f:
            it = _rows(f, src.fmt)
            for _ in range(self.resumed_from):  # resume: skip committed rows
                if next(it, None) is None:
                    break
            while batch := [x for _, x in zip(range(size), it, strict=False)]:
                yield batch

    def run_batch(self, uow: UnitOfWork, batch: list[Row], now: dt.datetime) -> ImportProgress:
        """Issue one batch and record the job's progress in `uow` (they commit together)."""
        assert self._ctype is not None and self._rejects is not None
        requests: list[tuple[Mapping[str, Any], str | None]] = []
        for row, _err, _raw in batch:
            if row is not None:
                data, sk = row_to_request(self._ctype, row)
                if sk is None:
                    sk = "sha256:" + sha256_hex(canonical_bytes(row))
                requests.append((data, sk))
        results = iter(self._service.issue_many(uow, self.actor, self.type_code, requests, now)
                       if requests else [])
        for row, err, raw in batch:
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
