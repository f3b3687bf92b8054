"""国有资产移交登记 — state-asset handover registration (政府国资委 / 国资公司)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from audit_log.actor import Actor
from certificate_store.db import UnitOfWork
from issuer.issuance import IssuanceService
from issuer.views import IssuedCertificate
from producers._common import company, dept, face

DEPT = "sasac"
TYPE_CODE = dept(DEPT) + "001"
DEFINITION: dict[str, Any] = {
    "type_code": TYPE_CODE,
    "name": "国有资产移交登记证明",
    "defining_dept": dept(DEPT),
    "holder_kind": "001",
    "fields": {
        "type": "object",
        "additionalProperties": False,
        "required": ["transferor", "asset_name", "asset_category", "book_value_yuan",
                     "handover_date"],
        "properties": {
            "transferor": {"type": "string", "title": "移交单位", "minLength": 2},
            "asset_name": {"type": "string", "title": "资产名称", "minLength": 1},
            "asset_category": {"type": "string", "title": "资产类别",
                               "enum": ["房屋建筑物", "土地使用权", "机器设备", "车辆",
                                        "股权", "其他"]},
            "book_value_yuan": {"type": "integer", "title": "账面价值（元）", "minimum": 0},
            "handover_date": {"type": "string", "format": "date", "title": "移交日期"},
            "approval_no": {"type": "string", "title": "批准文号"},
        },
    },
    "personal": [],
    "validity": None,
    "face": face("国有资产移交登记证明", [("接收单位", "holder_name"), ("移交单位", "transferor"),
                                     ("资产名称", "asset_name"), ("资产类别", "asset_category"),
                                     ("账面价值（元）", "book_value_yuan"),
                                     ("移交日期", "handover_date")]),
    "seal": "西藏自治区人民政府国有资产监督管理委员会电子印章",
    "grants": [{"dept": dept("finance"), "purposes": ["资产核查", "财政审计"], "personal": False}],
    "annotated_copy_cap": 5,
    "reminder_days": [],
}


@dataclass(frozen=True)
class AssetHandedOver:
    receiver_name: str
    receiver_uscc: str
    transferor: str
    asset_name: str
    asset_category: str
    book_value_yuan: int
    handover_date: dt.date
    approval_no: str | None = None
    case_no: str | None = None


def to_request(e: AssetHandedOver) -> tuple[dict[str, Any], str | None]:
    fields: dict[str, Any] = {"transferor": e.transferor, "asset_name": e.asset_name,
                              "asset_category": e.asset_category,
                              "book_value_yuan": e.book_value_yuan,
                              "handover_date": e.handover_date.isoformat()}
    if e.approval_no:
        fields["approval_no"] = e.approval_no
    return ({"holder": {"name": e.receiver_name, "code": e.receiver_uscc}, "fields": fields},
            e.case_no)


def issue(service: IssuanceService, uow: UnitOfWork, actor: Actor, e: AssetHandedOver,
          now: dt.datetime) -> IssuedCertificate:
    data, sk = to_request(e)
    return service.issue(uow, actor, TYPE_CODE, data, now, source_key=sk)


def sample_events(n: int, seed: int = 1) -> list[AssetHandedOver]:
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    out = []
    for i in range(n):
        name, code = company(rng)
        out.append(AssetHandedOver(
            receiver_name=name.replace("有限公司", "国有资本投资有限公司"), receiver_uscc=code,
            transferor=rng.choice(["拉萨市城关区人民政府", "西藏自治区机关事务管理局",
                                   "日喀则市财政局"]),
            asset_name=rng.choice(["办公楼一栋", "仓储用地", "公务车辆3辆", "水电站股权"]),
            asset_category=rng.choice(["房屋建筑物", "土地使用权", "车辆", "股权"]),
            book_value_yuan=rng.randrange(100_000, 90_000_000),
            handover_date=dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(300)),
            approval_no=f"藏国资发〔2026〕{rng.randrange(1, 200)}号",
            case_no=f"ZCYJ-{seed}-{i:05d}"))
    return out
