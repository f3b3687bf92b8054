"""Errors of the issuing side. Each carries a stable `slug`; the HTTP edge maps it to
`https://ecert.example/problems/<slug>` (RFC 9457) and the CLI prints `str(exc)`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import formats.errors


class IssuerError(Exception):
    """Base of every error the issuer package raises on purpose."""

    slug = "issuer-error"
    status = 400

    def __init__(self, message: str, *, errors: Sequence[Mapping[str, Any]] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.errors: tuple[dict[str, Any], ...] = tuple(dict(e) for e in errors)

    def to_problem(self) -> dict[str, Any]:
        """A problem+json body without the `type` prefix (added by the edge)."""
        body: dict[str, Any] = {"slug": self.slug, "title": self.message, "status": self.status}
        if self.errors:
            body["errors"] = list(self.errors)
        return body


class InvalidCatalogDefinition(IssuerError):
    slug = "invalid-catalog-definition"
    status = 422


class InvalidCertificateData(IssuerError):
    """`errors` lists every failing field: [{"field": ..., "message": ...}, ...]."""

    slug = "invalid-data"
    status = 422


class IllegalTransition(IssuerError):
    slug = "illegal-transition"
    status = 409


class NotFound(IssuerError):
    slug = "not-found"
    status = 404


class Forbidden(IssuerError):
    slug = "forbidden"
    status = 403


class Conflict(IssuerError):
    """Someone else changed the certificate first (optimistic concurrency); reload and retry."""

    slug = "conflict"
    status = 409


class IdempotencyConflict(IssuerError):
    slug = "idempotency-conflict"
    status = 409


class ImportFailed(IssuerError):
    slug = "import-failed"
    status = 422


class InvalidRequest(IssuerError):
    """A request that is well-formed JSON but asks for something that makes no sense."""

    slug = "invalid-request"
    status = 422


InvalidUscc = formats.errors.InvalidUscc
MalformedIdentifier = formats.errors.MalformedIdentifier
