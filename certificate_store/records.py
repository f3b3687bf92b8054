"""Frozen records returned by the repositories. ORM rows never leave the package."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class DepartmentRecord:
    code: str
    name: str
    supervisor_code: str | None
    successor_code: str | None
    active: bool
    created_at: dt.datetime


@dataclass(frozen=True)
class PkiCertRecord:
    id: int
    kind: str
    dept_code: str | None
    key_label: str
    serial: int
    x5t_s256: str
    der: bytes
    not_before: dt.datetime
    not_after: dt.datetime
    state: str
    revoked_at: dt.datetime | None
    revocation_reason: str | None
    created_at: dt.datetime


@dataclass(frozen=True)
class CertificateTypeRecord:
    id: int
    type_code: str
    version: int
    name: str
    defining_dept: str
    definition: str
    created_at: dt.datetime


@dataclass(frozen=True)
class TokenRecord:
    id: int
    prefix: str
    role: str
    dept_code: str | None
    holder_hash: str | None
    label: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    operator_id: int | None = None


@dataclass(frozen=True)
class OperatorRecord:
    """A named operator (Art. 22): who acts behind a token or client certificate."""

    id: int
    dept_code: str | None
    name: str
    post: str
    role: str | None
    subject: str | None
    placeholder: bool
    active: bool
    created_at: dt.datetime
    disabled_at: dt.datetime | None

    @property
    def display(self) -> str:
        """How the audit log names them: person, post and a number that tells namesakes apart."""
        return f"{self.name}（{self.post}）#{self.id}"


@dataclass(frozen=True)
class CertificateRecord:
    id: int
    base_identifier: str
    type_code: str
    type_version: int
    issuer_code: str
    serial: str
    holder_hash: str
    status: str
    current_version: int
    valid_from: dt.datetime | None
    valid_to: dt.datetime | None
    source_key: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    row_version: int


@dataclass(frozen=True)
class VersionRecord:
    certificate_id: int
    version: int
    identifier: str
    canonical: bytes
    jws: str
    sha256: str
    signing_cert: str
    change_reason: str | None
    created_at: dt.datetime
    superseded_at: dt.datetime | None


@dataclass(frozen=True)
class CoSignatureRecord:
    certificate_id: int
    version: int
    dept_code: str
    jws: str
    sha256: str
    signing_cert: str
    created_at: dt.datetime


@dataclass(frozen=True)
class StatusEventRecord:
    id: int
    certificate_id: int
    at: dt.datetime
    event: str
    from_status: str | None
    to_status: str
    version: int
    reason: str
    actor: str
    actor_dept: str | None
    details: str
    sha256: str


@dataclass(frozen=True)
class AnnotatedCopyRecord:
    id: int
    certificate_id: int
    version: int
    using_dept: str
    purpose: str
    expires_at: dt.datetime
    sha256: str
    created_at: dt.datetime


@dataclass(frozen=True)
class ObjectionRecord:
    id: int
    certificate_id: int
    filed_by_role: str
    filed_by: str
    reason: str
    evidence: str
    state: str
    filed_at: dt.datetime
    due_at: dt.datetime
    due_provisional: bool
    answered_at: dt.datetime | None
    answer: str | None
    overdue_flagged_at: dt.datetime | None
    escalated_at: dt.datetime | None = None
    coordinated_at: dt.datetime | None = None
    coordinated_by: str | None = None
    coordination: str | None = None
    coordination_state: str | None = None


@dataclass(frozen=True)
class EvidenceRecord:
    """An objection's evidence attachment (without its bytes)."""

    id: int
    objection_id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: dt.datetime
    uploaded_by: str


@dataclass(frozen=True)
class NotificationRecord:
    id: int
    kind: str
    recipient: str
    certificate_id: int | None
    payload: str
    due_at: dt.datetime
    created_at: dt.datetime
    sent_at: dt.datetime | None


@dataclass(frozen=True)
class ImportJobRecord:
    id: int
    issuer_code: str
    type_code: str
    source_name: str
    source_sha256: str
    state: str
    rows_done: int
    issued: int
    skipped: int
    rejected: int
    created_at: dt.datetime
    updated_at: dt.datetime
