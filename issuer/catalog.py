"""The certificate catalog (Art. 8): type definitions, validated and versioned.

A definition is a JSON object (see docs/issuing.md):

    type_code       21 chars: the defining department's USCC + 3 digits
    name            certificate name (Chinese)
    defining_dept   USCC, equal to type_code[:18]
    issuers         optional list of other department USCCs that may issue this type
    holder_kind     "111" (citizen, ID number) or "001" (organisation, USCC)
    fields          JSON Schema (Draft 2020-12) of type object; every property has a `title`
    personal        names of personal fields (masked for using departments by default)
    validity        {"years": n} | {"days": n} | null (no end)
    face            {"title": str, "title_bo": str?, "rows": [{"label": str, "field": str,
                    "label_bo": str?}], "footer": str?}  (``*_bo``: Tibetan, printed under)
    seal            seal name (印章名称)
    grants          [{"dept": USCC, "purposes": [str, ...], "personal": bool}]
    annotated_copy_cap   annotated copies per certificate per 30 days (int >= 0)
    reminder_days   days before `validity.to` to remind the holder (list of int, may be empty)
    holder_kinds    optional: every holder kind accepted ("111" and "001": a person or an
                    organisation), holder_kind first; the code tells which
    rules           optional declarative rules checked at issue and change (issuer.rules)
    co_signers      optional: USCCs of departments that sign each version too (共同签署;
                    issuer.cosign), and may read the certificate as its issuer does
    confidential_holder  optional: the holder is never named on a public surface nor to a
                    department without a personal grant (an informant, 举报人信息保密)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from jsonschema.validators import Draft202012Validator

from audit_log.actor import Actor
from certificate_store.db import UnitOfWork
from certificate_store.records import CertificateTypeRecord
from formats.idnumber import citizen_id_problems
from formats.record import canonical_bytes, sha256_hex
from formats.text import clean_tree
from formats.uscc import uscc_problems
from issuer.definitions import HOLDER_KINDS, definition_problems
from issuer.errors import Forbidden, InvalidCatalogDefinition, InvalidCertificateData, NotFound
from issuer.patterns import data_validator
from issuer.records import AuditRecorder
from issuer.rules import Override, evaluate

__all__ = ["HOLDER_KINDS", "CatalogService", "CertificateData", "CertificateType", "FaceRow",
           "FaceTemplate", "Grant", "Validity", "definition_problems", "validate_data",
           "validity_end"]


@dataclass(frozen=True)
class FaceRow:
    label: str
    field: str
    label_bo: str | None = None
    """The label in Tibetan, printed under the Chinese one (optional)."""


@dataclass(frozen=True)
class FaceTemplate:
    title: str
    rows: tuple[FaceRow, ...]
    footer: str | None
    title_bo: str | None = None


@dataclass(frozen=True)
class Grant:
    dept: str
    purposes: tuple[str, ...]
    personal: bool


@dataclass(frozen=True)
class Validity:
    years: int | None = None
    days: int | None = None

    @property
    def unbounded(self) -> bool:
        return self.years is None and self.days is None


@dataclass(frozen=True)
class CertificateType:
    """A typed, read-only view of one stored catalog version."""

    type_code: str
    version: int
    name: str
    defining_dept: str
    issuers: tuple[str, ...]
    holder_kind: str
    schema: Mapping[str, Any]
    field_titles: Mapping[str, str]
    required: tuple[str, ...]
    personal: frozenset[str]
    validity: Validity
    face: FaceTemplate
    seal: str
    grants: tuple[Grant, ...]
    annotated_copy_cap: int
    reminder_days: tuple[int, ...]
    licence_number_field: str | None
    definition: Mapping[str, Any]
    holder_kinds: tuple[str, ...] = ()
    rules: tuple[Mapping[str, Any], ...] = ()
    confidential_holder: bool = False

    def may_issue(self, dept_code: str) -> bool:
        return dept_code == self.defining_dept or dept_code in self.issuers

    def grant_for(self, dept_code: str) -> Grant | None:
        return next((g for g in self.grants if g.dept == dept_code), None)

    @classmethod
    def from_record(cls, rec: CertificateTypeRecord) -> CertificateType:
        return cls.from_definition(json.loads(rec.definition), version=rec.version)

    @classmethod
    def from_definition(cls, d: Mapping[str, Any], version: int = 1) -> CertificateType:
        fields = d["fields"]
        props = fields.get("properties", {})
        validity = d.get("validity") or {}
        face = d["face"]
        return cls(
            type_code=d["type_code"], version=version, name=d["name"],
            defining_dept=d["defining_dept"], issuers=tuple(d.get("issuers", ())),
            holder_kind=d["holder_kind"], schema=fields,
            field_titles={k: v.get("title", k) for k, v in props.items()},
            required=tuple(fields.get("required", ())),
            personal=frozenset(d.get("personal", ())),
            validity=Validity(years=validity.get("years"), days=validity.get("days")),
            face=FaceTemplate(title=face["title"],
                              rows=tuple(FaceRow(r["label"], r["field"], r.get("label_bo"))
                                         for r in face["rows"]),
                              footer=face.get("footer"), title_bo=face.get("title_bo")),
            seal=d["seal"],
            grants=tuple(Grant(g["dept"], tuple(g.get("purposes", ())), bool(g.get("personal")))
                         for g in d.get("grants", ())),
            annotated_copy_cap=int(d.get("annotated_copy_cap", 3)),
            reminder_days=tuple(d.get("reminder_days", ())),
            licence_number_field=d.get("licence_number_field"),
            definition=d,
            holder_kinds=tuple(d.get("holder_kinds") or (d["holder_kind"],)),
            rules=tuple(d.get("rules") or ()),
            confidential_holder=bool(d.get("confidential_holder", False)),
        )


class CatalogService:
    def __init__(self, audit: AuditRecorder,
                 face_check: Callable[[CertificateType], list[str]] | None = None) -> None:
        self._audit = audit
        self._face_check = face_check  # issuer.faceview.face_problems (it imports this module)

    def add(self, uow: UnitOfWork, definition: Mapping[str, Any], actor: Actor,
            now: datetime) -> CertificateType:
        """Validate and store a new version of a type; audited as `catalog.add`."""
        problems = definition_problems(definition)
        if problems:
            raise InvalidCatalogDefinition(
                "证照目录定义无效 / invalid catalog definition",
                errors=[{"field": "definition", "message": m} for m in problems])
        d = dict(definition)
        face = self._face_check(CertificateType.from_definition(d)) if self._face_check else []
        if face:
            raise InvalidCatalogDefinition(
                "证照目录定义无效 / invalid catalog definition",
                errors=[{"field": "definition.face", "message": m} for m in face])
        if actor.role not in ("admin", "system") and actor.dept_code != d["defining_dept"]:
            raise Forbidden("only the defining department or an administrator may define a type")
        if uow.departments.find(d["defining_dept"]) is None:
            raise NotFound(f"defining department {d['defining_dept']} is not enrolled")
        text = canonical_bytes(d).decode("utf-8")
        rec = uow.catalog.add(type_code=d["type_code"], name=d["name"],
                              defining_dept=d["defining_dept"], definition=text, now=now)
        self._audit.record(
            uow, now=now, actor=actor.name, actor_dept=actor.dept_code, role=actor.role,
            action="catalog.add", cert_identifier=None, purpose=None,
            request_id=actor.request_id,
            details={"type_code": rec.type_code, "version": rec.version, "name": rec.name,
                     "definition_sha256": sha256_hex(text.encode("utf-8"))})
        return CertificateType.from_record(rec)

    def get(self, uow: UnitOfWork, type_code: str, version: int | None = None) -> CertificateType:
        if version is None:
            rec = uow.catalog.latest(type_code)
            if rec is None:
                raise NotFound(f"certificate type {type_code} not in the catalog")
        else:
            try:
                rec = uow.catalog.get(type_code, version)
            except Exception as exc:  # certificate_store.errors.NotFound
                raise NotFound(f"certificate type {type_code} v{version} not found") from exc
        return CertificateType.from_record(rec)

    def list(self, uow: UnitOfWork) -> list[CertificateType]:
        return [CertificateType.from_record(r) for r in uow.catalog.list_latest()]


# ---------------------------------------------------------------------------------------------
# Certificate data against a type
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CertificateData:
    """Issuance data after validation (holder, type fields, optional validity override)."""

    holder_name: str
    holder_code: str
    fields: Mapping[str, Any]
    valid_from: date | None
    valid_to: date | None
    licence_number: str | None
    issue_date: date | None = None
    """The original issue date of a certificate being digitised (Art. 9); None: today."""
    holder_kind: str = "111"
    overrides: tuple[Override, ...] = ()


_DATA_KEYS = {"holder", "fields", "valid_from", "valid_to", "licence_number", "issue_date"}


def _parse_date(v: Any, key: str, errors: list[dict[str, str]]) -> date | None:
    if v is None or v == "":
        return None
    if isinstance(v, date) and not isinstance(v, datetime):
        return v
    if isinstance(v, str):
        try:
            return date.fromisoformat(v)
        except ValueError:
            pass
    errors.append({"field": key, "message": "日期格式应为 YYYY-MM-DD / date must be YYYY-MM-DD"})
    return None


def _schema_errors(validator: Draft202012Validator, fields: Any) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for err in sorted(validator.iter_errors(fields), key=lambda e: list(map(str, e.path))):
        if err.validator == "required" and isinstance(fields, Mapping):
            missing = [f for f in err.validator_value if f not in fields]
            out.extend({"field": f, "message": "必填 / required"} for f in missing)
        elif err.validator == "additionalProperties" and isinstance(fields, Mapping):
            allowed = set(err.schema.get("properties", {}))
            out.extend({"field": f, "message": "未定义的字段 / unknown field"}
                       for f in fields if f not in allowed)
        else:
            path = ".".join(str(p) for p in err.path) or "fields"
            out.append({"field": path, "message": err.message})
    return out


def validate_data(ctype: CertificateType, data: Any,
                  validator: Draft202012Validator | None = None,
                  today: date | None = None) -> CertificateData:
    """Check issuance data against the type; `InvalidCertificateData` lists every failing field.

    Data shape: {"holder": {"name", "code"}, "fields": {...}, "valid_from"?: "YYYY-MM-DD",
    "valid_to"?: "YYYY-MM-DD", "licence_number"?: str, "issue_date"?: "YYYY-MM-DD"}.
    ``issue_date`` is the original issue date of a legacy certificate being digitised (Art. 9);
    it may not be after ``today`` (China date) nor after ``valid_from``.
    """
    errors: list[dict[str, str]] = []
    if not isinstance(data, Mapping):
        raise InvalidCertificateData("证照数据无效 / data must be a JSON object",
                                     errors=[{"field": "", "message": "not an object"}])
    data, text_errors = clean_tree(data)  # formats.text: NFC, no invisible characters
    errors.extend(text_errors)
    errors.extend({"field": k, "message": "未知的键 / unknown key"}
                  for k in sorted(set(data) - _DATA_KEYS))
    holder = data.get("holder")
    name = code = ""
    if not isinstance(holder, Mapping):
        errors.append({"field": "holder", "message": "持证主体必填 / holder {name, code} required"})
    else:
        raw_name, raw_code = holder.get("name"), holder.get("code")
        name = raw_name.strip() if isinstance(raw_name, str) else ""
        code = raw_code.strip().upper() if isinstance(raw_code, str) else ""
        if not name:
            errors.append({"field": "holder.name", "message": "必填 / required"})
        kind, probs = _holder_kind(ctype, code)
        for p in probs:
            label = "身份证号码" if kind == "111" else "统一社会信用代码"
            errors.append({"field": "holder.code", "message": f"{label}无效 / {p}"})
    fields = data.get("fields", {})
    if validator is None:
        validator = data_validator(ctype.schema)
    if not isinstance(fields, Mapping):
        errors.append({"field": "fields", "message": "must be an object"})
    else:
        errors.extend(_schema_errors(validator, fields))
    overrides: tuple[Override, ...] = ()
    if not errors and isinstance(fields, Mapping):
        rule_errors, overrides = evaluate(ctype.rules, name, code, fields)
        errors.extend(rule_errors)
    vf, vt, issued = _dates(data, today, errors)
    lic = data.get("licence_number")
    if lic is not None and (not isinstance(lic, str) or not lic.strip() or len(lic) > 100):
        errors.append({"field": "licence_number", "message": "must be a string of 1-100 chars"})
    if errors:
        raise InvalidCertificateData(
            f"证照数据无效，共{len(errors)}处 / {len(errors)} invalid field(s)", errors=errors)
    return CertificateData(holder_name=name, holder_code=code, fields=dict(fields),
                           valid_from=vf, valid_to=vt,
                           licence_number=lic.strip() if isinstance(lic, str) else None,
                           issue_date=issued, holder_kind=kind, overrides=overrides)


def _dates(data: Mapping[str, Any], today: date | None, errors: list[dict[str, str]]
           ) -> tuple[date | None, date | None, date | None]:
    """(valid_from, valid_to, original issue date), each checked; problems go to `errors`."""
    vf = _parse_date(data.get("valid_from"), "valid_from", errors)
    vt = _parse_date(data.get("valid_to"), "valid_to", errors)
    if vf and vt and vt < vf:
        errors.append({"field": "valid_to",
                       "message": "有效期止早于起 / valid_to before valid_from"})
    issued = _parse_date(data.get("issue_date"), "issue_date", errors)
    if issued and ((today and issued > today) or (vf and issued > vf)):
        errors.append({"field": "issue_date",
                       "message": "原发证日期不能晚于今天或有效期起 / issue_date in the future "
                                  "or after valid_from"})
    return vf, vt, issued


def _holder_kind(ctype: CertificateType, code: str) -> tuple[str, list[str]]:
    """The holder kind the code is (among the type's), and its problems under the first."""
    first: list[str] | None = None
    for kind in ctype.holder_kinds:
        probs = citizen_id_problems(code) if kind == "111" else uscc_problems(code)
        if not probs:
            return kind, []
        first = probs if first is None else first
    return ctype.holder_kind, first or []


def validity_end(ctype: CertificateType, start: date) -> date | None:
    """Last valid day for a certificate valid from `start` under the type's rule."""
    v = ctype.validity
    if v.days is not None:
        return start + timedelta(days=v.days - 1)
    if v.years is not None:
        try:
            anniversary = start.replace(year=start.year + v.years)
        except ValueError:  # 29 February
            anniversary = start.replace(year=start.year + v.years, day=28) + timedelta(days=1)
        return anniversary - timedelta(days=1)
    return None
