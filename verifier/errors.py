"""Errors raised by :mod:`verifier`, each a :class:`formats.errors.DomainError` with a stable
``slug`` and a ``kind`` for the HTTP/CLI edge.

The edge answers ``https://ecert.example/problems/<slug>`` (RFC 9457) with the status of the
kind. Messages never say which cryptographic check failed on untrusted input; verification
outcomes are returned as :class:`verifier.results.VerificationResult`, not raised.
``NotFound``, ``Forbidden`` and ``Conflict`` are the generic ones of :mod:`formats.errors` too.
"""

from __future__ import annotations

from formats import errors as generic
from formats.errors import DomainError, Kind


class VerifierError(DomainError):
    """Base class of every error raised by the verifier package."""

    slug = "verifier-error"
    kind = Kind.INPUT


class NotFound(VerifierError, generic.NotFound):
    """未找到该证照 / No certificate, version or objection with that reference."""

    slug = "not-found"
    kind = Kind.NOT_FOUND


class PurposeRequired(VerifierError):
    """请填写用证事由 / A lookup must state its purpose (用证事由)."""

    slug = "purpose-required"
    kind = Kind.INPUT


class NotGranted(VerifierError):
    """本部门未获授权使用该类证照 / The department is not granted this type for that purpose."""

    slug = "not-granted"
    kind = Kind.FORBIDDEN


class Forbidden(VerifierError, generic.Forbidden):
    """无权操作 / The caller may not do this (wrong role or not their certificate)."""

    slug = "forbidden"
    kind = Kind.FORBIDDEN


class StaleList(VerifierError):
    """信任列表或状态列表已过期 / The trust or status list is past its next_update."""

    slug = "stale-list"
    kind = Kind.UNAVAILABLE


class ListInvalid(VerifierError):
    """列表签名无效 / The trust or status list is not signed by the given root."""

    slug = "list-invalid"
    kind = Kind.INPUT


class Conflict(VerifierError, generic.Conflict):
    """状态冲突 / The objection is not open (already answered)."""

    slug = "conflict"
    kind = Kind.CONFLICT


# One parser (formats) serves issuing and verifying: its error is the verifier's too.
MalformedInput = generic.MalformedInput


class ScenarioNotApproved(VerifierError, generic.Forbidden):
    """此场景未经主管部门批准亮证 / The supervising authority has not approved showing this
    certificate type in that scenario."""

    slug = "scenario-not-approved"
    kind = Kind.FORBIDDEN


class EvidenceTooLarge(VerifierError):
    """证据文件过大 / The evidence file is larger than allowed (size or image dimensions)."""

    slug = "evidence-too-large"
    kind = Kind.INPUT


class EvidenceTypeNotAllowed(VerifierError):
    """证据文件类型不允许（仅限 PDF、JPEG、PNG）/ Only PDF, JPEG and PNG files (by content)."""

    slug = "evidence-type-not-allowed"
    kind = Kind.INPUT


class EvidenceDoesNotParse(VerifierError):
    """证据文件已损坏或无法读取 / The file has the signature of an allowed type but does not
    parse (truncated or damaged)."""

    slug = "evidence-does-not-parse"
    kind = Kind.INPUT


class EvidenceLimitReached(VerifierError):
    """证据文件数量已达上限 / The objection already has the most attachments allowed."""

    slug = "evidence-limit-reached"
    kind = Kind.CONFLICT
