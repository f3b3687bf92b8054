"""Drafting an import's batches in other processes (issue 11, B1): validation and the records'
canonical bytes (`issuer.drafts`) run in child processes while the parent signs and writes
the batches before them, in order.

What a child gets: the draft context (catalog version, department code and name, the day)
and the rows' data. What it never gets: the signing key (it stays in the parent or the HSM),
the key that hashes holder codes, database connections. Children are *spawned*, not forked,
so that none of these reaches them as a copy of the parent's memory either.
"""

from __future__ import annotations

import gc
import multiprocessing
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, cast

from formats.errors import DomainError
from issuer.drafts import Draft, DraftContext, Drafted, draft_all
from issuer.importrows import requests_of
from issuer.patterns import data_validator

Request = tuple[dict[str, Any], str]


@dataclass(frozen=True)
class Shipped:
    """A batch's issuance requests (`issuer.importrows.requests_of`) and their drafts."""

    ctx: DraftContext
    requests: list[Request]
    drafts: list[Drafted]


@dataclass(frozen=True)
class _Refusal:
    """A refused row on its way back: domain errors keep their per-field `errors`, which
    pickling an exception drops (it keeps only the constructor's positional arguments)."""

    kind: type[DomainError]
    message: str
    errors: tuple[dict[str, Any], ...]


class DraftPool:
    """`workers` child processes drafting batches (`submit`), results in submission order."""

    def __init__(self, workers: int) -> None:
        self._pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
        # A child takes a second or more to import what drafting needs: until it is ready the
        # parent drafts itself rather than wait (`ready`).
        self._warm = [self._pool.submit(_ready) for _ in range(workers)]

    @property
    def ready(self) -> bool:
        """Every child has started (a child that failed to start leaves the pool never
        ready: the import drafts in-process)."""
        return all(f.done() and f.exception() is None for f in self._warm)

    def submit(self, ctx: DraftContext, rows: Sequence[Mapping[str, Any]]) -> DraftJob | None:
        """A job turning `rows` (read from the file) into requests and drafting them for `ctx`;
        None when the pool is broken (a child died)."""
        try:
            return DraftJob(ctx, self._pool.submit(_draft_in_child, ctx, list(rows)))
        except BrokenProcessPool:
            return None

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class DraftJob:
    def __init__(self, ctx: DraftContext,
                 future: Future[tuple[list[Request], list[Draft | _Refusal | ValueError]]]
                 ) -> None:
        self._ctx, self._future = ctx, future

    def result(self) -> Shipped | None:
        """The requests and drafts; None when the pool broke (a child died): the batch is
        then made in-process."""
        try:
            requests, shipped = self._future.result()
        except BrokenProcessPool:
            return None
        return Shipped(self._ctx, requests,
                       [cast(Drafted, x.kind(x.message, errors=x.errors))
                        if isinstance(x, _Refusal) else x for x in shipped])

    def cancel(self) -> None:
        self._future.cancel()


_validators: dict[tuple[str, int], Any] = {}


def _ready() -> None:
    """Run in a child once it has imported this module (and what drafting needs): what is
    alive now stays, so the collector need not scan it again at every batch."""
    gc.freeze()


def _draft_in_child(ctx: DraftContext, rows: list[Mapping[str, Any]]
                    ) -> tuple[list[Request], list[Draft | _Refusal | ValueError]]:
    key = (ctx.ctype.type_code, ctx.ctype.version)
    validator = _validators.get(key)
    if validator is None:
        validator = _validators[key] = data_validator(ctx.ctype.schema)
    requests = requests_of(ctx.ctype, rows)
    return requests, [_Refusal(type(x), x.message, x.errors) if isinstance(x, DomainError)
                      else x for x in draft_all(ctx, [d for d, _ in requests], validator)]
