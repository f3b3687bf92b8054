"""Failed authentications, counted per source and window rather than written one by one.

Art. 21 wants failed logins on the record, but an anonymous caller must not be able to write
the permanent, append-only audit log at will (700 bogus tokens once made 700 entries with
paths of the caller's choosing). So, per source address and window of :data:`WINDOW`:

* the first failure is written at once (`auth.failure`, count 1);
* the others are counted, and written as one summary entry (`auth.failure`, `summary`, with
  the count and a few of the paths) when the window has closed — on the next failure from any
  source, or by the housekeeping loop (:meth:`AuthFailures.flush`);
* after :data:`LIMIT` failures in a window the source is refused with 429 before anything is
  looked up or written (:meth:`AuthFailures.retry_after`).

Every string the caller chose (paths) is cut to :data:`PATH_CHARS` characters. The counts
live in the process: each worker counts its own share.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from typing import Any

from audit_log.log import AuditLog
from certificate_store import Store, UnitOfWork

WINDOW = dt.timedelta(minutes=1)
LIMIT = 20  # failures per source and window before 429
PATH_CHARS = 64
PATHS_KEPT = 5
MAX_SOURCES = 10_000  # windows held at once; past this the oldest are summarised early


@dataclass
class _Window:
    source: str
    start: dt.datetime
    count: int = 1
    paths: list[str] = field(default_factory=list)


class AuthFailures:
    def __init__(self, audit: AuditLog, window: dt.timedelta = WINDOW, limit: int = LIMIT) -> None:
        self.audit = audit
        self.window = window
        self.limit = limit
        self._windows: dict[str, _Window] = {}
        self._lock = threading.Lock()

    def retry_after(self, source: str, now: dt.datetime) -> int | None:
        """Seconds until `source` may try again, when it has failed too often; else None."""
        with self._lock:
            w = self._windows.get(source)
            if w is None or now - w.start >= self.window or w.count < self.limit:
                return None
            return max(1, int((w.start + self.window - now).total_seconds()) + 1)

    def record(self, uow: UnitOfWork, source: str, path: str, request_id: str | None,
               now: dt.datetime) -> None:
        """Count one failure; write the first of a window, and the summaries of closed ones."""
        source, path = source[:PATH_CHARS], path[:PATH_CHARS]
        with self._lock:
            closed = self._pop_closed(now)
            w = self._windows.get(source)
            first = w is None
            if w is None:
                self._windows[source] = _Window(source, now, paths=[path])
            else:
                w.count += 1
                if path not in w.paths and len(w.paths) < PATHS_KEPT:
                    w.paths.append(path)
        for c in closed:
            self._write_summary(uow, c, now)
        if first:
            self._write(uow, now, request_id, {"source": source, "path": path, "count": 1})

    def flush(self, store: Store, now: dt.datetime) -> int:
        """Write the summaries of the windows that have closed; returns how many."""
        with self._lock:
            closed = self._pop_closed(now)
        written = [c for c in closed if c.count > 1]
        if written:
            with store.transaction() as uow:
                for c in written:
                    self._write_summary(uow, c, now)
        return len(written)

    def _pop_closed(self, now: dt.datetime) -> list[_Window]:
        ended = [k for k, w in self._windows.items() if now - w.start >= self.window]
        if len(self._windows) - len(ended) >= MAX_SOURCES:
            oldest = sorted(self._windows.values(), key=lambda w: w.start)
            ended += [w.source for w in oldest[:len(self._windows) // 10]]
        return [self._windows.pop(k) for k in dict.fromkeys(ended)]

    def _write_summary(self, uow: UnitOfWork, w: _Window, now: dt.datetime) -> None:
        if w.count > 1:  # the first failure is on the record already
            self._write(uow, now, None, {
                "source": w.source, "summary": True, "count": w.count, "paths": w.paths,
                "since": w.start.isoformat(), "until": (w.start + self.window).isoformat()})

    def _write(self, uow: UnitOfWork, now: dt.datetime, request_id: str | None,
               details: dict[str, Any]) -> None:
        # Art. 21: failures are logged; never the token itself.
        self.audit.record(uow, now=now, actor="anonymous", actor_dept=None, role="none",
                          action="auth.failure", request_id=request_id, details=details)
