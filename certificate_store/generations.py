"""List generations: a database-held counter per signed list, bumped with every change.

Signed lists (trust list, status list) are cached by each worker process; keying the cache
by these counters makes a change visible to every process at its next request, with no
message bus. Changes are noticed whatever way they reach the database: the unit-of-work
flush (``before_flush``) and bulk statements run through the session (``do_orm_execute``).
The counters are bumped once, at commit, in a fixed order (an upsert), so two committing transactions
never wait on each other the wrong way round and the row lock is held only briefly.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import chain
from typing import Any

from sqlalchemy import Table, event, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from certificate_store.models.core import ListGeneration

# Which tables each list is built from (verifier.lists); the root signs both lists.
# "catalog" is no list: it marks changes of the types and their grants, so that a read
# replica can prove it is as new as the primary for everything a lookup decides on
# (certificate_store.replica).
LISTS_OF_TABLE: Mapping[str, tuple[str, ...]] = {
    "certificates": ("status",),
    "certificate_versions": ("status",),
    "status_events": ("status",),
    "certificate_types": ("catalog",),
    "departments": ("trust",),
    "pki_certificates": ("trust", "status"),
}
LIST_NAMES = ("catalog", "status", "trust")
_TOUCHED = "ecert.lists_touched"


def _touch(session: Session, table: object) -> None:
    kinds = LISTS_OF_TABLE.get(table if isinstance(table, str) else "", ())
    if kinds:
        session.info.setdefault(_TOUCHED, set()).update(kinds)


def touch(session: Session, table_name: str) -> None:
    """Tell the session a table changed by a path its listeners do not see (PostgreSQL COPY)."""
    _touch(session, table_name)


def _before_flush(session: Session, _ctx: object, _instances: object) -> None:
    for obj in chain(session.new, session.dirty, session.deleted):
        _touch(session, getattr(obj, "__tablename__", None))


def _on_execute(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        _touch(state.session, getattr(table, "name", None))


def _before_commit(session: Session) -> None:
    session.flush()
    kinds = session.info.pop(_TOUCHED, set())
    table = ListGeneration.__table__
    assert isinstance(table, Table)
    conn = session.connection()
    upsert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    for kind in sorted(kinds):
        # one atomic statement: the first bump inserts the row (a restore needs empty tables)
        stmt = upsert(table).values(name=kind, value=1)
        conn.execute(stmt.on_conflict_do_update(index_elements=[table.c.name],
                                                set_={"value": table.c.value + 1}))


def _after_end(session: Session, _transaction: object) -> None:
    session.info.pop(_TOUCHED, None)


def install(sessions: sessionmaker[Session]) -> None:
    """Register the listeners on a store's session factory."""
    event.listen(sessions, "before_flush", _before_flush)
    event.listen(sessions, "do_orm_execute", _on_execute)
    event.listen(sessions, "before_commit", _before_commit)
    event.listen(sessions, "after_soft_rollback", _after_end)


def read(session: Any) -> dict[str, int]:
    """The current generation of every list (0 for a list never bumped)."""
    rows = session.execute(select(ListGeneration.name, ListGeneration.value)).all()
    found = {str(n): int(v) for n, v in rows}
    return {name: found.get(name, 0) for name in LIST_NAMES}
