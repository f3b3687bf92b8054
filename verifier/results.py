"""One verification result for every path (identifier, QR, PDF), and its verdict.

The verdict is derived in one place, :func:`derive_verdict`, and fails closed: a check
that could not be decided (``passed is None``) makes the verdict ``unknown``, never
``valid``; only a result whose every check passed is ``valid``. Verdicts and their words
are `formats.status`.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from formats.status import STATUSES, VERDICT_TEXT, Verdict

# When several checks fail, the first verdict in this order wins. Forgery beats everything;
# undecidable beats any status (fail closed); then the most severe status.
_PRIORITY: tuple[Verdict, ...] = (
    Verdict.INVALID,
    Verdict.NOT_ORIGINAL,
    Verdict.UNKNOWN,
    Verdict.REVOKED,
    Verdict.CANCELLED,
    Verdict.SUSPENDED,
    Verdict.EXPIRED,
    Verdict.SUPERSEDED,
)


@dataclass(frozen=True)
class Check:
    """One named check. ``passed``: True, False, or None when not run / undecidable.

    ``fail_verdict`` is the verdict a failure of this check implies (invalid for a bad
    signature, revoked for status 03, …); it is ignored when the check passed.
    """

    name: str
    passed: bool | None
    reason: str
    message: str
    fail_verdict: Verdict = Verdict.INVALID

    @classmethod
    def ok(cls, name: str, message: str) -> Check:
        return _passed(name, message) if cls is Check else cls(name, True, "ok", message)

    @classmethod
    def fail(
        cls, name: str, reason: str, message: str, verdict: Verdict = Verdict.INVALID
    ) -> Check:
        return cls(name, False, reason, message, verdict)

    @classmethod
    def undecided(cls, name: str, reason: str, message: str) -> Check:
        return cls(name, None, reason, message, Verdict.UNKNOWN)

    @classmethod
    def not_run(cls, name: str) -> Check:
        return _not_run(name) if cls is Check else cls(
            name, None, "not-run", _NOT_RUN, Verdict.UNKNOWN)


# A passed or skipped check is one of a few fixed values (immutable): each is made once, not
# on every verification.
_NOT_RUN = "未执行（前置检查未通过）"


@functools.lru_cache(maxsize=512)
def _passed(name: str, message: str) -> Check:
    return Check(name, True, "ok", message, Verdict.INVALID)


@functools.lru_cache(maxsize=256)
def _not_run(name: str) -> Check:
    return Check(name, None, "not-run", _NOT_RUN, Verdict.UNKNOWN)


def derive_verdict(checks: Iterable[Check]) -> Verdict:
    """The single place a verdict is computed. Fails closed."""
    checks = tuple(checks)
    if not checks:
        return Verdict.UNKNOWN
    for c in checks:  # the common answer first: every check passed
        if c.passed is not True:
            break
    else:
        return Verdict.VALID
    implied: set[Verdict] = set()
    for c in checks:
        if c.passed is None:
            implied.add(Verdict.UNKNOWN)
        elif c.passed is False:
            implied.add(c.fail_verdict if c.fail_verdict is not Verdict.VALID else Verdict.INVALID)
        elif c.passed is not True:  # anything but a real bool is undecided
            implied.add(Verdict.UNKNOWN)
    for v in _PRIORITY:
        if v in implied:
            return v
    return Verdict.VALID


@dataclass(frozen=True)
class VerificationResult:
    """What a verification found. Build with :func:`make_result` so the verdict is derived."""

    verdict: Verdict
    identifier: str | None
    checks: tuple[Check, ...]
    checked_at: dt.datetime
    status_code: str | None = None
    current_identifier: str | None = None
    """The newest version's identifier when this one is superseded."""
    display: tuple[tuple[str, str], ...] = ()
    """Masked fields safe to show (holder name/code masked), in display order."""
    list_age_seconds: tuple[tuple[str, float], ...] = ()
    """Age of each trust/status list used (offline paths), e.g. (("trust-list", 3600.0),)."""
    check_standard: bool | None = None
    """False for a foreign identifier whose check character is not MOD 37,36."""
    extra: tuple[tuple[str, Any], ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.verdict is Verdict.VALID

    @property
    def summary(self) -> str:
        """The verdict's sentence; the status's own word when the status gives the verdict
        (撤销 and 吊销 share a verdict but are not the same act)."""
        s = STATUSES.get(self.status_code or "")
        if s is not None and s.verdict is self.verdict and s.headline:
            return f"{s.headline}：{s.advice}"
        return VERDICT_TEXT[self.verdict].summary

    @property
    def failed(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.passed is not True)

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict.value,
            "summary": self.summary,
            "identifier": self.identifier,
            "current_identifier": self.current_identifier,
            "status": self.status_code,
            "checked_at": self.checked_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
            "check_standard": self.check_standard,
            "display": dict(self.display),
            "list_age_seconds": dict(self.list_age_seconds),
            "checks": [
                {"name": c.name, "passed": c.passed, "reason": c.reason, "message": c.message}
                for c in self.checks
            ],
        }


def make_result(
    checks: Iterable[Check],
    *,
    identifier: str | None,
    checked_at: dt.datetime,
    status_code: str | None = None,
    current_identifier: str | None = None,
    display: Mapping[str, str] | None = None,
    list_ages: Mapping[str, float] | None = None,
    check_standard: bool | None = None,
) -> VerificationResult:
    checks = tuple(checks)
    verdict = derive_verdict(checks)
    return VerificationResult(
        verdict=verdict,
        identifier=identifier,
        checks=checks,
        checked_at=checked_at,
        status_code=status_code,
        current_identifier=current_identifier
        if verdict is Verdict.SUPERSEDED or current_identifier not in (None, identifier)
        else None,
        display=tuple((display or {}).items()),
        list_age_seconds=tuple((list_ages or {}).items()),
        check_standard=check_standard,
    )
