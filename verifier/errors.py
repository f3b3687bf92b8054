"""Errors raised by :mod:`verifier`, each with a stable ``slug`` for the HTTP/CLI edge.

The edge maps ``slug`` to ``https://ecert.example/problems/<slug>`` (RFC 9457). Messages
never say which cryptographic check failed on untrusted input; verification outcomes are
returned as :class:`verifier.results.VerificationResult`, not raised.
"""

from __future__ import annotations

import formats.errors


class VerifierError(Exception):
    """Base class of every error raised by the verifier package."""

    slug = "verifier-error"

    def __init__(self, message: str = "") -> None:
        super().__init__(message or self.__class__.__doc__ or self.slug)
        self.message = message or (self.__class__.__doc__ or self.slug).strip()


class NotFound(VerifierError):
    """未找到该证照 / No certificate, version or objection with that reference."""

    slug = "not-found"


class PurposeRequired(VerifierError):
    """请填写用证事由 / A lookup must state its purpose (用证事由)."""

    slug = "purpose-required"


class NotGranted(VerifierError):
    """本部门未获授权使用该类证照 / The department is not granted this type for that purpose."""

    slug = "not-granted"


class Forbidden(VerifierError):
    """无权操作 / The caller may not do this (wrong role or not their certificate)."""

    slug = "forbidden"


class StaleList(VerifierError):
    """信任列表或状态列表已过期 / The trust or status list is past its next_update."""

    slug = "stale-list"


class ListInvalid(VerifierError):
    """列表签名无效 / The trust or status list is not signed by the given root."""

    slug = "list-invalid"


class Conflict(VerifierError):
    """状态冲突 / The objection is not open (already answered)."""

    slug = "conflict"


MalformedInput = formats.errors.MalformedInput
