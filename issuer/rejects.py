"""The rejects file of an import (`issuer.imports`): the rejected rows in the input's format,
each with its row number and reason; on resume, lines of rows not yet committed are dropped."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from formats.text import csv_row


class Rejects:
    """Rejects writer; on resume drops lines of rows >= the committed `rows_done`."""

    def __init__(self, path: Path, fmt: str, resume_from: int) -> None:
        self.path, self.fmt = path, fmt
        self._f: TextIO | None = None
        self._writer: Any = None
        self._header: list[str] | None = None
        if path.exists() and resume_from > 0:
            self._truncate(resume_from)
        elif path.exists():
            path.unlink()

    def _truncate(self, resume_from: int) -> None:
        keep: list[Any] = []
        with self.path.open(encoding="utf-8", newline="") as f:
            if self.fmt == "csv":
                reader = csv.DictReader(f)
                self._header = list(reader.fieldnames or [])
                keep = [r for r in reader if int(r.get("row") or 0) <= resume_from]
            else:
                keep = [json.loads(x) for x in f if x.strip()]
                keep = [r for r in keep if int(r.get("row", 0)) <= resume_from]
        self.path.unlink()
        for r in keep:
            if self.fmt == "csv":
                self._write_csv(r)
            else:
                self._write_line(r)

    def _open(self) -> TextIO:
        if self._f is None:
            new = not self.path.exists()
            self._f = self.path.open("a", encoding="utf-8", newline="")
            self._new = new
        return self._f

    def _write_csv(self, rec: Mapping[str, Any]) -> None:
        f = self._open()
        if self._writer is None:
            if self._header is None:
                self._header = ["row", "reason", *[k for k in rec if k not in ("row", "reason")]]
            self._writer = csv.DictWriter(f, fieldnames=self._header, extrasaction="ignore")
            if self._new:
                self._writer.writeheader()
        self._writer.writerow(csv_row(rec))  # formula prefixes neutralised (formats.text)

    def _write_line(self, rec: Mapping[str, Any]) -> None:
        self._open().write(json.dumps(rec, ensure_ascii=False) + "\n")

    def add(self, row_no: int, reason: str, raw: Any) -> None:
        if self.fmt == "csv":
            base = raw if isinstance(raw, Mapping) else {}
            self._write_csv({"row": row_no, "reason": reason,
                             **{k: v for k, v in base.items() if k is not None}})
        else:
            self._write_line({"row": row_no, "reason": reason, "input": raw})

    def sync(self) -> None:
        if self._f is not None:
            self._f.flush()
            os.fsync(self._f.fileno())

    def close(self) -> None:
        if self._f is not None:
            self._f.close()
