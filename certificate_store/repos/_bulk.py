"""Bulk writes below SQLAlchemy's per-row bookkeeping, in the session's transaction."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, LargeBinary, Table


def driver_insert(
    conn: Connection, table: Table, fields: Sequence[str], rows: Sequence[tuple[object, ...]]
) -> None:
    """One driver-level executemany, values bound through the columns' own types (the same
    stored form as a Core insert, without SQLAlchemy's per-row parameter bookkeeping)."""
    dialect = conn.dialect
    # bytes need no processing on either driver (LargeBinary's processor only wraps them)
    procs = [(i, p) for i, f in enumerate(fields)
             if not isinstance(table.c[f].type, LargeBinary)
             and (p := table.c[f].type.dialect_impl(dialect).bind_processor(dialect))]
    if procs:
        lists = [list(r) for r in rows]
        for r in lists:
            for i, p in procs:
                if r[i] is not None:
                    r[i] = p(r[i])
        rows = [tuple(r) for r in lists]
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = (f"INSERT INTO {table.name} ({', '.join(fields)}) "  # noqa: S608 - fixed names
           f"VALUES ({', '.join([mark] * len(fields))})")
    conn.exec_driver_sql(sql, list(rows))


def copy_rows(
    conn: Connection, table: str, fields: Sequence[str], rows: Sequence[tuple[object, ...]]
) -> None:
    """PostgreSQL ``COPY … FROM STDIN`` through psycopg, in the session's transaction."""
    raw = conn.connection.driver_connection
    with raw.cursor() as cur, cur.copy(  # type: ignore[union-attr]
        f"COPY {table} ({', '.join(fields)}) FROM STDIN"
    ) as cp:
        for r in rows:
            cp.write_row(r)
