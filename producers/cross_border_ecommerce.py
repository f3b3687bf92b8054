"""自治区级跨境电子商务试点企业认定书 — region-level cross-border e-commerce pilot (import).

西藏自治区人民政府办公厅转发商务厅关于扩大进口促进对外贸易平衡发展实施意见 (藏政办发〔2019〕10号)
(十一) 推进设立自治区级跨境电子商务试点企业 … 对符合监管条件的进口企业，加强政策扶持力度; (一)
the imports it supports: daily consumer goods, handicrafts, medicines, rehabilitation and
elderly-care equipment; (十二) the parks it relies on. The recognised enterprise imports
through a Tibetan port under Lhasa Customs (拉萨海关).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from producers._common import GIVEN, dept, face, org_uscc, request_of

DEPT = "commerce"
TYPE_CODE = dept(DEPT) + "001"
GOODS = ["日用消费品", "工艺品", "医药", "康复养老护理设备"]
MODES = ["9610跨境贸易电子商务（直购进口）", "1210保税跨境贸易电子商务（网购保税进口）"]
PORTS = ["吉隆口岸", "樟木口岸", "普兰口岸", "里孜口岸", "拉萨航空口岸"]
PARKS = ["拉萨经济技术开发区", "拉萨综合保税区", "吉隆边境经济合作区", "达孜工业园区"]
DEFINITION: dict[str, Any] = {
    "type_code": TYPE_CODE,
    "name": "自治区级跨境电子商务试点企业认定书",
    "defining_dept": dept(DEPT),
    "holder_kind": "001",
    "fields": {
        "type": "object", "additionalProperties": False,
        "required": ["recognition_no", "legal_representative", "import_mode", "import_goods",
                     "port", "park", "source_countries", "recognised_on"],
        "properties": {
            "recognition_no": {"type": "string", "title": "认定编号",
                               "pattern": "^藏商跨电试〔20[0-9]{2}〕[0-9]{1,3}号$"},
            "legal_representative": {"type": "string", "title": "法定代表人", "maxLength": 20},
            "import_mode": {"type": "string", "title": "进口业务模式", "enum": MODES},
            "import_goods": {"type": "string", "title": "主要进口商品", "enum": GOODS},
            "port": {"type": "string", "title": "进境口岸", "enum": PORTS},
            "park": {"type": "string", "title": "所在园区", "enum": PARKS},
            "source_countries": {"type": "string", "title": "主要进口来源国",
                                 "maxLength": 40},
            "recognised_on": {"type": "string", "format": "date", "title": "认定日期"},
        },
    },
    "rules": [
        {"id": "bonded-in-zone", "kind": "contains_by", "field": "park", "by": "import_mode",
         "map": {MODES[1]: ["综合保税区"]},
         "message": "网购保税进口须在综合保税区开展 / bonded import only in the bonded zone"},
    ],
    "personal": ["legal_representative"],
    "validity": {"years": 2},
    "face": face("自治区级跨境电子商务试点企业认定书",
                 [("企业名称", "holder_name"), ("统一社会信用代码", "holder_code"),
                  ("认定编号", "recognition_no"), ("进口业务模式", "import_mode"),
                  ("主要进口商品", "import_goods"), ("进境口岸", "port"), ("所在园区", "park"),
                  ("认定日期", "recognised_on")],
                 "认定有效期内享受自治区扩大进口扶持政策，期满须重新申请认定。"),
    "seal": "西藏自治区商务厅电子印章",
    "grants": [{"dept": dept("market"), "purposes": ["市场主体监管"], "personal": False}],
    "annotated_copy_cap": 5,
    "reminder_days": [60, 30],
}

ENTERPRISES = ["西藏雪域跨境电子商务有限公司", "西藏吉隆通商进口贸易有限公司",
               "拉萨圣地跨境电子商务有限公司", "西藏珠峰南亚进口贸易有限公司",
               "西藏羌塘跨境电子商务有限公司", "西藏雅江康养设备进口有限公司"]


@dataclass(frozen=True)
class PilotEnterpriseRecognised:
    holder_name: str
    holder_code: str
    recognition_no: str
    legal_representative: str
    import_mode: str
    import_goods: str
    port: str
    park: str
    source_countries: str
    recognised_on: dt.date
    case_no: str | None = None


def to_request(e: PilotEnterpriseRecognised) -> tuple[dict[str, Any], str | None]:
    return request_of(e)


def change_of(e: PilotEnterpriseRecognised) -> tuple[dict[str, Any], str]:
    return {"fields": {"legal_representative": "格桑平措"}}, "法定代表人变更"


def sample_events(n: int, seed: int = 2) -> list[PilotEnterpriseRecognised]:
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    out = []
    for i in range(n):
        mode = MODES[i % 2]
        park = "拉萨综合保税区" if mode == MODES[1] else rng.choice(
            [p for p in PARKS if p != "拉萨综合保税区"])
        name = ENTERPRISES[i % len(ENTERPRISES)]
        goods = "康复养老护理设备" if "康养" in name else rng.choice(GOODS[:3])
        out.append(PilotEnterpriseRecognised(
            holder_name=name, holder_code=org_uscc(7000 + i),
            recognition_no=f"藏商跨电试〔2026〕{i + 1}号",
            legal_representative=rng.choice(GIVEN) + rng.choice(GIVEN), import_mode=mode,
            import_goods=goods, port=rng.choice(PORTS), park=park,
            source_countries=rng.choice(["尼泊尔", "尼泊尔、印度", "巴基斯坦", "孟加拉国"]),
            recognised_on=dt.date(2026, 2, 1) + dt.timedelta(days=rng.randrange(200)),
            case_no=f"KJDS-{seed}-{i:05d}"))
    return out
