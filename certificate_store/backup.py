"""Logical snapshot of the whole store, portable between SQLite and PostgreSQL (Art. 19).

`dump` reads every table inside ONE transaction (a consistent snapshot while writers go on:
PostgreSQL REPEATABLE READ, SQLite's single transaction) into JSON lines; `load` writes them
into an empty, migrated database. Bytes are base64, datetimes ISO 8601 with offset.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy import LargeBinary, Table, func, insert, select, text

from certificate_store.db import Store
from certificate_store.errors import Conflict, IntegrityViolation
from certificate_store.models import Base
from certificate_store.models.base import UtcDateTime

FORMAT = "ecert-backup/1"


def tables() -> list[Table]:
    """All tables, parents before children."""
    return list(Base.metadata.sorted_tables)


def _encode(col_type: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(col_type, LargeBinary):
        return base64.b64encode(value).decode()
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def _decode(col_type: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(col_type, LargeBinary):
        return base64.b64decode(value)
    if isinstance(col_type, UtcDateTime):
        return dt.datetime.fromisoformat(value)
    return value


@dataclass(frozen=True)
class Snapshot:
    tables: dict[str, dict[str, Any]]  # {table: {rows, sha256}}
    last_rows: dict[str, dict[str, Any]]  # the last row (by primary key) of each table, decoded


def dump(store: Store, open_table: Any) -> Snapshot:
    """Write each table through `open_table(name) -> IO[str]`, all from one snapshot."""
    manifest: dict[str, dict[str, Any]] = {}
    last_rows: dict[str, dict[str, Any]] = {}
    with store.engine.connect() as conn:
        if store.dialect == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            for table in tables():
                digest = hashlib.sha256()
                rows = 0
                with open_table(table.name) as fh:
                    pk = list(table.primary_key.columns)
                    for row in conn.execute(select(table).order_by(*pk)):
                        last_rows[table.name] = dict(row._mapping)
                        obj = {c.name: _encode(c.type, row._mapping[c.name]) for c in table.columns}
                        line = json.dumps(obj, ensure_ascii=False, sort_keys=True) + "\n"
                        fh.write(line)
                        digest.update(line.encode())
                        rows += 1
                manifest[table.name] = {"rows": rows, "sha256": digest.hexdigest()}
    return Snapshot(manifest, last_rows)


def _lines(fh: IO[str], digest: Any) -> Iterator[dict[str, Any]]:
    for line in fh:
        digest.update(line.encode())
        yield json.loads(line)


def load(store: Store, open_table: Any, manifest: dict[str, dict[str, Any]]) -> None:
    """Load a dump into an empty, migrated database, checking every table's hash."""
    with store.engine.begin() as conn:
        for table in tables():
            if conn.execute(select(func.count()).select_from(table)).scalar():
                raise Conflict(f"target database is not empty (table {table.name})")
        for table in tables():
            want = manifest.get(table.name)
            if want is None:
                continue  # a table newer than the backup stays empty
            digest = hashlib.sha256()
            batch: list[dict[str, Any]] = []
            count = 0
            with open_table(table.name) as fh:
                for obj in _lines(fh, digest):
                    batch.append({c.name: _decode(c.type, obj.get(c.name)) for c in table.columns})
                    count += 1
                    if len(batch) >= 1000:
                        conn.execute(insert(table), batch)
                        batch = []
                if batch:
                    conn.execute(insert(table), batch)
            if digest.hexdigest() != want["sha256"] or count != want["rows"]:
                raise IntegrityViolation(f"backup table {table.name} does not match its manifest")
        if store.dialect == "postgresql":
            for table in tables():
                for col in table.primary_key.columns:
                    if col.autoincrement is True or (col.autoincrement == "auto"
                                                     and col.type.python_type is int
                                                     and len(table.primary_key.columns) == 1):
                        # names come from our own metadata, never from input
                        sql = (f"SELECT setval(pg_get_serial_sequence('{table.name}', "  # noqa: S608
                               f"'{col.name}'), COALESCE((SELECT MAX({col.name}) FROM "
                               f"{table.name}), 0) + 1, false) "
                               "WHERE pg_get_serial_sequence(:t, :c) IS NOT NULL")
                        conn.execute(text(sql), {"t": table.name, "c": col.name})
