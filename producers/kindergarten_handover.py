"""城镇小区配套幼儿园移交验收合格意见书 — residential-area kindergarten handover acceptance.

开发城镇小区配套幼儿园治理工作方案: 移交验收合格的，由本地(市)、县(区)教育行政部门、住房城乡
建设部门共同签署移交验收合格意见书. The holder is the developer handing the kindergarten
over; the kindergarten has 5-12 classes (GB 50180-2018 配建 5—12个班, 每班20—35人) and is
run as a public (公办园) or non-profit inclusive private (普惠性民办园) kindergarten, never a
for-profit one. The education bureau issues; the housing bureau is a named co-signing
department (`co_signers`): its own system co-signs each version with its key, and it reads
the certificate as the issuer does (`issuer.cosign`).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from producers._common import DEPARTMENTS, dept, face, org_uscc, request_of

DEPT = "education_chengguan"
CO_DEPT = "housing_chengguan"
TYPE_CODE = dept(DEPT) + "001"
NATURES = ["公办园", "普惠性民办园"]
DEFINITION: dict[str, Any] = {
    "type_code": TYPE_CODE,
    "name": "城镇小区配套幼儿园移交验收合格意见书",
    "defining_dept": dept(DEPT),
    "co_signers": [dept(CO_DEPT)],
    "holder_kind": "001",
    "fields": {
        "type": "object", "additionalProperties": False,
        "required": ["kindergarten", "residential_area", "address", "floor_area_m2",
                     "class_count", "places", "nature", "receiver", "co_signer",
                     "accepted_on"],
        "properties": {
            "kindergarten": {"type": "string", "title": "幼儿园名称", "pattern": "幼儿园$"},
            "residential_area": {"type": "string", "title": "所在小区", "maxLength": 40},
            "address": {"type": "string", "title": "地址", "pattern": "^西藏自治区"},
            "floor_area_m2": {"type": "integer", "title": "建筑面积（平方米）", "minimum": 1},
            "class_count": {"type": "integer", "title": "班数", "minimum": 5, "maximum": 12},
            "places": {"type": "integer", "title": "学位数", "minimum": 100, "maximum": 420},
            "nature": {"type": "string", "title": "办园性质", "enum": NATURES},
            "receiver": {"type": "string", "title": "接收单位（教育行政部门）",
                         "const": DEPARTMENTS[DEPT][1]},
            "co_signer": {"type": "string", "title": "共同签署部门（住房城乡建设部门）",
                          "const": DEPARTMENTS[CO_DEPT][1]},
            "accepted_on": {"type": "string", "format": "date", "title": "验收日期"},
        },
    },
    "personal": [],
    "validity": None,
    "face": face("城镇小区配套幼儿园移交验收合格意见书",
                 [("移交单位（开发建设单位）", "holder_name"), ("幼儿园", "kindergarten"),
                  ("所在小区", "residential_area"), ("建筑面积（平方米）", "floor_area_m2"),
                  ("班数", "class_count"), ("学位数", "places"), ("办园性质", "nature"),
                  ("接收单位", "receiver"), ("共同签署部门", "co_signer"),
                  ("验收日期", "accepted_on")],
                 "由教育行政部门、住房城乡建设部门共同签署。"),
    "seal": "拉萨市城关区教育局电子印章",
    "grants": [{"dept": dept(CO_DEPT), "purposes": ["移交验收共同签署", "竣工验收备案"],
                "personal": True}],
    "annotated_copy_cap": 3,
    "reminder_days": [],
}

AREAS = [("幸福家园小区", "纳金路"), ("阳光花园小区", "金珠东路"), ("康桑小区", "夺底路"),
         ("吉祥苑小区", "江苏路"), ("仙足岛和园小区", "仙足岛"), ("宗角新苑小区", "林廓北路")]
DEVELOPERS = ["西藏城市发展投资有限公司", "拉萨城投置业有限公司", "西藏雪域房地产开发有限公司",
              "拉萨圣地置业有限公司", "西藏雅江房地产开发有限公司", "拉萨高原置业有限公司"]


@dataclass(frozen=True)
class KindergartenAccepted:
    holder_name: str  # the developer handing over
    holder_code: str
    kindergarten: str
    residential_area: str
    address: str
    floor_area_m2: int
    class_count: int
    places: int
    nature: str
    receiver: str
    co_signer: str
    accepted_on: dt.date
    case_no: str | None = None


def to_request(e: KindergartenAccepted) -> tuple[dict[str, Any], str | None]:
    return request_of(e)


def change_of(e: KindergartenAccepted) -> tuple[dict[str, Any], str]:
    return {"fields": {"floor_area_m2": e.floor_area_m2 + 12}}, "复核测绘后建筑面积更正"


def sample_events(n: int, seed: int = 5) -> list[KindergartenAccepted]:
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    out = []
    for i in range(n):
        area, road = AREAS[i % len(AREAS)]
        classes = rng.randrange(5, 13)
        out.append(KindergartenAccepted(
            holder_name=DEVELOPERS[i % len(DEVELOPERS)], holder_code=org_uscc(8000 + i),
            kindergarten=f"拉萨市城关区{area.removesuffix('小区')}幼儿园",
            residential_area=area, address=f"西藏自治区拉萨市城关区{road}{area}内",
            floor_area_m2=classes * rng.randrange(330, 420), class_count=classes,
            places=classes * rng.randrange(20, 36), nature=NATURES[i % 2],
            receiver=DEPARTMENTS[DEPT][1], co_signer=DEPARTMENTS[CO_DEPT][1],
            accepted_on=dt.date(2026, 4, 1) + dt.timedelta(days=rng.randrange(150)),
            case_no=f"YEY-{seed}-{i:05d}"))
    return out
