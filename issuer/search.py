"""An issuing department's own register (Art. 5, 9): list and search the certificates it
issued or now maintains (its predecessors' after a succession), newest first.

Rows carry the holder masked (name's first character, code's first three and last four): a
list is bulk reading of personal data, and the department opens one full record through the
audited single read when it needs it. Organisation holders are not masked (formats.masking).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from certificate_store import UnitOfWork
from certificate_store.records import CertificateRecord, VersionRecord
from formats.chinatime import china_date, day_start_utc, valid_to_date
from formats.masking import display_holder
from formats.status import STATUSES
from issuer.errors import InvalidRequest

MAX_LIMIT = 200
MAX_HOLDER_CODE = 40


@dataclass(frozen=True)
class SearchFilter:
    type_code: str | None = None
    status: str | None = None
    holder_code: str | None = None  # ID number or USCC, compared through the holder index
    issued_from: dt.date | None = None  # China dates, inclusive: when the platform signed v001
    issued_to: dt.date | None = None

    def check(self) -> None:
        errors = []
        if self.status is not None and self.status not in STATUSES:
            errors.append({"field": "status", "message": f"未知状态代码 / unknown status "
                                                         f"{self.status!r}"})
        if self.holder_code is not None and not 0 < len(self.holder_code) <= MAX_HOLDER_CODE:
            errors.append({"field": "holder", "message": "持证主体代码长度无效 / bad length"})
        if self.issued_from and self.issued_to and self.issued_from > self.issued_to:
            errors.append({"field": "issued_from", "message": "起始日期晚于截止日期 / "
                                                              "issued_from is after issued_to"})
        if errors:
            raise InvalidRequest("查询条件无效 / invalid search", errors=errors)

    def described(self) -> dict[str, str]:
        """The filter as the audit entry keeps it (the holder code masked)."""
        out = {k: str(v) for k, v in (("type", self.type_code), ("status", self.status),
                                      ("issued_from", self.issued_from),
                                      ("issued_to", self.issued_to)) if v is not None}
        if self.holder_code is not None:
            out["holder"] = display_holder("", self.holder_code, None)[1]
        return out


@dataclass(frozen=True)
class CertificateSummary:
    identifier: str  # of the current version
    base_identifier: str
    type_code: str
    issuer_code: str
    status: str
    status_label: str
    verdict: str
    version: int
    holder_name: str  # masked unless an organisation
    holder_code: str
    issue_date: str | None  # 发证日期 as the record states it
    valid_to: dt.date | None
    signed_on: dt.date  # the day the platform signed version 001


@dataclass(frozen=True)
class SearchPage:
    items: tuple[CertificateSummary, ...]
    next_cursor: int | None  # pass back as `before` for the next (older) page


def search(uow: UnitOfWork, dept_code: str, f: SearchFilter, *, before: int | None = None,
           limit: int = 50) -> SearchPage:
    f.check()
    limit = max(1, min(limit, MAX_LIMIT))
    codes = (dept_code, *sorted(uow.departments.predecessors(dept_code)))
    holder_hash = None if f.holder_code is None else uow.holder_hash(
        f.holder_code.strip().upper())
    certs = uow.certificates.search(
        issuer_codes=codes, type_code=f.type_code, status=f.status, holder_hash=holder_hash,
        created_from=None if f.issued_from is None else day_start_utc(f.issued_from),
        created_to=None if f.issued_to is None else day_start_utc(
            f.issued_to + dt.timedelta(days=1)),
        before_id=before, limit=limit + 1)
    more = len(certs) > limit
    certs = certs[:limit]
    versions = uow.certificates.current_versions(certs)
    items = tuple(_summary(c, versions[c.id]) for c in certs)
    return SearchPage(items, certs[-1].id if more else None)


def _summary(cert: CertificateRecord, ver: VersionRecord) -> CertificateSummary:
    record = json.loads(ver.canonical)
    holder = record.get("holder") or {}
    name, code = display_holder(str(holder.get("name", "")), str(holder.get("code", "")),
                                holder.get("code_kind"))
    status = STATUSES[cert.status]
    return CertificateSummary(
        identifier=ver.identifier, base_identifier=cert.base_identifier,
        type_code=cert.type_code, issuer_code=cert.issuer_code, status=cert.status,
        status_label=status.label, verdict=status.verdict.value, version=ver.version,
        holder_name=name, holder_code=code, issue_date=record.get("issue_date"),
        valid_to=valid_to_date(cert.valid_to), signed_on=china_date(cert.created_at))
