"""长江源禁捕退捕补偿确认 — fishing-ban compensation / relocation confirmation for the Yangtze
source protection area (农业农村厅)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from audit_log.actor import Actor
from certificate_store.db import UnitOfWork
from issuer.issuance import IssuanceService
from issuer.views import IssuedCertificate
from producers._common import dept, face, person, request_of

DEPT = "agriculture"
TYPE_CODE = dept(DEPT) + "001"
DEFINITION: dict[str, Any] = {
    "type_code": TYPE_CODE,
    "name": "长江源禁捕退捕补偿确认书",
    "defining_dept": dept(DEPT),
    "holder_kind": "111",
    "fields": {
        "type": "object", "additionalProperties": False,
        "required": ["county", "fishing_licence_no", "boats_surrendered", "nets_surrendered",
                     "compensation_yuan", "resettlement"],
        "properties": {
            "county": {"type": "string", "title": "所在县（乡）"},
            "fishing_licence_no": {"type": "string", "title": "原捕捞许可证号"},
            "boats_surrendered": {"type": "integer", "title": "交回渔船（艘）", "minimum": 0},
            "nets_surrendered": {"type": "integer", "title": "交回网具（套）", "minimum": 0},
            "compensation_yuan": {"type": "integer", "title": "补偿金额（元）", "minimum": 0},
            "resettlement": {"type": "string", "title": "安置方式",
                             "enum": ["转产就业", "生态管护岗位", "社会保障兜底", "自主创业"]},
            "bank_account": {"type": "string", "title": "补偿发放账户"},
        },
    },
    "personal": ["bank_account"],
    "validity": None,
    "face": face("长江源禁捕退捕补偿确认书",
                 [("退捕渔民", "holder_name"), ("所在县（乡）", "county"),
                  ("原捕捞许可证号", "fishing_licence_no"), ("交回渔船（艘）", "boats_surrendered"),
                  ("补偿金额（元）", "compensation_yuan"), ("安置方式", "resettlement")],
                 "长江源区域全面禁捕，退捕渔民补偿以本确认书为准。"),
    "seal": "西藏自治区农业农村厅电子印章",
    "grants": [{"dept": dept("finance"), "purposes": ["补偿资金拨付"], "personal": True},
               {"dept": dept("hrss"), "purposes": ["转产就业帮扶"], "personal": False}],
    "annotated_copy_cap": 5,
    "reminder_days": [],
}


@dataclass(frozen=True)
class FishingRightsSurrendered:
    holder_name: str
    holder_code: str
    county: str
    fishing_licence_no: str
    boats_surrendered: int
    nets_surrendered: int
    compensation_yuan: int
    resettlement: str
    bank_account: str | None = None
    case_no: str | None = None


def to_request(e: FishingRightsSurrendered) -> tuple[dict[str, Any], str | None]:
    return request_of(e)


def issue(service: IssuanceService, uow: UnitOfWork, actor: Actor, e: FishingRightsSurrendered,
          now: dt.datetime) -> IssuedCertificate:
    data, sk = to_request(e)
    return service.issue(uow, actor, TYPE_CODE, data, now, source_key=sk)


def sample_events(n: int, seed: int = 6) -> list[FishingRightsSurrendered]:
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    out = []
    for i in range(n):
        name, code = person(rng)
        boats = rng.randrange(0, 3)
        out.append(FishingRightsSurrendered(
            holder_name=name, holder_code=code,
            county=rng.choice(["那曲市安多县", "那曲市双湖县", "玉树州治多县索加乡"]),
            fishing_licence_no=f"藏那渔捕(2019){rng.randrange(1, 999):03d}号",
            boats_surrendered=boats, nets_surrendered=rng.randrange(1, 12),
            compensation_yuan=20_000 + boats * 35_000 + rng.randrange(0, 10_000),
            resettlement=rng.choice(["转产就业", "生态管护岗位", "社会保障兜底"]),
            bank_account=f"62170{rng.randrange(10**13, 10**14)}", case_no=f"JBTB-{seed}-{i:05d}"))
    return out
