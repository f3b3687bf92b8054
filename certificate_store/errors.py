"""Errors raised by the store. Translated to HTTP/CLI answers at the edge, nowhere else.

Each is a :class:`formats.errors.DomainError`; ``NotFound`` and ``Conflict`` are the generic
ones of :mod:`formats.errors` too, so ``except formats.errors.NotFound`` catches them.
"""

from __future__ import annotations

from typing import ClassVar

from formats import errors as generic
from formats.errors import DomainError, Kind


class StoreError(DomainError):
    """Base class for store errors."""

    slug = "store-error"
    kind = Kind.INTERNAL
    public_detail: ClassVar[str | None] = None


class StoreUnavailable(StoreError, generic.Unavailable):
    """The database cannot be reached or is locked beyond the timeout."""

    slug = "unavailable"
    kind = Kind.UNAVAILABLE
    public_detail = "the store is unavailable; retry later"


class NotFound(StoreError, generic.NotFound):
    """The record asked for does not exist."""

    slug = "not-found"
    kind = Kind.NOT_FOUND
    public_detail = "not found"  # messages name internal row ids


class Conflict(StoreError, generic.Conflict):
    """A uniqueness or optimistic-concurrency check failed; the caller may retry."""

    slug = "conflict"
    kind = Kind.CONFLICT


class InvalidValue(StoreError):
    """The database refused a value as given (a NUL byte in text, an integer out of range)."""

    slug = "invalid-value"
    kind = Kind.INPUT


class IntegrityViolation(StoreError):
    """Stored data does not match its recorded hash (tampering or corruption)."""

    slug = "integrity-violation"
    kind = Kind.INTERNAL
