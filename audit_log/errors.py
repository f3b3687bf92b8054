"""Errors raised by the audit log. Translated to HTTP/CLI answers once, at the edge.

Each is a :class:`formats.errors.DomainError`; the slugs are the ones clients have always
seen (the class name in kebab case).
"""

from __future__ import annotations

from formats.errors import DomainError, Kind


class AuditError(DomainError):
    """Base class for audit-log errors; raised as such when stored nodes are missing."""

    slug = "audit-error"
    kind = Kind.INTERNAL  # a broken invariant of the stored tree, never the caller's fault


class ProofError(AuditError):
    """A Merkle inclusion or consistency proof (or its inputs) is invalid.

    Deliberately one opaque type for untrusted input: callers learn that the proof failed,
    the message says why for logs and auditors.
    """

    slug = "proof-error"
    kind = Kind.INPUT


class InvalidEntry(AuditError):
    """An audit entry cannot be serialised (bad field type, naive time, non-JSON details)."""

    slug = "invalid-entry"
    kind = Kind.INPUT


class TreeSizeError(AuditError):
    """A requested tree size or leaf index is outside the log (or no head of that size)."""

    slug = "tree-size-error"
    kind = Kind.INPUT


class WitnessRefusal(AuditError):
    """A witness refused to cosign: the log shrank, forked or presented a bad signature."""

    slug = "witness-refusal"
    kind = Kind.CONFLICT


class CosignatureInvalid(AuditError):
    """A cosignature presented to the platform did not verify."""

    slug = "cosignature-invalid"
    kind = Kind.INPUT
