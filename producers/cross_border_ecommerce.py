"""跨境电商试点企业认定 — cross-border e-commerce pilot enterprise recognition (商务厅)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from audit_log.actor import Actor
from certificate_store.db import UnitOfWork
from issuer.issuance import IssuanceService
from issuer.views import IssuedCertificate
from producers._common import company, dept, face, request_of

DEPT = "commerce"
TYPE_CODE = dept(DEPT) + "001"
DEFINITION: dict[str, Any] = {
    "type_code": TYPE_CODE,
    "name": "跨境电子商务试点企业认定书",
    "defining_dept": dept(DEPT),
    "holder_kind": "001",
    "fields": {
        "type": "object", "additionalProperties": False,
        "required": ["legal_representative", "business_model", "pilot_zone", "main_products"],
        "properties": {
            "legal_representative": {"type": "string", "title": "法定代表人"},
            "business_model": {"type": "string", "title": "业务模式",
                               "enum": ["9610直购进出口", "9710跨境B2B直接出口",
                                        "9810跨境出口海外仓", "1210保税电商"]},
            "pilot_zone": {"type": "string", "title": "试点区域"},
            "main_products": {"type": "string", "title": "主营产品"},
            "annual_export_usd": {"type": "integer", "title": "上年度出口额（美元）", "minimum": 0},
        },
    },
    "personal": ["legal_representative"],
    "validity": {"years": 2},
    "face": face("跨境电子商务试点企业认定书", [("企业名称", "holder_name"),
                                          ("统一社会信用代码", "holder_code"),
                                          ("业务模式", "business_model"),
                                          ("试点区域", "pilot_zone"),
                                          ("主营产品", "main_products")],
                 "认定有效期内享受试点政策，期满须重新申请。"),
    "seal": "西藏自治区商务厅电子印章",
    "grants": [{"dept": dept("market"), "purposes": ["市场主体监管"], "personal": False}],
    "annotated_copy_cap": 5,
    "reminder_days": [60, 30],
}


@dataclass(frozen=True)
class PilotEnterpriseRecognised:
    holder_name: str
    holder_code: str
    legal_representative: str
    business_model: str
    pilot_zone: str
    main_products: str
    annual_export_usd: int | None = None
    case_no: str | None = None
    valid_to: dt.date | None = None


def to_request(e: PilotEnterpriseRecognised) -> tuple[dict[str, Any], str | None]:
    return request_of(e)


def issue(service: IssuanceService, uow: UnitOfWork, actor: Actor, e: PilotEnterpriseRecognised,
          now: dt.datetime) -> IssuedCertificate:
    data, sk = to_request(e)
    return service.issue(uow, actor, TYPE_CODE, data, now, source_key=sk)


def sample_events(n: int, seed: int = 2) -> list[PilotEnterpriseRecognised]:
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    out = []
    for i in range(n):
        name, code = company(rng)
        out.append(PilotEnterpriseRecognised(
            holder_name=name, holder_code=code,
            legal_representative=rng.choice(["扎西次仁", "王芳", "央金卓玛"]),
            business_model=rng.choice(DEFINITION["fields"]["properties"]["business_model"]["enum"]),
            pilot_zone=rng.choice(["拉萨综合保税区", "吉隆口岸", "樟木口岸"]),
            main_products=rng.choice(["藏毯", "牦牛绒制品", "藏香", "青稞制品", "唐卡"]),
            annual_export_usd=rng.randrange(10_000, 5_000_000), case_no=f"KJDS-{seed}-{i:05d}"))
    return out
