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
    face            {"title": str, "rows": [{"label": str, "field": str}], "footer": str?}
    seal            seal name (印章名称)
    grants          [{"dept": USCC, "purposes": [str, ...], "personal": bool}]
    annotated_copy_cap   annotated copies per certificate per 30 days (int >= 0)
    reminder_days   days before `validity.to` to remind the holder (list of int, may be empty)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import jsonschema
from jsonschema.validators import Draft202012Validator

from audit_log.actor import Actor
from certificate_store.db import UnitOfWork
from certificate_store.records import CertificateTypeRecord
from formats.idnumber import citizen_id_problems
from formats.record import canonical_bytes, sha256_hex
from formats.text import clean_tree
from formats.uscc import uscc_problems
from issuer.errors import Forbidden, InvalidCatalogDefinition, InvalidCertificateData, NotFound
from issuer.patterns import data_validator, pattern_problems
from issuer.records import AuditRecorder

HOLDER_KINDS = {"111": "citizen ID number 居民身份证号", "001": "unified social credit code"}
_KNOWN_KEYS = {"type_code", "name", "defining_dept", "issuers", "holder_kind", "fields",
               "personal", "validity", "face", "seal", "grants", "annotated_copy_cap",
               "reminder_days", "description", "licence_number_field"}
_RESERVED_FIELDS = {"holder", "holder_name", "holder_code", "source_key", "valid_from",
                    "valid_to", "licence_number"}


@dataclass(frozen=True)
class FaceRow:
    label: str
    field: str


@dataclass(frozen=True)
class FaceTemplate:
    title: str
    rows: tuple[FaceRow, ...]
    footer: str | None


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
                              rows=tuple(FaceRow(r["label"], r["field"]) for r in face["rows"]),
                              footer=face.get("footer")),
            seal=d["seal"],
            grants=tuple(Grant(g["dept"], tuple(g.get("purposes", ())), bool(g.get("personal")))
                         for g in d.get("grants", ())),
            annotated_copy_cap=int(d.get("annotated_copy_cap", 3)),
            reminder_days=tuple(d.get("reminder_days", ())),
            licence_number_field=d.get("licence_number_field"),
            definition=d,
        )


def _nonempty_str(v: Any) -> bool:
    return isinstance(v, str) and bool(v.strip())


def _nonneg_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def definition_problems(d: Any) -> list[str]:
    """Every problem of a catalog definition (empty when it is valid)."""
    if not isinstance(d, Mapping):
        return ["definition must be a JSON object"]
    p: list[str] = []
    for key in sorted(set(d) - _KNOWN_KEYS):
        p.append(f"unknown key {key!r}")
    for key in ("type_code", "name", "defining_dept", "holder_kind", "fields", "face", "seal"):
        if key not in d:
            p.append(f"missing {key!r}")
    tc, dd = d.get("type_code"), d.get("defining_dept")
    if "type_code" in d:
        if not isinstance(tc, str) or len(tc) != 21 or not tc[18:].isdigit():
            p.append("type_code must be the defining department's USCC + 3 digits (21 chars)")
        else:
            p.extend(f"type_code: {x}" for x in uscc_problems(tc[:18]))
    if "defining_dept" in d:
        if not isinstance(dd, str) or uscc_problems(dd):
            p.append(f"defining_dept is not a valid USCC: {dd!r}")
        elif isinstance(tc, str) and tc[:18] != dd:
            p.append("type_code must start with defining_dept")
    for key in ("name", "seal"):
        if key in d and not _nonempty_str(d[key]):
            p.append(f"{key} must be a non-empty string")
    for i, code in enumerate(d.get("issuers", []) if isinstance(d.get("issuers", []), list)
                             else [None]):
        if not isinstance(code, str) or uscc_problems(code):
            p.append(f"issuers[{i}] is not a valid USCC: {code!r}")
    if "holder_kind" in d and d["holder_kind"] not in HOLDER_KINDS:
        p.append(f"holder_kind must be one of {sorted(HOLDER_KINDS)}")
    props: Mapping[str, Any] = {}
    if "fields" in d:
        fields = d["fields"]
        if not isinstance(fields, Mapping):
            p.append("fields must be a JSON Schema object")
        else:
            try:
                Draft202012Validator.check_schema(fields)
            except jsonschema.SchemaError as exc:
                p.append(f"fields is not a valid JSON Schema (2020-12): {exc.message}")
            p.extend(pattern_problems(fields))  # patterns run on RE2 (issuer.patterns)
            if fields.get("type") != "object":
                p.append('fields must have "type": "object"')
            raw_props = fields.get("properties")
            props = raw_props if isinstance(raw_props, Mapping) else {}
            if not props:
                p.append("fields must define properties")
            for name, sub in props.items():
                if name in _RESERVED_FIELDS:
                    p.append(f"field name {name!r} is reserved")
                if not isinstance(sub, Mapping) or not _nonempty_str(sub.get("title")):
                    p.append(f"field {name!r} needs a title (Chinese label)")
            req = fields.get("required", [])
            if not isinstance(req, list) or any(r not in props for r in req):
                p.append("fields.required must list defined properties")
    for name in d.get("personal", []) or []:
        if name not in props:
            p.append(f"personal field {name!r} is not defined in fields")
    lnf = d.get("licence_number_field")
    if lnf is not None and lnf not in props:
        p.append(f"licence_number_field {lnf!r} is not defined in fields")
    v = d.get("validity")
    if v is not None and (
            not isinstance(v, Mapping) or set(v) - {"years", "days"} or len(v) != 1 or not all(
                isinstance(x, int) and not isinstance(x, bool) and x > 0 for x in v.values())):
        p.append('validity must be {"years": n}, {"days": n} (n > 0) or null')
    face = d.get("face")
    if "face" in d:
        if not isinstance(face, Mapping) or not _nonempty_str(face.get("title")) or not \
                isinstance(face.get("rows"), list) or not face.get("rows"):
            p.append("face needs a title and a non-empty list of rows")
        else:
            for i, row in enumerate(face["rows"]):
                if not isinstance(row, Mapping) or not _nonempty_str(row.get("label")) or \
                        not isinstance(row.get("field"), str):
                    p.append(f"face.rows[{i}] needs label and field")
                elif row["field"] not in props and row["field"] not in _RESERVED_FIELDS:
                    p.append(f"face.rows[{i}] refers to unknown field {row['field']!r}")
            if face.get("footer") is not None and not isinstance(face["footer"], str):
                p.append("face.footer must be a string")
    grants = d.get("grants", [])
    if not isinstance(grants, list):
        p.append("grants must be a list")
        grants = []
    for i, g in enumerate(grants):
        if not isinstance(g, Mapping):
            p.append(f"grants[{i}] must be an object")
            continue
        if not isinstance(g.get("dept"), str) or uscc_problems(g["dept"]):
            p.append(f"grants[{i}].dept is not a valid USCC: {g.get('dept')!r}")
        purposes = g.get("purposes")
        if not isinstance(purposes, list) or not purposes or not all(map(_nonempty_str,
                                                                         purposes)):
            p.append(f"grants[{i}].purposes must be a non-empty list of strings")
        if not isinstance(g.get("personal", False), bool):
            p.append(f"grants[{i}].personal must be true or false")
    if "annotated_copy_cap" in d and not _nonneg_int(d["annotated_copy_cap"]):
        p.append("annotated_copy_cap must be an integer >= 0")
    rd = d.get("reminder_days", [])
    if not isinstance(rd, list) or not all(_nonneg_int(x) for x in rd):
        p.append("reminder_days must be a list of integers >= 0")
    return p


class CatalogService:
    def __init__(self, audit: AuditRecorder) -> None:
        self._audit = audit

    def add(self, uow: UnitOfWork, definition: Mapping[str, Any], actor: Actor,
            now: datetime) -> CertificateType:
        """Validate and store a new version of a type; audited as `catalog.add`."""
        problems = definition_problems(definition)
        if problems:
            raise InvalidCatalogDefinition(
                "证照目录定义无效 / invalid catalog definition",
                errors=[{"field": "definition", "message": m} for m in problems])
        d = dict(definition)
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


_DATA_KEYS = {"holder", "fields", "valid_from", "valid_to", "licence_number"}


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
                  validator: Draft202012Validator | None = None) -> CertificateData:
    """Check issuance data against the type; `InvalidCertificateData` lists every failing field.

    Data shape: {"holder": {"name", "code"}, "fields": {...}, "valid_from"?: "YYYY-MM-DD",
    "valid_to"?: "YYYY-MM-DD", "licence_number"?: str}.
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
        probs = (citizen_id_problems(code) if ctype.holder_kind == "111" else uscc_problems(code))
        for p in probs:
            kind = "身份证号码" if ctype.holder_kind == "111" else "统一社会信用代码"
            errors.append({"field": "holder.code", "message": f"{kind}无效 / {p}"})
    fields = data.get("fields", {})
    if validator is None:
        validator = data_validator(ctype.schema)
    if not isinstance(fields, Mapping):
        errors.append({"field": "fields", "message": "must be an object"})
    else:
        errors.extend(_schema_errors(validator, fields))
    vf = _parse_date(data.get("valid_from"), "valid_from", errors)
    vt = _parse_date(data.get("valid_to"), "valid_to", errors)
    if vf and vt and vt < vf:
        errors.append({"field": "valid_to",
                       "message": "有效期止早于起 / valid_to before valid_from"})
    lic = data.get("licence_number")
    if lic is not None and (not isinstance(lic, str) or not lic.strip() or len(lic) > 100):
        errors.append({"field": "licence_number", "message": "must be a string of 1-100 chars"})
    if errors:
        raise InvalidCertificateData(
            f"证照数据无效，共{len(errors)}处 / {len(errors)} invalid field(s)", errors=errors)
    return CertificateData(holder_name=name, holder_code=code, fields=dict(fields),
                           valid_from=vf, valid_to=vt,
                           licence_number=lic.strip() if isinstance(lic, str) else None)


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
