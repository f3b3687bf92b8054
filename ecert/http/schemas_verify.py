"""API schemas for lookup, verification, holders and objections (pydantic).

Holder codes appear unmasked only where the caller is entitled: the holder themself, or a
using department whose grant says ``personal: true`` (the verifier masks the record).
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from ecert.http.textfields import Line, Text


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CheckOut(BaseModel):
    name: str
    passed: bool | None
    reason: str
    message: str


class VerificationOut(BaseModel):
    verdict: str
    summary: str
    identifier: str | None
    current_identifier: str | None
    current_link: str | None = None
    status: str | None
    checked_at: str
    check_standard: bool | None
    display: dict[str, str]
    list_age_seconds: dict[str, float]
    checks: list[CheckOut]


class VersionInfoOut(BaseModel):
    version: int
    identifier: str
    created_at: dt.datetime
    superseded_at: dt.datetime | None
    change_reason: str | None


class StampOut(BaseModel):
    """Who looked the certificate up, for whom, when and for what (the printout's stamp)."""

    looked_up_by: str = Field(description="the operator, as the audit log names them")
    department: str
    department_code: str | None
    at: dt.datetime
    at_text: str = Field(description="`at` in Beijing time, the zone named")
    purpose: str
    use_only: str = Field(description="仅供「purpose」使用，他用无效")


class LookupOut(BaseModel):
    identifier: str
    current_identifier: str
    type_code: str
    type_name: str
    status: str
    record: dict[str, object] = Field(description="signed data; personal parts masked "
                                      "unless personal_visible")
    personal_visible: bool
    versions: list[VersionInfoOut]
    verification: VerificationOut
    labels: dict[str, str] = Field(default_factory=dict, description=(
        "label (the schema's title) of each field in record.fields, in the schema's order; "
        "fields the grant does not show are absent"))
    stamp: StampOut | None = None


class LookupListOut(BaseModel):
    results: list[LookupOut]
    stamp: StampOut | None = None


class HolderLookupIn(Strict):
    """A search by holder: the number travels in the body only, never in a URL or a log."""

    holder_code: str = Field(min_length=1, max_length=40,
                             description="citizen ID number (18) or USCC (18)")
    type: str | None = Field(None, min_length=21, max_length=21, description=(
        "certificate type code; omitted: every type granted to the caller for the purpose"))
    purpose: str = Field(max_length=400, description="用证事由 (required)")


class PublicStatusIn(Strict):
    """The QR's signed fragment, proof of holding the document."""

    identifier: str = Field(min_length=1, max_length=200)
    jws: str = Field(min_length=1, max_length=4000, description="the QR's fragment (compact JWS)")


class PublicStatusOut(BaseModel):
    """Verdict and status code; masked display fields only for a caller presenting the QR."""

    verdict: str
    status: str | None
    checked_at: dt.datetime
    identifier: str
    current_identifier: str | None
    display: dict[str, str]


class PublicQrStatusOut(PublicStatusOut):
    qr_checked: bool = True
    """The server checked the posted QR fragment's claims against the stored record."""


class AnnotatedCopyIn(Strict):
    purpose: Line = Field(min_length=1, max_length=60, description="用证事由")
    expires_in_days: int = Field(ge=1, le=90)


class OwnCertificateOut(BaseModel):
    identifier: str
    base_identifier: str
    type_code: str
    name: str
    status: str
    verdict: str
    valid_to: dt.date | None
    version: int
    qr_changed_at: dt.datetime | None = None
    """Set when the platform re-signed it (new QR) after a key compromise: print it again."""


class HolderCertificateOut(BaseModel):
    identifier: str
    base_identifier: str
    status: str
    verdict: str
    record: dict[str, object]
    jws: str
    versions: list[str]
    field_titles: dict[str, str] = Field(default_factory=dict,
                                         description="each field's title, for display")
    presentation_scenarios: list[str] | None = Field(
        default=None, description="scenarios the authority approved for showing it (亮证); "
                                  "null: the type names none and any is accepted")


class AccessOut(BaseModel):
    at: dt.datetime
    dept_code: str | None
    dept_name: str | None
    purpose: str | None
    action: str
    identifier: str


class PresentationIn(BaseModel):
    scenario: str | None = Field(default=None, max_length=60,
                                 description="one of the type's approved scenarios (亮证场景)")


class PresentationOut(BaseModel):
    token: str
    url: str
    expires_at: dt.datetime


class ObjectionIn(Strict):
    identifier: str = Field(min_length=20, max_length=130)
    reason: Text = Field(min_length=1, max_length=2000)
    evidence: Text | None = Field(default=None, max_length=20000)


class AnswerIn(Strict):
    answer: Text = Field(min_length=1, max_length=2000)
    upheld: bool | None = None


class EvidenceOut(BaseModel):
    """An evidence attachment: its type as verified from its content, never as declared."""

    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: dt.datetime


class ObjectionOut(BaseModel):
    id: int
    identifier: str
    filed_by_role: str
    reason: str
    evidence: str
    state: str = Field(description="open | answered | upheld | rejected (the issuer's answer) "
                                   "| coordinated (settled by the supervising authority)")
    filed_at: dt.datetime
    due_at: dt.datetime
    due_provisional: bool
    answered_at: dt.datetime | None
    answer: str | None
    overdue: bool
    escalated_at: dt.datetime | None = Field(
        default=None, description="when it entered the supervising authority's queue")
    coordinated_at: dt.datetime | None = None
    coordination: str | None = Field(default=None,
                                     description="the supervising authority's coordinated answer")
    coordination_state: str | None = Field(default=None, description="answered|upheld|rejected")
    attachments: list[EvidenceOut] = []


class CoordinateIn(Strict):
    answer: Text = Field(min_length=1, max_length=2000)
    upheld: bool | None = None


class HolderLoginIn(Strict):
    """Development real-name login: the holder's name and ID number (or organisation name and
    USCC) exactly as on a certificate. Not real authentication (docs/verifying.md)."""

    name: Line = Field(min_length=1, max_length=64, description="姓名 / organisation name")
    code: str = Field(min_length=15, max_length=32,
                      description="身份证号码 (GB 11643) or 统一社会信用代码 (GB 32100)")


class HolderSessionOut(BaseModel):
    token: str = Field(description="holder bearer token, shown once")
    expires_at: dt.datetime
