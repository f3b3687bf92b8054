"""Errors raised by the audit log. Translated to HTTP/CLI answers once, at the edge."""

from __future__ import annotations


class AuditError(Exception):
    """Base class for audit-log errors."""


class ProofError(AuditError):
    """A Merkle inclusion or consistency proof (or its inputs) is invalid.

    Deliberately one opaque type for untrusted input: callers learn that the proof failed,
    the message says why for logs and auditors.
    """


class InvalidEntry(AuditError):
    """An audit entry cannot be serialised (bad field type, naive time, non-JSON details)."""


class TreeSizeError(AuditError):
    """A requested tree size or leaf index is outside the log (or no head of that size)."""


class WitnessRefusal(AuditError):
    """A witness refused to cosign: the log shrank, forked or presented a bad signature."""


class CosignatureInvalid(AuditError):
    """A cosignature presented to the platform did not verify."""
