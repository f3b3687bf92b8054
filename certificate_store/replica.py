"""Read replica: read-only lookups and verifications served by a PostgreSQL streaming replica.

The rule that keeps every answer right: a read is served by the replica only when the replica
is **at least as new as the primary was when the read started**. The yardstick is the
generation counters (`certificate_store.generations`): every commit that changes what a
verdict, a grant or a list depends on (certificates, versions, status events, departments,
PKI certificates, certificate types with their grants) bumps one, in its own transaction and
in commit order. So:

1. read the primary's generations (one small SELECT, no lock);
2. open a REPEATABLE READ transaction on the replica and read its generations in the same
   snapshot as the data that follows;
3. every replica generation >= the primary's → serve from this snapshot; otherwise poll
   until ``max_wait`` (the lag bound), then fall back to the primary.

A replica that cannot be reached is skipped for ``down_for`` seconds (the primary serves).
Audit entries always go to the primary: `transaction()` yields a unit of work whose
``audit`` repository is bound to an open primary transaction (so an audited read commits its
entry on the primary, or the answer is not given), and whose other repositories read the
replica. When the primary cannot be asked, `read()` still serves the replica's snapshot but
says it is unconfirmed (``Read.confirmed``): callers must not answer "valid" from it.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import create_engine, text
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from certificate_store import generations
from certificate_store.db import Store, UnitOfWork
from certificate_store.errors import StoreUnavailable
from certificate_store.personal import holder_hash
from certificate_store.repos.audit import AuditRepo

_LOST = (OperationalError, InterfaceError)
POLL_SECONDS = 0.005


class Transactions(Protocol):
    """What a read path needs from a store: units of work and the holder index."""

    def transaction(self) -> contextlib.AbstractContextManager[UnitOfWork]: ...

    def holder_hash(self, holder_code: str) -> str: ...


@dataclass(frozen=True)
class Read:
    uow: UnitOfWork
    source: str
    """``replica`` or ``primary``: where the data came from."""
    confirmed: bool
    """The data is at least as new as the primary's at the start of the read. False only
    when the primary could not be asked and the replica answered alone."""


class _SplitUnitOfWork(UnitOfWork):
    """Reads from the replica's snapshot; audit entries into the primary's transaction."""

    def __init__(self, session: Session, primary: UnitOfWork, holder_key: bytes) -> None:
        super().__init__(session, holder_key)
        self._primary = primary

    @property
    def audit(self) -> AuditRepo:
        return self._primary.audit

    @property
    def dialect(self) -> str:
        return self._primary.dialect


class PrimaryReads:
    """No replica configured: every read is the primary's."""

    def __init__(self, primary: Store) -> None:
        self.primary = primary
        self.served: Counter[str] = Counter()

    def holder_hash(self, holder_code: str) -> str:
        return self.primary.holder_hash(holder_code)

    def transaction(self) -> contextlib.AbstractContextManager[UnitOfWork]:
        return self.primary.transaction()

    @contextlib.contextmanager
    def read(self) -> Iterator[Read]:
        with self.primary.transaction() as uow:
            yield Read(uow, "primary", True)


class ReplicaReads(PrimaryReads):
    """Reads routed to a streaming replica when it has caught up (see the module's rule)."""

    def __init__(self, primary: Store, url: str, *, max_wait: float = 0.1,
                 down_for: float = 5.0) -> None:
        super().__init__(primary)
        if not url.startswith("postgresql"):
            raise ValueError("a read replica must be a postgresql+psycopg:// URL")
        self.url = url
        self.max_wait = max_wait
        self.down_for = down_for
        self.engine = create_engine(
            url, pool_pre_ping=True, pool_size=5, max_overflow=5,
            isolation_level="REPEATABLE READ",
            connect_args={"connect_timeout": 3, "application_name": "ecert-replica-read"})
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._down_until = 0.0
        self._lock = threading.Lock()

    def dispose(self) -> None:
        self.engine.dispose()

    def holder_hash(self, holder_code: str) -> str:
        return holder_hash(holder_code, self.primary.holder_key)

    # -- the rule ---------------------------------------------------------------------------
    def _count(self, where: str) -> None:
        with self._lock:
            self.served[where] += 1

    def _mark_down(self) -> None:
        with self._lock:
            self._down_until = time.monotonic() + self.down_for

    def _snapshot(self) -> tuple[Session, dict[str, int]] | None:
        """A replica session in a fresh snapshot, with the generations it sees."""
        if time.monotonic() < self._down_until:
            return None
        session = self._sessions()
        try:
            return session, generations.read(session)
        except _LOST:
            session.close()
            self._mark_down()
            return None

    def _fresh(self, wanted: Mapping[str, int]) -> Session | None:
        """A replica snapshot at least as new as ``wanted``, within ``max_wait``; else None."""
        deadline = time.monotonic() + self.max_wait
        while True:
            snap = self._snapshot()
            if snap is None:
                self._count("primary:replica-down")
                return None
            session, seen = snap
            if all(seen.get(k, 0) >= v for k, v in wanted.items()):
                self._count("replica")
                return session
            session.close()
            if time.monotonic() >= deadline:
                self._count("primary:replica-lag")
                return None
            time.sleep(POLL_SECONDS)

    def _primary_generations(self) -> dict[str, int] | None:
        try:
            with self.primary.engine.connect() as conn:
                return generations.read(conn)
        except _LOST:
            return None

    @contextlib.contextmanager
    def _serving(self, session: Session) -> Iterator[Session]:
        try:
            yield session
        except _LOST as exc:  # the replica went away mid-read: no answer, skip it for now
            self._mark_down()
            raise StoreUnavailable("database unavailable") from exc
        finally:
            with contextlib.suppress(*_LOST):
                session.close()

    # -- the two ways in --------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[UnitOfWork]:
        """For audited reads: data from a fresh replica snapshot (or the primary), the audit
        entry in a primary transaction that commits when the block ends."""
        with self.primary.transaction() as puow:
            session = self._fresh(puow.list_generations())
            if session is None:
                yield puow
                return
            with self._serving(session):
                yield _SplitUnitOfWork(session, puow, self.primary.holder_key)

    @contextlib.contextmanager
    def read(self) -> Iterator[Read]:
        """For unaudited reads (public status): the replica when fresh, else the primary; when
        the primary is down, the replica's snapshot marked unconfirmed."""
        wanted = self._primary_generations()
        if wanted is None:
            snap = self._snapshot()
            if snap is None:
                raise StoreUnavailable("database unavailable")
            self._count("replica:unconfirmed")
            with self._serving(snap[0]) as unconfirmed:
                yield Read(UnitOfWork(unconfirmed, self.primary.holder_key), "replica", False)
            return
        fresh = self._fresh(wanted)
        if fresh is None:
            with self.primary.transaction() as uow:
                yield Read(uow, "primary", True)
            return
        with self._serving(fresh):
            yield Read(UnitOfWork(fresh, self.primary.holder_key), "replica", True)

    def replay_lag_seconds(self) -> float | None:
        """now() - pg_last_xact_replay_timestamp() on the replica (for metrics and docs; the
        routing rule does not use it: an idle primary makes it grow without any lag)."""
        try:
            with self.engine.connect() as conn:
                value = conn.execute(text(
                    "SELECT EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())")).scalar()
        except _LOST:
            return None
        return None if value is None else float(value)
