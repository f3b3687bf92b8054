"""Errors raised by the store. Translated to HTTP/CLI answers at the edge, nowhere else."""


class StoreError(Exception):
    """Base class for store errors."""


class StoreUnavailable(StoreError):
    """The database cannot be reached or is locked beyond the timeout."""


class NotFound(StoreError):
    """The record asked for does not exist."""


class Conflict(StoreError):
    """A uniqueness or optimistic-concurrency check failed; the caller may retry."""


class IntegrityViolation(StoreError):
    """Stored data does not match its recorded hash (tampering or corruption)."""
