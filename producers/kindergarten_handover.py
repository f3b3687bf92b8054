"""小区配套幼儿园移交验收 — residential-kindergarten handover acceptance (教育厅 / 住建厅)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from audit_log.actor import Actor
from certificate_store.db import UnitOfWork
from issuer.issuance import IssuanceService
from issuer.views import IssuedCertificate
from producers._common import COUNTIES, company, dept, face, request_of

DEPT = "education"
TYPE_CODE = dept(DEPT) + "001"
DEFINITION: dict[str, Any] = {
    "type_code": TYPE_CODE,
    "name": "城镇小区配套幼儿园移交验收合格证明",
    "defining_dept": dept(DEPT),
    "issuers": [dept("housing")],
    "holder_kind": "001",
    "fields": {
        "type": "object", "additionalProperties": False,
        "required": ["kindergarten", "residential_area", "address", "floor_area_m2",
                     "places", "receiver", "accepted_on"],
        "properties": {
            "kindergarten": {"type": "string", "title": "幼儿园名称"},
            "residential_area": {"type": "string", "title": "所在小区"},
            "address": {"type": "string", "title": "地址"},
            "floor_area_m2": {"type": "integer", "title": "建筑面积（平方米）", "minimum": 1},
            "places": {"type": "integer", "title": "学位数", "minimum": 1},
            "receiver": {"type": "string", "title": "接收单位（教育行政部门）"},
            "accepted_on": {"type": "string", "format": "date", "title": "验收日期"},
        },
    },
    "personal": [],
    "validity": None,
    "face": face("城镇小区配套幼儿园移交验收合格证明",
                 [("移交单位（开发建设单位）", "holder_name"), ("幼儿园", "kindergarten"),
                  ("所在小区", "residential_area"), ("建筑面积（平方米）", "floor_area_m2"),
                  ("学位数", "places"), ("接收单位", "receiver"), ("验收日期", "accepted_on")]),
    "seal": "西藏自治区教育厅电子印章",
    "grants": [{"dept": dept("housing"), "purposes": ["竣工验收备案"], "personal": False}],
    "annotated_copy_cap": 3,
    "reminder_days": [],
}


@dataclass(frozen=True)
class KindergartenAccepted:
    holder_name: str  # the developer handing over
    holder_code: str
    kindergarten: str
    residential_area: str
    address: str
    floor_area_m2: int
    places: int
    receiver: str
    accepted_on: dt.date
    case_no: str | None = None


def to_request(e: KindergartenAccepted) -> tuple[dict[str, Any], str | None]:
    return request_of(e)


def issue(service: IssuanceService, uow: UnitOfWork, actor: Actor, e: KindergartenAccepted,
          now: dt.datetime) -> IssuedCertificate:
    data, sk = to_request(e)
    return service.issue(uow, actor, TYPE_CODE, data, now, source_key=sk)


def sample_events(n: int, seed: int = 5) -> list[KindergartenAccepted]:
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    out = []
    for i in range(n):
        name, code = company(rng)
        area = rng.choice(["阳光花园", "金珠家园", "柳梧新区三期", "达孜新城"])
        county = rng.choice(COUNTIES)
        out.append(KindergartenAccepted(
            holder_name=name.replace("商贸", "房地产开发"), holder_code=code,
            kindergarten=f"{area}幼儿园", residential_area=area,
            address=f"{county}{area}{rng.randrange(1, 30)}号",
            floor_area_m2=rng.randrange(1500, 6000),
            places=rng.choice([180, 270, 360]), receiver=f"{county}教育局",
            accepted_on=dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(300)),
            case_no=f"YEYYS-{seed}-{i:05d}"))
    return out
