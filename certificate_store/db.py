"""Engine, transactions and the unit of work.

One `Store` per process, built at start-up from a database URL. Every state change runs in
`store.transaction()`, which yields a `UnitOfWork`: the change and its audit entry commit
together or not at all (Art. 21).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    InterfaceError,
    OperationalError,
    PendingRollbackError,
)
from sqlalchemy.orm import Session, sessionmaker

from certificate_store import generations
from certificate_store.errors import InvalidValue, StoreUnavailable
from certificate_store.personal import UNKEYED, holder_hash
from certificate_store.repos.audit import AuditRepo
from certificate_store.repos.certificates import CertificateRepo
from certificate_store.repos.core import (
    CatalogRepo,
    CounterRepo,
    DepartmentRepo,
    IdempotencyRepo,
    PkiRepo,
    TokenRepo,
)
from certificate_store.repos.cosign import CoSignatureRepo
from certificate_store.repos.evidence import EvidenceRepo
from certificate_store.repos.operators import OperatorRepo
from certificate_store.repos.outbox import OutboxRepo
from certificate_store.repos.pdfarchives import PdfArchiveRepo
from certificate_store.repos.pdfjobs import PdfJobRepo
from certificate_store.repos.proposals import ProposalRepo
from certificate_store.repos.status_index import StatusIndexRepo
from certificate_store.repos.workflow import ImportJobRepo, NotificationRepo, ObjectionRepo

# The tables that grow by a row or more per certificate a bulk import issues.
BULK_TABLES = ("certificates", "certificate_versions", "status_events", "audit_entries",
               "audit_tiles")


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # WAL lets readers run beside the single writer; foreign keys are off by default in SQLite.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()
    # Let SQLAlchemy emit BEGIN itself (see _sqlite_begin): pysqlite's implicit BEGIN is deferred
    # and would let two writers deadlock on lock upgrade.
    dbapi_conn.isolation_level = None


def _sqlite_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def sqlite_file(url: str) -> Path | None:
    """The database file a SQLite URL names; None for other databases and `sqlite://`."""
    if not url.startswith("sqlite"):
        return None
    database = make_url(url).database
    return Path(database) if database else None


class Store:
    """The central store. Thread-safe; open one per process."""

    def __init__(self, url: str, holder_key: bytes = UNKEYED) -> None:
        self.url = url
        self.holder_key = holder_key
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        generations.install(self._sessions)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextlib.contextmanager
    def transaction(self) -> Iterator[UnitOfWork]:
        """One atomic unit of work: commits on success, rolls back on any exception."""
        try:
            session = self._sessions()
        except OperationalError as exc:  # pragma: no cover - depends on the server
            raise StoreUnavailable("database unavailable") from exc
        try:
            with session.begin():
                yield UnitOfWork(session, self.holder_key)
        except (OperationalError, InterfaceError, PendingRollbackError) as exc:
            # a connection lost mid-transaction (server gone, pg_terminate_backend): also
            # when code below swallowed the first error and the session refused to go on
            raise StoreUnavailable("database unavailable") from exc
        except DataError as exc:  # PostgreSQL refuses NUL bytes and out-of-range integers
            raise InvalidValue("a value cannot be stored") from exc
        except DBAPIError as exc:
            if exc.connection_invalidated:
                raise StoreUnavailable("database unavailable") from exc
            raise
        finally:
            session.close()

    def create_schema(self) -> None:
        """Apply Alembic migrations up to head (an empty database gets the whole schema)."""
        from certificate_store.migrations import upgrade_to_head

        upgrade_to_head(self.engine)

    def schema_revision(self) -> tuple[str | None, str]:
        """(the database's Alembic revision, the newest this code knows)."""
        from certificate_store.migrations import current_revision, head_revision

        return current_revision(self.engine), head_revision()

    def dispose(self) -> None:
        self.engine.dispose()

    def holder_hash(self, holder_code: str) -> str:
        """How this store indexes a holder (keyed; see certificate_store.personal)."""
        return holder_hash(holder_code, self.holder_key)


class UnitOfWork:
    """Repositories bound to one transaction. Attributes are created on first use."""

    def __init__(self, session: Session, holder_key: bytes = UNKEYED) -> None:
        self._session = session
        self._holder_key = holder_key
        self._repos: dict[str, Any] = {}

    def _repo(self, name: str, factory: Any) -> Any:
        repo = self._repos.get(name)
        if repo is None:
            repo = self._repos[name] = factory(self._session)
        return repo

    @property
    def dialect(self) -> str:
        return self._session.get_bind().dialect.name

    def holder_hash(self, holder_code: str) -> str:
        return holder_hash(holder_code, self._holder_key)

    def refresh_statistics(self) -> None:
        """Refresh the query planner's statistics of the tables a bulk import grows.

        PostgreSQL plans with what it last sampled: after a million-row import its plans for
        the grown register were those of an empty one (a lookup by certificate took a parallel
        bitmap scan, 25-35 ms, instead of an index probe under 1 ms; the status backfill's
        probe scanned every row, 2 s), and autovacuum's analyze lags a bulk load or is off.
        ANALYZE samples a fixed number of rows, so it costs seconds at any size. SQLite:
        ``PRAGMA optimize`` (its own judgement of which statistics are worth refreshing).
        """
        if self.dialect == "postgresql":
            self._session.execute(text("ANALYZE " + ", ".join(BULK_TABLES)))
        else:
            self._session.execute(text("PRAGMA optimize"))

    def list_generations(self) -> dict[str, int]:
        """Generation of each signed list (``trust``, ``status``): bumped by every commit that
        changes what the list says (certificate_store.generations)."""
        return generations.read(self._session)

    @property
    def audit(self) -> AuditRepo:
        return self._repo("audit", AuditRepo)  # type: ignore[no-any-return]

    @property
    def departments(self) -> DepartmentRepo:
        return self._repo("departments", DepartmentRepo)  # type: ignore[no-any-return]

    @property
    def pki(self) -> PkiRepo:
        return self._repo("pki", PkiRepo)  # type: ignore[no-any-return]

    @property
    def counters(self) -> CounterRepo:
        return self._repo("counters", CounterRepo)  # type: ignore[no-any-return]

    @property
    def catalog(self) -> CatalogRepo:
        return self._repo("catalog", CatalogRepo)  # type: ignore[no-any-return]

    @property
    def tokens(self) -> TokenRepo:
        return self._repo("tokens", TokenRepo)  # type: ignore[no-any-return]

    @property
    def outbox(self) -> OutboxRepo:
        return self._repo("outbox", OutboxRepo)  # type: ignore[no-any-return]

    @property
    def pdf_jobs(self) -> PdfJobRepo:
        return self._repo("pdf_jobs", PdfJobRepo)  # type: ignore[no-any-return]

    @property
    def pdf_archives(self) -> PdfArchiveRepo:
        return self._repo("pdf_archives", PdfArchiveRepo)  # type: ignore[no-any-return]

    @property
    def operators(self) -> OperatorRepo:
        return self._repo("operators", OperatorRepo)  # type: ignore[no-any-return]

    @property
    def proposals(self) -> ProposalRepo:
        return self._repo("proposals", ProposalRepo)  # type: ignore[no-any-return]

    @property
    def idempotency(self) -> IdempotencyRepo:
        return self._repo("idempotency", IdempotencyRepo)  # type: ignore[no-any-return]

    @property
    def certificates(self) -> CertificateRepo:
        return self._repo("certificates", CertificateRepo)  # type: ignore[no-any-return]

    @property
    def cosignatures(self) -> CoSignatureRepo:
        return self._repo("cosignatures", CoSignatureRepo)  # type: ignore[no-any-return]

    @property
    def objections(self) -> ObjectionRepo:
        return self._repo("objections", ObjectionRepo)  # type: ignore[no-any-return]

    @property
    def evidence(self) -> EvidenceRepo:
        return self._repo("evidence", EvidenceRepo)  # type: ignore[no-any-return]

    @property
    def notifications(self) -> NotificationRepo:
        return self._repo("notifications", NotificationRepo)  # type: ignore[no-any-return]

    @property
    def status_index(self) -> StatusIndexRepo:
        return self._repo("status_index", StatusIndexRepo)  # type: ignore[no-any-return]

    @property
    def imports(self) -> ImportJobRepo:
        return self._repo("imports", ImportJobRepo)  # type: ignore[no-any-return]
