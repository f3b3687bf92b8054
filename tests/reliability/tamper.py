"""Random single mutations of a stored platform, each undone after it was checked.

A mutation changes ONE thing behind the platform's back (a column of one row, one row deleted,
one certificate deleted outright with its versions and events, one key file damaged) and says
what `ecert audit verify` must name: a text that identifies the row (and the check prints its
name in front). Used by tests/reliability/test_tamper.py (a sample) and the long run (200).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text


@dataclass
class Mutation:
    kind: str          # e.g. "status_events.reason"
    target: str        # the row or file, for the report
    expect: str        # a text the findings must contain (names the row)
    undo: Callable[[], None]


def _flip_text(value: str, rng: random.Random) -> str:
    idx = [i for i, ch in enumerate(value) if ch.isascii() and ch.isalnum()]
    if not idx:
        return value + "x"
    i = rng.choice(idx)
    ch = value[i]
    new = "7" if ch.isdigit() and ch != "7" else ("8" if ch.isdigit() else ("Q" if ch != "Q" else "R"))
    return value[:i] + new + value[i + 1:]


def _flip_bytes(value: bytes, rng: random.Random, lo: int = 0) -> bytes:
    raw = bytearray(value)
    i = rng.randrange(lo, len(raw))
    raw[i] ^= 1 << rng.randrange(8)
    return bytes(raw)


def _flip_ascii_in_json(value: bytes, rng: random.Random) -> bytes:
    """Change one ASCII letter or digit inside the bytes: still valid UTF-8 and JSON."""
    idx = [i for i, b in enumerate(value) if chr(b).isalnum() and b < 128]
    raw = bytearray(value)
    i = rng.choice(idx)
    raw[i] = ord("Q") if raw[i] != ord("Q") else ord("R")
    return bytes(raw)


class Tamperer:
    def __init__(self, conn: Connection, keys_dir: Path, rng: random.Random) -> None:
        self.c, self.keys_dir, self.rng = conn, keys_dir, rng

    # -- helpers --------------------------------------------------------------------------
    def _pick(self, sql: str, **kw: Any) -> dict[str, Any]:
        rows = [dict(r._mapping) for r in self.c.execute(text(sql), kw)]
        return self.rng.choice(rows)

    def _set(self, table: str, key: dict[str, Any], col: str, value: Any) -> None:
        where = " AND ".join(f"{k} = :k_{k}" for k in key)
        self.c.execute(text(f"UPDATE {table} SET {col} = :v WHERE {where}"),
                       {"v": value, **{f"k_{k}": v for k, v in key.items()}})
        self.c.commit()

    def _update(self, table: str, key: dict[str, Any], col: str, old: Any, new: Any,
                expect: str) -> Mutation:
        self._set(table, key, col, new)
        return Mutation(f"{table}.{col}", f"{table} {key}", expect,
                        lambda: self._set(table, key, col, old))

    def _delete_rows(self, table: str, where: str, **kw: Any) -> list[dict[str, Any]]:
        rows = [dict(r._mapping) for r in self.c.execute(text(f"SELECT * FROM {table} WHERE {where}"), kw)]
        self.c.execute(text(f"DELETE FROM {table} WHERE {where}"), kw)
        return rows

    def _reinsert(self, table: str, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            cols = ", ".join(row)
            vals = ", ".join(f":{k}" for k in row)
            self.c.execute(text(f"INSERT INTO {table} ({cols}) VALUES ({vals})"), row)

    # -- mutations ------------------------------------------------------------------------
    def version(self) -> Mutation:
        row = self._pick("SELECT * FROM certificate_versions")
        key, where = {"id": row["id"]}, f"version {row['identifier']}"
        col = self.rng.choice(["canonical", "jws", "sha256", "signing_cert", "change_reason",
                               "created_at", "delete"])
        if col == "canonical":
            return self._update("certificate_versions", key, col, row[col],
                                _flip_ascii_in_json(row[col], self.rng), where)
        if col in ("jws", "sha256", "signing_cert"):
            return self._update("certificate_versions", key, col, row[col],
                                _flip_text(row[col], self.rng), where)
        if col == "change_reason":
            new = "改" if row[col] is None else row[col] + "。"
            return self._update("certificate_versions", key, col, row[col], new, where)
        if col == "created_at":
            return self._update("certificate_versions", key, col, row[col],
                                _later(row[col]), where)
        rows = self._delete_rows("certificate_versions", "id = :id", id=row["id"])
        self.c.commit()
        return Mutation("certificate_versions.delete", where, f"(version {row['identifier']}): "
                        "version row missing", lambda: self._restore("certificate_versions", rows))

    def event(self) -> Mutation:
        row = self._pick("SELECT * FROM status_events")
        key, where = {"id": row["id"]}, f"status event {row['id']} "
        col = self.rng.choice(["at", "event", "from_status", "to_status", "version", "reason",
                               "actor", "actor_dept", "details", "sha256", "delete"])
        if col == "delete":
            rows = self._delete_rows("status_events", "id = :id", id=row["id"])
            self.c.commit()
            return Mutation("status_events.delete", where, f"status event {row['sha256'][:16]}… missing",
                            lambda: self._restore("status_events", rows))
        old = row[col]
        new: Any
        if col == "at":
            new = _later(old)
        elif col == "version":
            new = old + 1
        elif col == "details":
            new = '{"x": 1}' if old == "{}" else "{}"
        elif col in ("from_status", "to_status"):
            new = "03" if old != "03" else "01"
        elif col == "reason":
            new = (old or "") + "。"
        else:
            new = _flip_text(old or "", self.rng)
        return self._update("status_events", key, col, old, new, where)

    def entry(self) -> Mutation:
        size = self.c.execute(text("SELECT count(*) FROM audit_entries")).scalar_one()
        row = self._pick("SELECT * FROM audit_entries WHERE idx < :n", n=size - 1)
        key, idx = {"idx": row["idx"]}, row["idx"]
        col = self.rng.choice(["created_at", "actor", "role", "action", "cert_identifier",
                               "request_id", "details_hash", "details", "leaf_input",
                               "leaf_hash", "delete"])
        if col == "delete":
            rows = self._delete_rows("audit_entries", "idx = :idx", idx=idx)
            self.c.commit()
            return Mutation("audit_entries.delete", f"entry {idx}", f"entry {idx} missing",
                            lambda: self._restore("audit_entries", rows))
        old = row[col]
        new: Any
        if col == "created_at":
            new = _later(old)
        elif col in ("leaf_input", "leaf_hash"):
            new = _flip_bytes(old, self.rng)
        elif col == "details":
            new = _flip_ascii_in_json(old.encode(), self.rng).decode()
        else:
            new = _flip_text(old or "", self.rng)
        return self._update("audit_entries", key, col, old, new, f"entry {idx}")

    def head(self) -> Mutation:
        row = self._pick("SELECT * FROM audit_tree_heads WHERE tree_size > 0")
        key, where = {"tree_size": row["tree_size"]}, f"tree head {row['tree_size']}:"
        col = self.rng.choice(["root_hash", "signature", "timestamp_ms"])
        old = row[col]
        new = old + 1 if col == "timestamp_ms" else _flip_bytes(old, self.rng)
        return self._update("audit_tree_heads", key, col, old, new, where)

    def pki(self) -> Mutation:
        row = self._pick("SELECT * FROM pki_certificates")
        key, where = {"id": row["id"]}, f"pki certificate {row['id']} "
        col = self.rng.choice(["der", "serial", "x5t_s256", "not_after", "not_before"])
        old = row[col]
        new: Any
        if col == "der":
            new = _flip_bytes(old, self.rng, lo=len(old) // 4)
        elif col in ("not_after", "not_before"):
            new = _later(old)
        else:
            new = _flip_text(old, self.rng)
        return self._update("pki_certificates", key, col, old, new, where)

    def key_file(self) -> Mutation:
        row = self._pick("SELECT key_label FROM pki_certificates WHERE kind NOT LIKE 'client%'")
        label = row["key_label"]
        path = self.keys_dir / f"{label}.key.pem"
        old = path.read_bytes()
        how = self.rng.choice(["flip", "truncate", "delete", "swap"])
        if how == "delete":
            path.unlink()
        elif how == "truncate":
            path.write_bytes(old[: len(old) // 2])
        elif how == "swap":
            others = [p for p in self.keys_dir.glob("*.key.pem") if p != path]
            path.write_bytes(self.rng.choice(others).read_bytes())
        else:
            lines = old.split(b"\n")
            i = self.rng.randrange(1, len(lines) - 2)  # a base64 line of the body
            lines[i] = _flip_text(lines[i].decode(), self.rng).encode()
            path.write_bytes(b"\n".join(lines))
        return Mutation(f"key_file.{how}", str(path.name), f"key {label}:",
                        lambda: path.write_bytes(old))

    def certificate_deleted(self) -> Mutation:
        """The case that passed before: certificate, versions and events gone together."""
        row = self._pick("SELECT id, base_identifier FROM certificates")
        cid = row["id"]
        first = self.c.execute(text("SELECT identifier FROM certificate_versions WHERE "
                                    "certificate_id = :c AND version = 1"), {"c": cid}).scalar_one()
        saved = []
        for table in ("co_signatures", "annotated_copies", "objections", "notifications",
                      "status_events",
                      "certificate_versions"):
            saved.append((table, self._delete_rows(table, "certificate_id = :c", c=cid)))
        saved.append(("certificates", self._delete_rows("certificates", "id = :c", c=cid)))
        self.c.commit()
        return Mutation("certificate.delete", row["base_identifier"],
                        f"(version {first}): version row missing",
                        lambda: [self._restore(t, rows) for t, rows in reversed(saved)] and None)

    def certificate_status(self) -> Mutation:
        row = self._pick("SELECT id, base_identifier, status FROM certificates")
        new = "03" if row["status"] != "03" else "01"
        return self._update("certificates", {"id": row["id"]}, "status", row["status"], new,
                            f"certificate {row['base_identifier']} (row {row['id']})")

    def _restore(self, table: str, rows: list[dict[str, Any]]) -> None:
        self._reinsert(table, rows)
        self.c.commit()

    KINDS = ("version", "event", "entry", "head", "pki", "key_file", "certificate_deleted",
             "certificate_status")

    def random(self, kind: str | None = None) -> Mutation:
        return getattr(self, kind or self.rng.choice(self.KINDS))()  # type: ignore[no-any-return]


def _later(value: Any) -> Any:
    """One second later: a datetime (PostgreSQL) or SQLite's text form of one."""
    import datetime as dt

    if isinstance(value, str):
        return (dt.datetime.fromisoformat(value) + dt.timedelta(seconds=1)).isoformat(sep=" ")
    return value + dt.timedelta(seconds=1)
