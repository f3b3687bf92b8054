"""Certificates, versions and status history (the central library, Art. 9 and 11)."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import ARRAY, String, Table, and_, bindparam, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from certificate_store.bulkinsert import insert_rows
from certificate_store.errors import Conflict, NotFound
from certificate_store.models.certificates import (
    AnnotatedCopy,
    BlobCache,
    Certificate,
    CertificateVersion,
    StatusEvent,
)
from certificate_store.records import (
    AnnotatedCopyRecord,
    CertificateRecord,
    StatusEventRecord,
    VersionRecord,
)
from certificate_store.repos._convert import to_record


def _cert(row: Certificate) -> CertificateRecord:
    return to_record(row, CertificateRecord)


def _ver(row: CertificateVersion) -> VersionRecord:
    return to_record(row, VersionRecord)


class CertificateRepo:
    def __init__(self, session: Session) -> None:
        self._s = session

    # -- creation -------------------------------------------------------------------------
    def create(self, *, base_identifier: str, type_code: str, type_version: int, issuer_code: str,
               serial: str, holder_hash: str, status: str, valid_from: dt.datetime | None,
               valid_to: dt.datetime | None, source_key: str | None,
               now: dt.datetime, status_index: int | None = None) -> CertificateRecord:
        row = Certificate(base_identifier=base_identifier, type_code=type_code,
                          type_version=type_version, issuer_code=issuer_code, serial=serial,
                          holder_hash=holder_hash, status=status, current_version=1,
                          valid_from=valid_from, valid_to=valid_to, source_key=source_key,
                          status_index=status_index, created_at=now, updated_at=now)
        try:
            with self._s.begin_nested():
                self._s.add(row)
                self._s.flush()
        except IntegrityError as exc:
            raise Conflict("certificate already exists") from exc
        return _cert(row)

    def add_version(self, *, certificate_id: int, version: int, identifier: str, canonical: bytes,
                    jws: str, sha256: str, signing_cert: str, change_reason: str | None,
                    now: dt.datetime) -> VersionRecord:
        prev = self._s.scalars(select(CertificateVersion).where(
            CertificateVersion.certificate_id == certificate_id,
            CertificateVersion.superseded_at.is_(None))).all()
        for p in prev:
            p.superseded_at = now
        row = CertificateVersion(certificate_id=certificate_id, version=version,
                                 identifier=identifier, canonical=canonical, jws=jws,
                                 sha256=sha256, signing_cert=signing_cert,
                                 change_reason=change_reason, created_at=now)
        self._s.add(row)
        self._s.flush()
        return _ver(row)

    # -- bulk creation (imports) ----------------------------------------------------------
    @contextlib.contextmanager
    def savepoint(self) -> Iterator[None]:
        """Undo everything done in the block, by any repository of this unit of work (they
        share one session), if it raises; the enclosing transaction carries on."""
        with self._s.begin_nested():
            yield

    # Rows are plain mappings of column values; Core executemany, no ORM unit of work. They
    # store exactly what `create`, `add_version` (first version) and `add_event` store.
    def create_many(self, rows: Sequence[Mapping[str, Any]]) -> list[int]:
        """Insert new certificates (version 1, row_version 1); ids in the order of `rows`.

        Conflict when a unique key (base identifier, issuer + source_key) is already taken;
        nothing of this call is kept then.
        """
        if not rows:
            return []
        pg = self._s.get_bind().dialect.name == "postgresql"
        # PostgreSQL: the ids drawn from the table's sequence in one statement and sent with
        # the rows (no read-back). Elsewhere a plain executemany, then the ids by base
        # identifier (unique): an ordered RETURNING makes SQLite's dialect send one INSERT
        # per row.
        ids_given = sorted(int(i) for i in self._s.scalars(
            text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
            {"t": Certificate.__tablename__, "n": len(rows)})) if pg else []
        params = [{**r, **({"id": ids_given[k]} if pg else {}), "current_version": 1,
                   "row_version": 1} for k, r in enumerate(rows)]
        try:
            with self._s.begin_nested():
                insert_rows(self._s, cast(Table, Certificate.__table__), params)
        except IntegrityError as exc:
            raise Conflict("certificate already exists") from exc
        if pg:
            return ids_given
        bases = [r["base_identifier"] for r in rows]
        ids: dict[str, int] = {}
        for i in range(0, len(bases), 500):
            q = select(Certificate.id, Certificate.base_identifier).where(
                Certificate.base_identifier.in_(bases[i:i + 500]))
            ids.update({b: int(x) for x, b in self._s.execute(q)})
        return [ids[b] for b in bases]

    def add_first_versions(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Version 1 of certificates made by `create_many` (nothing to supersede)."""
        if rows:
            insert_rows(self._s, cast(Table, CertificateVersion.__table__),
                        [{"change_reason": None, "superseded_at": None, **r} for r in rows])

    def add_events_many(self, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            insert_rows(self._s, cast(Table, StatusEvent.__table__), rows)

    def by_sources(self, issuer_code: str, source_keys: Collection[str]
                   ) -> dict[str, CertificateRecord]:
        """`by_source` for many keys in one query (at most a few thousand keys)."""
        if not source_keys:
            return {}
        keys = sorted(source_keys)
        if self._s.get_bind().dialect.name == "postgresql":
            # A join on unnest(array) probes the (issuer_code, source_key) unique index once per
            # key; `source_key IN (...)` let the planner filter all of the issuer's certificates
            # (time growing with the issuer's size) when its statistics were stale.
            k = (func.unnest(bindparam("keys", keys, type_=ARRAY(String)))
                 .table_valued("key").render_derived(name="k"))
            q = select(Certificate).join(k, and_(Certificate.issuer_code == issuer_code,
                                                 Certificate.source_key == k.c.key))
        else:
            q = select(Certificate).where(Certificate.issuer_code == issuer_code,
                                          Certificate.source_key.in_(keys))
        return {str(r.source_key): _cert(r) for r in self._s.scalars(q)}

    def current_versions(self, certs: Collection[CertificateRecord]) -> dict[int, VersionRecord]:
        """The current version of each certificate, by certificate id, in one query."""
        if not certs:
            return {}
        want = {c.id: c.current_version for c in certs}
        rows = self._s.scalars(select(CertificateVersion).where(
            CertificateVersion.certificate_id.in_(list(want))))
        return {r.certificate_id: _ver(r) for r in rows if want[r.certificate_id] == r.version}

    # -- reads ----------------------------------------------------------------------------
    def get(self, certificate_id: int) -> CertificateRecord:
        row = self._s.get(Certificate, certificate_id)
        if row is None:
            raise NotFound(f"certificate {certificate_id}")
        return _cert(row)

    def by_base(self, base_identifier: str) -> CertificateRecord | None:
        row = self._s.scalars(select(Certificate).where(
            Certificate.base_identifier == base_identifier)).first()
        return None if row is None else _cert(row)

    def version_by_identifier(self, identifier: str) -> VersionRecord | None:
        row = self._s.scalars(select(CertificateVersion).where(
            CertificateVersion.identifier == identifier)).first()
        return None if row is None else _ver(row)

    def version(self, certificate_id: int, version: int) -> VersionRecord:
        row = self._s.scalars(select(CertificateVersion).where(
            CertificateVersion.certificate_id == certificate_id,
            CertificateVersion.version == version)).first()
        if row is None:
            raise NotFound(f"certificate {certificate_id} version {version}")
        return _ver(row)

    def versions(self, certificate_id: int) -> list[VersionRecord]:
        rows = self._s.scalars(select(CertificateVersion).where(
            CertificateVersion.certificate_id == certificate_id).order_by(CertificateVersion.version))
        return [_ver(r) for r in rows]

    def by_source(self, issuer_code: str, source_key: str) -> CertificateRecord | None:
        row = self._s.scalars(select(Certificate).where(
            Certificate.issuer_code == issuer_code, Certificate.source_key == source_key)).first()
        return None if row is None else _cert(row)

    def by_holder(self, holder_hash: str, type_code: str | None = None,
                  limit: int = 200) -> list[CertificateRecord]:
        q = select(Certificate).where(Certificate.holder_hash == holder_hash)
        if type_code:
            q = q.where(Certificate.type_code == type_code)
        return [_cert(r) for r in self._s.scalars(q.order_by(Certificate.id).limit(limit))]

    def page(self, *, issuer_code: str | None = None, status: str | None = None,
             after_id: int = 0, limit: int = 100) -> list[CertificateRecord]:
        q = select(Certificate).where(Certificate.id > after_id)
        if issuer_code:
            q = q.where(Certificate.issuer_code == issuer_code)
        if status:
            q = q.where(Certificate.status == status)
        return [_cert(r) for r in self._s.scalars(q.order_by(Certificate.id).limit(limit))]

    def search(self, *, issuer_codes: Collection[str], type_code: str | None = None,
               status: str | None = None, holder_hash: str | None = None,
               created_from: dt.datetime | None = None, created_to: dt.datetime | None = None,
               before_id: int | None = None, limit: int = 50) -> list[CertificateRecord]:
        """An issuing department's own certificates, newest first (keyset paging on id)."""
        q = select(Certificate).where(Certificate.issuer_code.in_(list(issuer_codes)))
        for column, value in ((Certificate.type_code, type_code), (Certificate.status, status),
                              (Certificate.holder_hash, holder_hash)):
            if value is not None:
                q = q.where(column == value)
        if created_from is not None:
            q = q.where(Certificate.created_at >= created_from)
        if created_to is not None:
            q = q.where(Certificate.created_at < created_to)
        if before_id is not None:
            q = q.where(Certificate.id < before_id)
        return [_cert(r) for r in self._s.scalars(q.order_by(Certificate.id.desc()).limit(limit))]

    def iter_certificates(self) -> Iterator[CertificateRecord]:
        for row in self._s.scalars(select(Certificate).order_by(Certificate.id)
                                   .execution_options(yield_per=500)):
            yield _cert(row)

    def iter_versions(self, issuer_code: str | None = None) -> Iterator[VersionRecord]:
        q = select(CertificateVersion).order_by(CertificateVersion.id)
        if issuer_code:
            q = q.join(Certificate, Certificate.id == CertificateVersion.certificate_id).where(
                Certificate.issuer_code == issuer_code)
        for row in self._s.scalars(q.execution_options(yield_per=500)):
            yield _ver(row)

    def current_signed_by(self, thumbprints: Collection[str], status: str,
                          issuer_code: str | None = None) -> list[str]:
        """Identifiers of current versions in `status` sealed by one of `thumbprints`."""
        if not thumbprints:
            return []
        q = (select(CertificateVersion.identifier)
             .join(Certificate, and_(Certificate.id == CertificateVersion.certificate_id,
                                     Certificate.current_version == CertificateVersion.version))
             .where(CertificateVersion.signing_cert.in_(list(thumbprints)),
                    Certificate.status == status)
             .order_by(CertificateVersion.id))
        if issuer_code:
            q = q.where(Certificate.issuer_code == issuer_code)
        return list(self._s.scalars(q))

    def due_to_lapse(self, now: dt.datetime, limit: int = 500) -> list[CertificateRecord]:
        rows = self._s.scalars(select(Certificate).where(
            Certificate.status.in_(("01", "02")), Certificate.valid_to.is_not(None),
            Certificate.valid_to < now).order_by(Certificate.id).limit(limit))
        return [_cert(r) for r in rows]

    def expiring_between(self, start: dt.datetime, end: dt.datetime) -> list[CertificateRecord]:
        rows = self._s.scalars(select(Certificate).where(
            Certificate.status == "01", Certificate.valid_to >= start, Certificate.valid_to < end))
        return [_cert(r) for r in rows]

    def count_by_status(self, issuer_code: str | None = None) -> dict[str, int]:
        q = select(Certificate.status, func.count()).group_by(Certificate.status)
        if issuer_code:
            q = q.where(Certificate.issuer_code == issuer_code)
        return {s: n for s, n in self._s.execute(q)}

    # -- updates --------------------------------------------------------------------------
    def update(self, certificate_id: int, expected_row_version: int, now: dt.datetime,
               **changes: object) -> CertificateRecord:
        """Optimistic update: fails with Conflict when someone else changed the row first."""
        row = self._s.get(Certificate, certificate_id, with_for_update=True)
        if row is None:
            raise NotFound(f"certificate {certificate_id}")
        if row.row_version != expected_row_version:
            raise Conflict("certificate changed concurrently; reload and retry")
        allowed = {"status", "current_version", "valid_from", "valid_to", "issuer_code",
                   "holder_hash", "type_version"}
        for key, value in changes.items():
            if key not in allowed:
                raise ValueError(f"column {key} cannot be updated")
            setattr(row, key, value)
        row.updated_at = now
        try:
            self._s.flush()
        except StaleDataError as exc:
            raise Conflict("certificate changed concurrently; reload and retry") from exc
        return _cert(row)

    def add_event(self, *, certificate_id: int, at: dt.datetime, event: str,
                  from_status: str | None, to_status: str, version: int, reason: str, actor: str,
                  actor_dept: str | None, details: str, sha256: str) -> StatusEventRecord:
        row = StatusEvent(certificate_id=certificate_id, at=at, event=event,
                          from_status=from_status, to_status=to_status, version=version,
                          reason=reason, actor=actor, actor_dept=actor_dept, details=details,
                          sha256=sha256)
        self._s.add(row)
        self._s.flush()
        return to_record(row, StatusEventRecord)

    def events(self, certificate_id: int) -> list[StatusEventRecord]:
        rows = self._s.scalars(select(StatusEvent).where(
            StatusEvent.certificate_id == certificate_id).order_by(StatusEvent.id))
        return [to_record(r, StatusEventRecord) for r in rows]

    def iter_events(self) -> Iterator[StatusEventRecord]:
        for row in self._s.scalars(select(StatusEvent).order_by(StatusEvent.id)
                                   .execution_options(yield_per=500)):
            yield to_record(row, StatusEventRecord)

    # -- annotated copies -----------------------------------------------------------------
    def add_annotated_copy(self, *, certificate_id: int, version: int, using_dept: str,
                           purpose: str, expires_at: dt.datetime, sha256: str,
                           now: dt.datetime) -> AnnotatedCopyRecord:
        row = AnnotatedCopy(certificate_id=certificate_id, version=version, using_dept=using_dept,
                            purpose=purpose, expires_at=expires_at, sha256=sha256, created_at=now)
        self._s.add(row)
        self._s.flush()
        return to_record(row, AnnotatedCopyRecord)

    def count_annotated_copies(self, certificate_id: int, since: dt.datetime) -> int:
        return self._s.scalar(select(func.count()).select_from(AnnotatedCopy).where(
            AnnotatedCopy.certificate_id == certificate_id, AnnotatedCopy.created_at >= since)) or 0

    # -- rendered artefacts cache ---------------------------------------------------------
    def blob(self, key: str) -> tuple[str, bytes] | None:
        row = self._s.get(BlobCache, key)
        return None if row is None else (row.content_type, row.data)

    def put_blob(self, key: str, content_type: str, data: bytes, now: dt.datetime) -> None:
        if self._s.get(BlobCache, key) is None:
            self._s.add(BlobCache(key=key, content_type=content_type, data=data, created_at=now))
            self._s.flush()

    def drop_blobs(self, prefix: str) -> None:
        for row in self._s.scalars(select(BlobCache).where(BlobCache.key.startswith(prefix))):
            self._s.delete(row)
