"""The certificate status state machine of docs/formats.md, as data (the status codes and
the verdicts they give are `formats.status`).

`TRANSITIONS[event]` = (allowed from-statuses, to-status). `None` as to-status means "stays
in the status it was in" (recorded events such as inspection). Everything not listed is
illegal and raises `IllegalTransition` (HTTP 409 at the edge).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from formats.status import (
    CANCELLED,
    LAPSED,
    OTHER,
    REVOKED,
    STATUSES,
    SUSPENDED,
    TRANSFERRED,
    VALID,
    WITHDRAWN,
)
from issuer.errors import IllegalTransition


@dataclass(frozen=True)
class Transition:
    event: str
    from_statuses: frozenset[str]
    to_status: str | None  # None: unchanged
    label: str
    needs_reason: bool = True


def _t(event: str, froms: tuple[str, ...], to: str | None, label: str,
       needs_reason: bool = True) -> tuple[str, Transition]:
    return event, Transition(event, frozenset(froms), to, label, needs_reason)


TRANSITIONS: MappingProxyType[str, Transition] = MappingProxyType(dict([
    _t("issue", (), VALID, "签发", needs_reason=False),           # from "no certificate"
    _t("change", (VALID,), VALID, "变更"),                        # new version
    _t("inspect", (VALID,), None, "年检"),
    _t("extend", (VALID, LAPSED), VALID, "延期"),                 # moves valid_to
    _t("suspend", (VALID,), SUSPENDED, "暂停"),
    _t("pledge", (VALID,), SUSPENDED, "质押"),
    _t("release", (SUSPENDED,), VALID, "恢复"),
    _t("withdraw", (VALID, SUSPENDED, LAPSED), WITHDRAWN, "撤销"),
    _t("cancel", (VALID, SUSPENDED, LAPSED), CANCELLED, "注销"),
    _t("revoke", (VALID, SUSPENDED), REVOKED, "吊销"),
    _t("transfer", (VALID,), TRANSFERRED, "转移"),
    _t("lapse", (VALID, SUSPENDED), LAPSED, "失效", needs_reason=False),
]))

EVENTS = frozenset(TRANSITIONS)
TERMINAL = frozenset({WITHDRAWN, CANCELLED, TRANSFERRED, REVOKED, OTHER})
"""No event leaves these statuses."""
MANUAL_EVENTS = EVENTS - {"issue", "change", "lapse"}
"""Events `IssuanceService.transition` accepts from a caller."""


def next_status(current: str | None, event: str) -> str:
    """The status after `event`; raises IllegalTransition if the event is not allowed."""
    t = TRANSITIONS.get(event)
    if t is None:
        raise IllegalTransition(f"unknown event {event!r}; known: {', '.join(sorted(EVENTS))}")
    if event == "issue":
        if current is not None:
            raise IllegalTransition("certificate already issued")
        return VALID
    if current not in t.from_statuses:
        st = STATUSES.get(current or "")
        label, verdict = (st.label, st.verdict.value) if st else ("无", "none")
        raise IllegalTransition(
            f"不能对状态为{label}({current})的证照执行{t.label} / event {event!r} is not "
            f"allowed in status {current} ({verdict})")
    return current if t.to_status is None else t.to_status


def allowed_events(current: str) -> list[str]:
    return sorted(e for e, t in TRANSITIONS.items() if current in t.from_statuses)
