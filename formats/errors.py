"""The one error base of the platform's packages.

Every error raised on purpose by a package of ours is a :class:`DomainError` with a stable
``slug`` (the RFC 9457 problem ``type`` ends in it) and a :class:`Kind`. The edges translate
once: the HTTP layer maps the kind to a status in one table, the CLI prints the message and
exits non-zero. Packages keep a small ``errors.py`` of their own subclasses.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from typing import Any


class Kind(enum.StrEnum):
    """What sort of failure it is; the edge decides what that means for its protocol."""

    INPUT = "input"                  # the request cannot be processed as given
    NOT_FOUND = "not-found"          # nothing with that reference (or not visible to the caller)
    CONFLICT = "conflict"            # the state does not allow it now (lifecycle, concurrency)
    FORBIDDEN = "forbidden"          # the caller may not do this
    UNAUTHENTICATED = "unauthenticated"
    GONE = "gone"                    # it existed and has expired (presentation tokens, links)
    RATE_LIMITED = "rate-limited"    # a cap or limit was reached
    UNAVAILABLE = "unavailable"      # a dependency (database, HSM, list) is down or stale: retry
    INTERNAL = "internal"            # a defect or broken invariant: never the caller's fault


class DomainError(Exception):
    """Base of every error our packages raise on purpose.

    ``errors`` lists per-field problems (``[{"field": ..., "message": ...}, ...]``) where the
    input had several; messages are safe to show to the caller.
    """

    slug: str = "error"
    kind: Kind = Kind.INPUT

    def __init__(self, message: str = "", *, errors: Sequence[Mapping[str, Any]] = ()) -> None:
        message = message or (type(self).__doc__ or self.slug).strip().splitlines()[0]
        super().__init__(message)
        self.message = message
        self.errors: tuple[dict[str, Any], ...] = tuple(dict(e) for e in errors)


# One class per kind, for errors that need no name of their own; packages subclass these
# (``class NotFound(formats.errors.NotFound)``) rather than defining look-alikes.
class InvalidInput(DomainError):
    """输入无效 / The input cannot be processed as given."""

    slug = "invalid-request"
    kind = Kind.INPUT


class NotFound(DomainError):
    """未找到 / Nothing with that reference."""

    slug = "not-found"
    kind = Kind.NOT_FOUND


class Conflict(DomainError):
    """冲突 / The current state does not allow this; reload and retry."""

    slug = "conflict"
    kind = Kind.CONFLICT


class Forbidden(DomainError):
    """无权操作 / The caller may not do this."""

    slug = "forbidden"
    kind = Kind.FORBIDDEN


class Unavailable(DomainError):
    """服务暂不可用 / A dependency (database, HSM, list) is unavailable; retry later."""

    slug = "unavailable"
    kind = Kind.UNAVAILABLE


# Errors of the wire formats themselves (identifiers, codes, claim sets).
class MalformedInput(InvalidInput):
    """输入格式错误 / The identifier, URL, token or JWS is not well formed."""

    slug = "malformed-input"


class MalformedIdentifier(MalformedInput):
    """证照标识格式错误 / The identifier is not of the GB/T 36904 form."""

    # Same slug as any malformed input: the verifying API has always answered "malformed-input"
    # for a bad identifier, and one parser now serves both sides.
    slug = "malformed-input"


class InvalidUscc(InvalidInput):
    """统一社会信用代码无效 / A USCC has a wrong form or check character."""

    slug = "invalid-uscc"
