"""Errors of the issuing side. Each is a :class:`formats.errors.DomainError` with a stable
`slug` (the edge answers `https://ecert.example/problems/<slug>`, RFC 9457) and a `kind` (the
edge maps it to a status); the CLI prints `str(exc)`. `NotFound`, `Forbidden`, `Conflict` and
`InvalidRequest` are the generic ones of :mod:`formats.errors` too."""

from __future__ import annotations

from formats import errors as generic
from formats.errors import DomainError, Kind


class IssuerError(DomainError):
    """Base of every error the issuer package raises on purpose."""

    slug = "issuer-error"
    kind = Kind.INPUT


class InvalidCatalogDefinition(IssuerError):
    slug = "invalid-catalog-definition"
    kind = Kind.INPUT


class InvalidCertificateData(IssuerError):
    """`errors` lists every failing field: [{"field": ..., "message": ...}, ...]."""

    slug = "invalid-data"
    kind = Kind.INPUT


class IllegalTransition(IssuerError):
    slug = "illegal-transition"
    kind = Kind.CONFLICT


class NotFound(IssuerError, generic.NotFound):
    slug = "not-found"
    kind = Kind.NOT_FOUND


class Forbidden(IssuerError, generic.Forbidden):
    slug = "forbidden"
    kind = Kind.FORBIDDEN


class Conflict(IssuerError, generic.Conflict):
    """Someone else changed the certificate first (optimistic concurrency); reload and retry."""

    slug = "conflict"
    kind = Kind.CONFLICT


class IdempotencyConflict(IssuerError):
    slug = "idempotency-conflict"
    kind = Kind.CONFLICT


class ImportFailed(IssuerError):
    slug = "import-failed"
    kind = Kind.INPUT


class InvalidRequest(IssuerError, generic.InvalidInput):
    """A request that is well-formed JSON but asks for something that makes no sense."""

    slug = "invalid-request"
    kind = Kind.INPUT


# Identifiers and USCCs are parsed in formats; their errors are the issuer's too.
InvalidUscc = generic.InvalidUscc
MalformedIdentifier = generic.MalformedIdentifier
