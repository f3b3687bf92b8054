"""A stored record and its type's face template → the values printed on a face.

Rows follow the template in order, with their Tibetan labels when the template has them
(``label_bo``); the holder row takes the template's own label (a kindergarten's developer is
not a 持证单位 because it is an organisation); amounts (``*_yuan`` fields, or a title with
（元）) are written with thousands separators and 元; dates as Chinese calendar dates. After a
succession (Art. 9) the face names the department that now holds the duty, and says which
department first issued it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from formats.chinatime import china_date as china_date_of
from formats.chinatime import parse_utc_z
from formats.errors import Kind
from formats.masking import display_holder
from issuer.catalog import CertificateType
from issuer.errors import IssuerError
from issuer.face import FaceError, FaceInput, chinese_date, render_face
from issuer.seal import make_seal

__all__ = ["DocumentError", "FaceIssuer", "face_input_from_record", "face_problems",
           "show_value", "specimen_input", "yuan"]

DEFAULT_FOOTER = ("本电子证照由签发部门依法签发并加盖电子印章，与纸质证照具有同等法律效力。"
                  "扫描二维码可核验真伪及当前状态。")
HOLDER_FIELDS = ("holder", "holder_name")


class DocumentError(IssuerError, ValueError):
    """A document cannot be made from what is stored (bad record, annotation too long)."""

    slug = "document-error"
    kind = Kind.INTERNAL  # made from stored records, which were checked when written


def _cn_date(value: str | None) -> str:
    return "" if not value else chinese_date(dt.date.fromisoformat(value))


def _printed_holder(record: Mapping[str, Any]) -> tuple[str, str]:
    """(name, code) as printed. A PDF is forwarded, printed and shown: for a confidential holder
    (an informant, 举报人信息保密) it is a public surface, so neither is printed; the holder proves
    who they are by signing in (holder page), not by the face."""
    h = record["holder"]
    if h.get("confidential"):
        return display_holder(h["name"], h["code"], h.get("code_kind"), True)
    return h["name"], h["code"]


_RESERVED: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "holder": lambda r: _printed_holder(r)[0],
    "holder_name": lambda r: _printed_holder(r)[0],
    "holder_code": lambda r: _printed_holder(r)[1],
    "licence_number": lambda r: r.get("licence_number") or "",
    "valid_from": lambda r: _cn_date(r["validity"]["from"]),
    "valid_to": lambda r: _cn_date(r["validity"]["to"]) or "长期",
}


def yuan(value: int | float) -> str:
    """``1,234,567 元``; ``1,234.50 元`` for fractions of a yuan."""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f} 元"
    return f"{int(value):,} 元"


def show_value(value: Any, amount: bool = False) -> str:
    """A field value as printed: lists with 、, booleans 是/否, ISO dates in Chinese."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if amount and isinstance(value, (int, float)):
        return yuan(value)
    if isinstance(value, (list, tuple)):
        return "、".join(show_value(v) for v in value)
    if isinstance(value, Mapping):
        return "；".join(f"{k}：{show_value(v)}" for k, v in value.items())
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return chinese_date(dt.date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def is_amount(name: str, title: str) -> bool:
    return name.endswith("_yuan") or "（元）" in title or "(元)" in title


def _label(label: str, label_bo: str | None) -> str:
    return f"{label}\n{label_bo}" if label_bo else label


def _holder_label(record: Mapping[str, Any], ctype: CertificateType) -> str:
    row = next((r for r in ctype.face.rows if r.field in HOLDER_FIELDS), None)
    if row is not None:
        return _label(row.label, row.label_bo)
    return "持证人" if record["holder"].get("code_kind") == "111" else "持证单位"


class FaceIssuer:
    """Who the face names as issuer: the department holding the duty now (its successor
    after a reorganisation) and, then, a note naming the original one."""

    def __init__(self, name: str, original: str | None = None) -> None:
        self.name = name
        self.note = f"原发证机关：{original}（职责已依法由本机关承继）" if original else ""


def face_input_from_record(record: Mapping[str, Any], ctype: CertificateType, seal_png: bytes,
                           qr_url: str, annotation: Sequence[str] = (),
                           issuer: FaceIssuer | None = None,
                           specimen: bool = False) -> FaceInput:
    """The face of one stored version: rows from the type's face template, in order."""
    try:
        fields = record.get("fields") or {}
        rows: list[tuple[str, str]] = []
        for row in ctype.face.rows:
            if row.field in (*HOLDER_FIELDS, "valid_from", "valid_to"):
                continue  # printed in their own places
            getter = _RESERVED.get(row.field)
            value = getter(record) if getter else show_value(
                fields.get(row.field), is_amount(row.field, ctype.field_titles.get(row.field, "")))
            if value != "":
                rows.append((_label(row.label, row.label_bo), value))
        validity = record.get("validity") or {}
        who = issuer or FaceIssuer(record["issuer"]["name"])
        issued = dt.date.fromisoformat(record["issue_date"])
        signed = china_date_of(parse_utc_z(record["signed_at"])) if record.get(
            "signed_at") else issued
        return FaceInput(
            title=ctype.face.title or record["name"],
            title_bo=ctype.face.title_bo or "",
            identifier=record["identifier"],
            issuer_name=who.name,
            issuer_note=who.note,
            issue_date=issued,
            digitised_on=signed if record.get("version") == 1 and signed > issued else None,
            holder_name=_printed_holder(record)[0],
            holder_label=_holder_label(record, ctype),
            rows=tuple(rows),
            valid_from=dt.date.fromisoformat(validity["from"]) if validity.get("from") else None,
            valid_to=dt.date.fromisoformat(validity["to"]) if validity.get("to") else None,
            seal_png=seal_png,
            qr_url=qr_url,
            licence_number=record.get("licence_number") or "",
            footer=ctype.face.footer or DEFAULT_FOOTER,
            annotation=tuple(annotation),
            specimen=specimen,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise DocumentError("stored record cannot be rendered") from exc


SPECIMEN_ID = "样本"


def specimen_input(ctype: CertificateType, issuer_name: str, seal_png: bytes, qr_url: str,
                   today: dt.date) -> FaceInput:
    """A type's face with a placeholder in every row (〔label〕): the specimen (样本) of Art. 8."""
    holder = next((r for r in ctype.face.rows if r.field in HOLDER_FIELDS), None)
    rows = tuple((_label(r.label, r.label_bo), f"〔{r.label}〕") for r in ctype.face.rows
                 if r.field not in (*HOLDER_FIELDS, "valid_from", "valid_to"))
    holder_label = _label(holder.label, holder.label_bo) if holder else (
        "持证人" if ctype.holder_kind == "111" else "持证单位")
    return FaceInput(
        title=ctype.face.title, title_bo=ctype.face.title_bo or "", identifier=SPECIMEN_ID,
        issuer_name=issuer_name, issue_date=today, holder_name=f"〔{holder_label.splitlines()[0]}〕",
        holder_label=holder_label, rows=rows, valid_from=None, valid_to=None,
        seal_png=seal_png, qr_url=qr_url, licence_number="〔证照编号〕",
        footer="样本：仅示意版式与记载事项，不是有效证照，不能用于任何办事或证明。",
        specimen=True)


def face_problems(ctype: CertificateType) -> list[str]:
    """Whether the type's face can be printed at all: its specimen is rendered once when the
    type is defined, so a template with more rows (or longer bilingual labels) than one page
    holds is refused then, not at the first download of a certificate."""
    try:
        render_face(specimen_input(ctype, "〔发证机关〕", make_seal("〔发证机关〕", ctype.seal),
                                   "https://example.invalid/v/样本", dt.date(2020, 1, 1)))
    except FaceError as exc:
        return [f"face: {exc}"]
    return []
