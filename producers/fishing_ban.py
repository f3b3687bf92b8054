"""长江源头牧民生态搬迁确认书 — ecological relocation of herders at the Yangtze source.

西藏自治区人民政府办公厅关于加强长江水生生物保护工作的实施意见: 长江源头和金沙江西藏河段划入
禁渔区，禁渔时间不得少于10年 (rule `years_at_least`); 科学确定长江源头格拉丹东高海拔3个乡(镇)
和金沙江西藏河段“三岩”片区农牧民实行生态搬迁的区域，精准识别搬迁对象. This certificate
confirms one relocated herder household. The text has no fishermen's compensation, licences,
boats or nets, and the places are the region's own (no Qinghai place names, a rule too).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from producers._common import dept, face, person, request_of

DEPT = "agriculture"
TYPE_CODE = dept(DEPT) + "001"
ORIGINS = {  # 片区 -> townships (那曲市安多县 under 格拉丹东, 昌都市贡觉县 in 三岩)
    "长江源头格拉丹东高海拔地区": ["那曲市安多县扎曲乡", "那曲市安多县玛曲乡", "那曲市安多县色务乡"],
    "金沙江西藏河段“三岩”片区": ["昌都市贡觉县雄松乡", "昌都市贡觉县克日乡", "昌都市贡觉县罗麦乡",
                           "昌都市贡觉县沙东乡", "昌都市贡觉县木协乡"],
}
DESTINATIONS = ["拉萨市堆龙德庆区", "拉萨市曲水县", "山南市贡嘎县", "林芝市巴宜区"]
QINGHAI = ["青海", "玉树", "果洛", "格尔木", "治多", "曲麻莱", "杂多", "称多", "唐古拉山镇"]
DEFINITION: dict[str, Any] = {
    "type_code": TYPE_CODE,
    "name": "长江源头牧民生态搬迁确认书",
    "defining_dept": dept(DEPT),
    "holder_kind": "111",
    "fields": {
        "type": "object", "additionalProperties": False,
        "required": ["zone", "origin_township", "destination", "household_size",
                     "relocated_on", "ban_from", "ban_until"],
        "properties": {
            "zone": {"type": "string", "title": "搬迁区域", "enum": list(ORIGINS)},
            "origin_township": {"type": "string", "title": "迁出乡（镇）",
                                "enum": [t for ts in ORIGINS.values() for t in ts]},
            "destination": {"type": "string", "title": "安置地", "enum": DESTINATIONS},
            "household_size": {"type": "integer", "title": "搬迁户人口（人）", "minimum": 1,
                               "maximum": 20},
            "relocated_on": {"type": "string", "format": "date", "title": "搬迁日期"},
            "ban_from": {"type": "string", "format": "date", "title": "禁渔期起"},
            "ban_until": {"type": "string", "format": "date", "title": "禁渔期止"},
            "grazing_ban": {"type": "boolean", "title": "原住地实行禁牧"},
        },
    },
    "rules": [
        {"id": "ban-ten-years", "kind": "years_at_least", "from": "ban_from", "to": "ban_until",
         "min": 10, "message": "禁渔时间不得少于10年 / the fishing ban lasts at least 10 years"},
        {"id": "zone-township", "kind": "contains_by", "field": "origin_township", "by": "zone",
         "map": {"长江源头格拉丹东高海拔地区": ["安多县"], "金沙江西藏河段“三岩”片区": ["贡觉县"]}},
        {"id": "no-qinghai", "kind": "forbid_words", "fields": "*", "words": QINGHAI,
         "holder": True, "message": "长江源头西藏境内的确认书不得出现青海省地名 / no Qinghai "
                                    "place names"},
    ],
    "personal": [],
    "validity": None,
    "face": face("长江源头牧民生态搬迁确认书",
                 [("搬迁户户主", "holder_name"), ("搬迁区域", "zone"),
                  ("迁出乡（镇）", "origin_township"), ("安置地", "destination"),
                  ("搬迁户人口（人）", "household_size"), ("搬迁日期", "relocated_on"),
                  ("禁渔期起", "ban_from"), ("禁渔期止", "ban_until")],
                 "长江源头和金沙江西藏河段划入禁渔区，禁渔时间不少于10年。"),
    "seal": "西藏自治区农业农村厅电子印章",
    "grants": [{"dept": dept("finance"), "purposes": ["生态搬迁补助资金拨付"],
                "personal": True},
               {"dept": dept("hrss"), "purposes": ["搬迁群众转移就业帮扶"], "personal": False}],
    "annotated_copy_cap": 5,
    "reminder_days": [],
}
BAN_FROM = dt.date(2020, 1, 1)
BAN_UNTIL = dt.date(2029, 12, 31)


@dataclass(frozen=True)
class HouseholdRelocated:
    holder_name: str
    holder_code: str
    zone: str
    origin_township: str
    destination: str
    household_size: int
    relocated_on: dt.date
    ban_from: dt.date = BAN_FROM
    ban_until: dt.date = BAN_UNTIL
    grazing_ban: bool = True
    case_no: str | None = None


def to_request(e: HouseholdRelocated) -> tuple[dict[str, Any], str | None]:
    return request_of(e)


def change_of(e: HouseholdRelocated) -> tuple[dict[str, Any], str]:
    return {"fields": {"household_size": e.household_size + 1}}, "新增家庭成员，户籍人口更正"


def sample_events(n: int, seed: int = 6) -> list[HouseholdRelocated]:
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    out = []
    zones = list(ORIGINS)
    for i in range(n):
        zone = zones[i % 2]
        township = rng.choice(ORIGINS[zone])
        area = "540624" if "安多县" in township else "540322"  # 安多县, 贡觉县
        name, code = person(rng, dt.date(1960, 1, 1), dt.date(1995, 1, 1), (area,))
        out.append(HouseholdRelocated(
            holder_name=name, holder_code=code, zone=zone,
            origin_township=township, destination=rng.choice(DESTINATIONS),
            household_size=rng.randrange(2, 9),
            relocated_on=dt.date(2025, 5, 1) + dt.timedelta(days=rng.randrange(300)),
            case_no=f"STBQ-{seed}-{i:05d}"))
    return out
