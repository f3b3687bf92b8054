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


class ProposalNotPending(IssuerError, generic.Conflict):
    """该申请已处理或已撤回 / The proposal was already decided or withdrawn."""

    slug = "proposal-not-pending"
    kind = Kind.CONFLICT


class SelfApproval(IssuerError, generic.Forbidden):
    """不能审批本部门或本人提出的申请 / Nobody approves their own department's proposal."""

    slug = "self-approval"
    kind = Kind.FORBIDDEN


class ReasonRequired(IssuerError, generic.InvalidInput):
    """请填写不予批准的理由 / A refusal states its reason (1-500 characters)."""

    slug = "reason-required"
    kind = Kind.INPUT
