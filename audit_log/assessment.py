"""Statistics for assessment (Art. 23): per department × certificate type × month, counted
from the audit log itself, so the figures are as tamper-evident as the log.

Who a row belongs to: the department that acted for issuance, changes and status moves (the
issuing department) and for lookups (the using department); the certificate's issuing
department for presentations by holders. Months are China months.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from formats.identifiers import parse_identifier

CHINA = ZoneInfo("Asia/Shanghai")
MEASURES = ("issued", "digitised", "changed", "suspended", "revoked", "cancelled", "lookups",
            "presentations", "objections", "objections_answered", "objections_on_time")
"""Every measure, in the order tables and exports show them."""
ACTIONS = ("certificate.issue", "certificate.change", "certificate.status",
           "certificate.lookup", "certificate.use", "certificate.annotated_copy", "holder.present")
"""The audit actions the entry-based measures read (objections come from their own rows)."""
_STATUS_MEASURE = {"suspend": "suspended", "pledge": "suspended", "withdraw": "revoked",
                   "revoke": "revoked", "cancel": "cancelled", "transfer": "cancelled"}
_LOOKUPS = ("certificate.lookup", "certificate.use", "certificate.annotated_copy")


@dataclass(frozen=True)
class AssessmentRow:
    dept_code: str
    type_code: str
    month: str  # YYYY-MM, China time
    counts: Mapping[str, int]


def month_of(t: dt.datetime) -> str:
    return t.astimezone(CHINA).strftime("%Y-%m")


def measure_of(action: str, details: str) -> str | None:
    """The measure an audit entry counts towards, or None."""
    if action == "certificate.issue":
        return "digitised" if json.loads(details).get("source_key") else "issued"
    if action == "certificate.change":
        return "changed"
    if action == "certificate.status":
        return _STATUS_MEASURE.get(str(json.loads(details).get("event")))
    if action in _LOOKUPS:
        return "lookups"
    if action == "holder.present":
        return "presentations"
    return None


class Tally:
    """Counts keyed by (department, type, month)."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, str, str], dict[str, int]] = {}

    def add(self, dept: str, type_code: str, month: str, measure: str, n: int = 1) -> None:
        cell = self._counts.setdefault((dept, type_code, month), dict.fromkeys(MEASURES, 0))
        cell[measure] += n

    def add_entries(self, entries: Iterable[tuple[dt.datetime, str, str | None, str | None, str]]
                    ) -> None:
        """Entries as (time, action, actor department, certificate identifier, details)."""
        for at, action, actor_dept, identifier, details in entries:
            measure = measure_of(action, details)
            if measure is None or not identifier:
                continue
            ident = parse_identifier(identifier)
            dept = ident.issuer_code if measure == "presentations" else actor_dept
            if dept:
                self.add(dept, ident.type_code, month_of(at), measure)

    def rows(self) -> list[AssessmentRow]:
        return [AssessmentRow(d, t, m, dict(c)) for (d, t, m), c in sorted(self._counts.items())]
