"""Many rows into one table in the caller's transaction: PostgreSQL `COPY … FROM STDIN`, the
driver's own executemany elsewhere (issue 11: "COPY or pipelined executemany, not one
statement per row").

Through `COPY` a batch of N rows is one statement and one data stream instead of N parameter
sets; on SQLite the rows go straight to `sqlite3`'s executemany, without SQLAlchemy's
per-row parameter handling. Either way the columns' bind processing runs as it would for an
INSERT (`UtcDateTime` refuses naive datetimes), Python-side column defaults fill missing
keys, database errors come back as SQLAlchemy's (an `IntegrityError` stays one), and the
list generations are told about the table (`generations.touch`), as the session's listeners
are for the statements they see.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from certificate_store import generations

COPY_MIN_ROWS = 16  # fewer rows: one executemany (a COPY costs an extra protocol exchange)


def insert_rows(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (every row with the same keys) into ``table`` in the session's
    transaction."""
    if not rows:
        return
    conn = session.connection()
    dialect = conn.dialect
    pg = dialect.name == "postgresql"
    if pg and len(rows) < COPY_MIN_ROWS or dialect.name not in ("postgresql", "sqlite"):
        session.execute(insert(table), list(rows))
        return
    names = list(rows[0])
    defaults = {c.name: cast(Any, c.default).arg for c in table.columns
                if c.name not in names and c.default is not None and c.default.is_scalar}
    names += list(defaults)
    procs: list[Callable[[Any], Any] | None] = [
        _last_value(p) for p in (table.c[n].type.dialect_impl(dialect).bind_processor(dialect)
                                 for n in names)]
    cols = ", ".join(_quoted(n) for n in names)
    raw: Any = conn.connection.driver_connection
    values = _values(rows, names, defaults, procs)
    if pg:
        statement = f"COPY {_quoted(table.name)} ({cols}) FROM STDIN"
    else:
        marks = ", ".join("?" for _ in names)
        statement = f"INSERT INTO {_quoted(table.name)} ({cols}) VALUES ({marks})"  # noqa: S608
    try:
        if pg:
            with raw.cursor() as cur, cur.copy(statement) as copy:
                for v in values:
                    copy.write_row(v)
        else:
            raw.executemany(statement, values)
    except dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(statement, None, exc, dialect.loaded_dbapi.Error) from exc
    generations.touch(session, table.name)


def _values(rows: Sequence[Mapping[str, Any]], names: list[str], defaults: Mapping[str, Any],
            procs: list[Callable[[Any], Any] | None]) -> Iterator[list[Any]]:
    """Each row's values in the order of `names` (defaults for the keys it lacks), bound."""
    own = names[:len(names) - len(defaults)]
    take = operator.itemgetter(*own)  # one C call per row for the keys of the first row
    bound = [(i, p) for i, p in enumerate(procs) if p is not None]
    for row in rows:
        try:
            got = take(row)
            values = [*got, *defaults.values()] if len(own) > 1 else [got, *defaults.values()]
        except KeyError:  # a row without some key of the first: absent means None
            values = [row.get(n, defaults.get(n)) for n in names]
        for i, p in bound:
            if values[i] is not None:
                values[i] = p(values[i])
        yield values


def _last_value(process: Callable[[Any], Any] | None) -> Callable[[Any], Any] | None:
    """`process`, remembering its last result: a batch's rows share values such as their
    `now` (the same object), which then are converted once per batch instead of per row."""
    if process is None:
        return None
    last: list[Any] = [_NOTHING, None]

    def convert(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, process(value)
        return last[1]

    return convert


_NOTHING = object()


def _quoted(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"unexpected SQL name {name!r}")
    return f'"{name}"'
