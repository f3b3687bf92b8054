"""Errors of the composition root (configuration, CLI usage, an uninitialised platform).

Each is a :class:`formats.errors.DomainError`: the HTTP edge maps its kind to a status, the
CLI prints its message and exits non-zero.
"""

from __future__ import annotations

from formats import errors as generic
from formats.errors import DomainError, Kind


class EcertError(DomainError):
    """Base of the errors the composition root raises on purpose."""

    slug = "ecert-error"
    kind = Kind.INPUT


class ConfigError(EcertError):
    """Settings are missing or invalid; the process refuses to start."""

    slug = "configuration"
    kind = Kind.INTERNAL  # the operator's to fix, never the HTTP caller's


class UsageError(EcertError, generic.InvalidInput):
    """A request or command that asks for something invalid (wrong role/department combo…)."""

    slug = "invalid-request"
    kind = Kind.INPUT


class NotInitialised(EcertError, generic.Unavailable):
    """The platform has no audit key yet; run `ecert init`."""

    slug = "not-initialised"
    kind = Kind.UNAVAILABLE


class PdfPending(EcertError, generic.Unavailable):
    """The PDF waits for its time stamp: the time-stamping service did not answer. The
    certificate is issued and verifiable (record, QR); the PDF is signed by a background job
    once the service is back (`ecert.services.pdfjobs`)."""

    slug = "pdf-pending"
    kind = Kind.UNAVAILABLE
