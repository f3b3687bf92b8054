"""区直机关事业单位出租及闲置国有资产注入移交登记证明 — handover of leased and idle state assets.

西藏自治区区直党政机关和事业单位出租及闲置国有资产集中统一管理实施方案 (藏政发〔2019〕10号):
units directly under the region (the 67 units of its annex) hand their leased or idle
non-operating assets (shops, hotels, land, idle buildings) to the single receiver, 西藏国有
资本投资运营公司 (国资公司), at the market assessed value (按市场化评估价值作为政府资本注入); the
receiver registers them at the injection value (按移交资产注入价值造册、登记、建账) after the
regional government's approval of the priced injection. Equity and vehicles are not such
assets; the asset's name matches its category.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from producers._common import dept, face, org_uscc, request_of

DEPT = "sasac"
TYPE_CODE = dept(DEPT) + "001"
RECEIVER = "西藏国有资本投资运营公司"
RECEIVER_USCC = org_uscc(1)
TRANSFERORS = [  # units of the annex (成员单位名单), under their full names
    "西藏自治区人民政府办公厅", "西藏自治区总工会", "西藏自治区妇女联合会",
    "西藏自治区文学艺术界联合会", "西藏自治区发展和改革委员会", "西藏自治区教育厅",
    "西藏自治区科学技术厅", "西藏自治区经济和信息化厅", "西藏自治区民族事务委员会",
    "西藏自治区公安厅", "西藏自治区民政厅", "西藏自治区司法厅", "西藏自治区财政厅",
    "西藏自治区人力资源和社会保障厅", "西藏自治区自然资源厅", "西藏自治区生态环境厅",
    "西藏自治区住房和城乡建设厅", "西藏自治区交通运输厅", "西藏自治区水利厅",
    "西藏自治区农业农村厅", "西藏自治区林业和草原局", "西藏自治区商务厅", "西藏自治区文化厅",
    "西藏自治区卫生健康委员会", "西藏自治区审计厅", "西藏自治区广播电视局", "西藏自治区体育局",
    "西藏自治区统计局", "西藏自治区旅游发展厅", "西藏自治区档案馆", "西藏自治区社会科学院",
    "西藏自治区农牧科学院", "西藏自治区文物局", "西藏警官高等专科学校",
]
CATEGORIES = {"商铺": ["商铺", "门面"], "宾馆酒店": ["宾馆", "酒店", "招待所"],
              "土地": ["土地", "地块"], "闲置房屋": ["房屋", "办公楼", "用房", "宿舍楼"]}
DEFINITION: dict[str, Any] = {
    "type_code": TYPE_CODE,
    "name": "区直机关事业单位出租及闲置国有资产注入移交登记证明",
    "defining_dept": dept(DEPT),
    "holder_kind": "001",
    "fields": {
        "type": "object", "additionalProperties": False,
        "required": ["transferor", "asset_category", "asset_name", "location", "area_m2",
                     "injection_value_yuan", "assessment_report_no", "approval_no", "batch",
                     "handed_over_on"],
        "properties": {
            "transferor": {"type": "string", "title": "资产原占有单位", "enum": TRANSFERORS},
            "asset_category": {"type": "string", "title": "资产类别", "enum": list(CATEGORIES)},
            "asset_name": {"type": "string", "title": "资产名称", "maxLength": 60},
            "location": {"type": "string", "title": "坐落", "pattern": "^西藏自治区拉萨市"},
            "area_m2": {"type": "number", "title": "面积（平方米）", "exclusiveMinimum": 0},
            "injection_value_yuan": {"type": "integer", "title": "注入价值（评估价值，元）",
                                     "minimum": 1},
            "assessment_report_no": {"type": "string", "title": "资产评估报告文号",
                                     "maxLength": 40},
            "approval_no": {"type": "string", "title": "资产作价注入批复文号",
                            "pattern": "^藏政函〔20[0-9]{2}〕[0-9]{1,4}号$"},
            "batch": {"type": "string", "title": "批次", "enum": ["第一批", "第二批", "第三批"]},
            "handed_over_on": {"type": "string", "format": "date", "title": "移交日期"},
        },
    },
    "rules": [
        {"id": "single-receiver", "kind": "holder_name_in", "values": [RECEIVER],
         "message": f"承接主体只能是{RECEIVER} / the receiver is {RECEIVER}"},
        {"id": "no-equity-or-vehicles", "kind": "forbid_words", "fields": ["asset_name"],
         "words": ["股权", "股份", "车辆", "汽车"],
         "message": "移交范围为出租（借）及闲置的房屋、土地等非经营性资产，不含股权、车辆 / "
                    "no equity, no vehicles"},
        {"id": "name-matches-category", "kind": "contains_by", "field": "asset_name",
         "by": "asset_category", "map": CATEGORIES},
    ],
    "personal": [],
    "validity": None,
    "face": face("国有资产注入移交登记证明",
                 [("承接主体", "holder_name"), ("资产原占有单位", "transferor"),
                  ("资产名称", "asset_name"), ("资产类别", "asset_category"),
                  ("坐落", "location"), ("面积（平方米）", "area_m2"),
                  ("注入价值（元）", "injection_value_yuan"), ("批复文号", "approval_no"),
                  ("移交日期", "handed_over_on")],
                 "按移交资产注入价值造册、登记、建账，单独造册、专户管理。"),
    "seal": "西藏自治区人民政府国有资产监督管理委员会电子印章",
    "grants": [{"dept": dept("finance"), "purposes": ["移交资产核销"], "personal": False}],
    "annotated_copy_cap": 5,
    "reminder_days": [],
}
ASSETS = [("商铺", "临街商铺", 180), ("宾馆酒店", "招待所", 2400), ("土地", "闲置土地", 5200),
          ("闲置房屋", "闲置办公楼", 1600), ("商铺", "门面房", 95), ("闲置房屋", "职工宿舍楼", 2100)]
ROADS = ["北京中路", "江苏路", "林廓北路", "金珠西路", "罗布林卡路", "色拉路"]


@dataclass(frozen=True)
class AssetHandedOver:
    holder_name: str
    holder_code: str
    transferor: str
    asset_category: str
    asset_name: str
    location: str
    area_m2: float
    injection_value_yuan: int
    assessment_report_no: str
    approval_no: str
    batch: str
    handed_over_on: dt.date
    case_no: str | None = None


def to_request(e: AssetHandedOver) -> tuple[dict[str, Any], str | None]:
    return request_of(e)


def change_of(e: AssetHandedOver) -> tuple[dict[str, Any], str]:
    return {"fields": {"area_m2": round(e.area_m2 + 1.5, 2)}}, "权证变更后面积更正"


def sample_events(n: int, seed: int = 1) -> list[AssetHandedOver]:
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    out = []
    for i in range(n):
        category, kind, size = ASSETS[i % len(ASSETS)]
        unit = TRANSFERORS[rng.randrange(len(TRANSFERORS))]
        road = rng.choice(ROADS)
        area = round(size * rng.uniform(0.8, 1.2), 2)
        per_m2 = {"商铺": 26_000, "宾馆酒店": 9_000, "土地": 3_200, "闲置房屋": 7_500}[category]
        batch = ["第一批", "第二批", "第三批"][i % 3]
        year = {"第一批": 2019, "第二批": 2020, "第三批": 2021}[batch]
        out.append(AssetHandedOver(
            holder_name=RECEIVER, holder_code=RECEIVER_USCC, transferor=unit,
            asset_category=category, asset_name=f"{unit.removeprefix('西藏自治区')}{road}{kind}",
            location=f"西藏自治区拉萨市城关区{road}{rng.randrange(1, 80)}号", area_m2=area,
            injection_value_yuan=int(area * per_m2 * rng.uniform(0.9, 1.1)),
            assessment_report_no=f"藏评报字（{year}）第{rng.randrange(10, 300):03d}号",
            approval_no=f"藏政函〔{year}〕{rng.randrange(20, 400)}号", batch=batch,
            handed_over_on=dt.date(year, 6, 1) + dt.timedelta(days=rng.randrange(50)),
            case_no=f"GZYJ-{seed}-{i:05d}"))
    return out
