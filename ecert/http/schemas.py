"""API schemas (pydantic). Separate from ORM rows and domain records; no secret is reachable."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ecert.http.textfields import Line, Text

Role = Literal["issuer", "user", "holder", "auditor", "admin", "authority"]
USCC = Field(min_length=18, max_length=18, pattern=r"^[0-9A-HJ-NP-RT-UW-Y]{18}$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DepartmentIn(Strict):
    code: str = USCC
    name: Line = Field(min_length=1, max_length=200)
    supervisor: str | None = Field(default=None, min_length=18, max_length=18,
                                   pattern=r"^[0-9A-HJ-NP-RT-UW-Y]{18}$")


class DepartmentOut(BaseModel):
    code: str
    name: str
    supervisor_code: str | None
    successor_code: str | None
    active: bool
    created_at: dt.datetime


class RotateIn(Strict):
    revoke_reason: Literal["superseded", "key_compromise", "affiliation_changed",
                           "cessation_of_operation"] | None = None


class SucceedIn(Strict):
    successor: str = USCC


class SigningCertOut(BaseModel):
    serial: str
    x5t_s256: str
    not_before: dt.datetime
    not_after: dt.datetime
    state: str
    revoked_at: dt.datetime | None
    revocation_reason: str | None


class TokenIn(Strict):
    role: Role
    dept: str | None = Field(default=None, min_length=18, max_length=18,
                             pattern=r"^[0-9A-HJ-NP-RT-UW-Y]{18}$")
    holder_code: str | None = Field(default=None, min_length=6, max_length=40,
                                    pattern=r"^[0-9A-Za-z]+$")
    label: Line = Field(default="", max_length=200)
    ttl_days: int | None = Field(default=None, ge=1, le=730)
    operator: int | None = Field(default=None, ge=1, le=2**31,
                                 description="the named operator it belongs to (Art. 22); "
                                             "default: the department's placeholder")


class TokenOut(BaseModel):
    id: int
    prefix: str
    role: str
    dept_code: str | None
    label: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    operator_id: int | None = None


class NewTokenOut(TokenOut):
    token: str = Field(description="Shown once; only its SHA-256 is stored")


class SthOut(BaseModel):
    tree_size: int
    timestamp: int
    sha256_root_hash: str
    tree_head_signature: str
    ecert_cosignatures: list[dict[str, str | int]] = Field(
        default=[], description="witness cosignatures (an extension RFC 6962 clients ignore)")


class ProofOut(BaseModel):
    leaf_index: int
    audit_path: list[str]


class ConsistencyOut(BaseModel):
    consistency: list[str]


class EntriesOut(BaseModel):
    entries: list[dict[str, str]]


class AuditEntryOut(BaseModel):
    index: int
    created_at: dt.datetime
    actor: str
    actor_dept: str | None
    role: str
    action: str
    cert_identifier: str | None
    purpose: str | None
    request_id: str | None
    details_sha256: str
    details: dict[str, object]
    leaf_hash: str


class AuditPageOut(BaseModel):
    entries: list[AuditEntryOut]
    next_before: int | None


class StatsRow(BaseModel):
    dept: str | None
    dept_name: str | None = None
    since: dt.datetime
    until: dt.datetime
    counts: dict[str, int]


class AssessmentRowOut(BaseModel):
    dept_code: str
    dept_name: str
    type_code: str
    type_name: str
    month: str
    counts: dict[str, int]
    mean_answer_workdays: float | None


class CosignatureIn(Strict):
    tree_size: int = Field(ge=1)
    sha256_root_hash: str = Field(max_length=64)
    witness_name: Line = Field(min_length=1, max_length=200)
    witness_key_id: str = Field(max_length=200)
    timestamp: int = Field(ge=0)
    signature: str = Field(max_length=400)
    public_key: str = Field(max_length=400, description="base64 SubjectPublicKeyInfo DER")


class CertificateIn(Strict):
    type: str = Field(min_length=21, max_length=21, pattern=r"^[0-9A-Z]{21}$",
                      description="certificate type code (catalog)")
    data: dict[str, object] = Field(description='{"holder": {"name", "code"}, "fields": {...}, '
                                    '"valid_from"?, "valid_to"?, "licence_number"?}')


class IssuedOut(BaseModel):
    identifier: str
    base_identifier: str
    version: int
    status: str
    sha256: str
    jws: str
    record: dict[str, object]
    qr_url: str
    pdf_url: str
    skipped: bool = False


class VersionOut(BaseModel):
    identifier: str
    version: int
    sha256: str
    signing_cert: str
    change_reason: str | None
    created_at: dt.datetime
    superseded_at: dt.datetime | None


class EventOut(BaseModel):
    at: dt.datetime
    event: str
    from_status: str | None
    to_status: str
    version: int
    reason: str
    actor: str
    actor_dept: str | None
    sha256: str


class PdfStateOut(BaseModel):
    """A PDF withheld while the time-stamping service was unreachable, or signed after it."""

    what: str
    state: str  # pending | signed | obsolete
    attempts: int
    last_error: str
    since: dt.datetime
    next_attempt_at: dt.datetime | None
    completed_at: dt.datetime | None


class CertificateOut(BaseModel):
    identifier: str
    base_identifier: str
    type_code: str
    issuer_code: str
    acting_dept: str
    status: str
    verdict: str
    version: int
    valid_from: dt.date | None
    valid_to: dt.date | None
    record: dict[str, object]
    jws: str
    sha256: str
    row_version: int
    versions: list[VersionOut]
    events: list[EventOut]
    pdf: list[PdfStateOut] = []


class CertificateSummaryOut(BaseModel):
    """One row of an issuing department's register; the holder masked (issuer.search)."""

    identifier: str
    base_identifier: str
    type_code: str
    issuer_code: str
    status: str
    status_label: str
    verdict: str
    version: int
    holder_name: str
    holder_code: str
    issue_date: str | None
    valid_to: dt.date | None
    signed_on: dt.date


class CertificatePageOut(BaseModel):
    items: list[CertificateSummaryOut]
    next_cursor: int | None = Field(description="pass as `before` for the next, older page")


class ChangeIn(Strict):
    data: dict[str, object]
    reason: Text = Field(min_length=1, max_length=2000)
    expected_row_version: int | None = Field(default=None, ge=1)


class StatusIn(Strict):
    event: Literal["inspect", "extend", "suspend", "pledge", "release", "withdraw", "cancel",
                   "revoke", "transfer"]
    reason: Text = Field(min_length=1, max_length=2000)
    valid_to: dt.date | None = None
    transfer_to: dict[str, Line] | None = Field(default=None, max_length=10)
    expected_row_version: int | None = Field(default=None, ge=1)


class CertificateTypeOut(BaseModel):
    type_code: str
    version: int
    name: str
    defining_dept: str
    definition: dict[str, object]


class ImportJobOut(BaseModel):
    source_sha256: str
    type_code: str
    state: str
    rows_done: int
    issued: int
    skipped: int
    rejected: int
    status_url: str


class ReconcileItem(Strict):
    identifier: str = Field(min_length=10, max_length=130)
    sha256: str = Field(min_length=64, max_length=64, pattern=r"^[0-9a-f]{64}$")


class ReconcileIn(Strict):
    items: list[ReconcileItem] = Field(max_length=100_000)


class ReconcileOut(BaseModel):
    dept_code: str
    compared: int
    matched: int
    ok: bool
    missing_in_store: list[str]
    missing_in_department: list[str]
    hash_differs: list[dict[str, str]]
