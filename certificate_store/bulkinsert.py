"""Many rows into one table in the caller's transaction: PostgreSQL `COPY … FROM STDIN`,
executemany elsewhere (issue 11: "COPY or pipelined executemany, not one statement per row").

Through `COPY` a batch of N rows is one statement and one data stream instead of N
parameter sets; the column types' bind processing (`UtcDateTime` refuses naive datetimes)
runs as it would for an INSERT, database errors come back as SQLAlchemy's (an
`IntegrityError` stays one), and the list generations are told about the table
(`generations.touch`), as the session's listeners are for statements they see.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from certificate_store import generations

COPY_MIN_ROWS = 16  # fewer rows: one executemany (a COPY costs an extra protocol exchange)


def insert_rows(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (every row with the same keys) into ``table`` in the session's
    transaction: `COPY` on PostgreSQL for ``COPY_MIN_ROWS`` rows or more."""
    if not rows:
        return
    conn = session.connection()
    if conn.dialect.name != "postgresql" or len(rows) < COPY_MIN_ROWS:
        session.execute(insert(table), list(rows))
        return
    names = list(rows[0])
    procs: list[Callable[[Any], Any] | None] = [
        table.c[n].type.bind_processor(conn.dialect) for n in names]
    cols = ", ".join(_quoted(n) for n in names)
    statement = f"COPY {_quoted(table.name)} ({cols}) FROM STDIN"
    raw: Any = conn.connection.driver_connection
    try:
        with raw.cursor() as cur, cur.copy(statement) as copy:
            for row in rows:
                copy.write_row([v if p is None or v is None else p(v)
                                for p, v in zip(procs, (row[n] for n in names), strict=True)])
    except conn.dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(statement, None, exc, conn.dialect.loaded_dbapi.Error) from exc
    generations.touch(session, table.name)


def _quoted(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"unexpected SQL name {name!r}")
    return f'"{name}"'
