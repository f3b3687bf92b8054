"""县艺术团演职人员聘用备案 — county art troupe performer employment filing (文化厅)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from audit_log.actor import Actor
from certificate_store.db import UnitOfWork
from issuer.issuance import IssuanceService
from issuer.views import IssuedCertificate
from producers._common import COUNTIES, dept, face, person, request_of

DEPT = "culture"
TYPE_CODE = dept(DEPT) + "001"
DEFINITION: dict[str, Any] = {
    "type_code": TYPE_CODE,
    "name": "县艺术团演职人员聘用备案证明",
    "defining_dept": dept(DEPT),
    "holder_kind": "111",
    "fields": {
        "type": "object", "additionalProperties": False,
        "required": ["troupe", "post", "contract_start", "contract_end"],
        "properties": {
            "troupe": {"type": "string", "title": "艺术团名称"},
            "post": {"type": "string", "title": "聘用岗位",
                     "enum": ["演员", "演奏员", "舞美", "编导", "行政"]},
            "speciality": {"type": "string", "title": "专业特长"},
            "contract_start": {"type": "string", "format": "date", "title": "聘期起"},
            "contract_end": {"type": "string", "format": "date", "title": "聘期止"},
        },
    },
    "personal": [],
    "validity": {"years": 3},
    "face": face("县艺术团演职人员聘用备案证明",
                 [("姓名", "holder_name"), ("艺术团", "troupe"), ("岗位", "post"),
                  ("专业特长", "speciality"), ("聘期起", "contract_start"),
                  ("聘期止", "contract_end")]),
    "seal": "西藏自治区文化厅电子印章",
    "grants": [{"dept": dept("hrss"), "purposes": ["社会保险登记"], "personal": True}],
    "annotated_copy_cap": 3,
    "reminder_days": [30],
}


@dataclass(frozen=True)
class PerformerEmployed:
    holder_name: str
    holder_code: str
    troupe: str
    post: str
    contract_start: dt.date
    contract_end: dt.date
    speciality: str | None = None
    case_no: str | None = None
    valid_to: dt.date | None = None


def to_request(e: PerformerEmployed) -> tuple[dict[str, Any], str | None]:
    data, sk = request_of(e)
    data.setdefault("valid_to", e.contract_end.isoformat())  # the filing ends with the contract
    return data, sk


def issue(service: IssuanceService, uow: UnitOfWork, actor: Actor, e: PerformerEmployed,
          now: dt.datetime) -> IssuedCertificate:
    data, sk = to_request(e)
    return service.issue(uow, actor, TYPE_CODE, data, now, source_key=sk)


def sample_events(n: int, seed: int = 4) -> list[PerformerEmployed]:
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    out = []
    for i in range(n):
        name, code = person(rng)
        start = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(300))
        out.append(PerformerEmployed(
            holder_name=name, holder_code=code,
            troupe=rng.choice(COUNTIES).split("市")[-1].split("地区")[-1] + "艺术团",
            post=rng.choice(["演员", "演奏员", "舞美", "编导"]),
            speciality=rng.choice(["藏戏", "锅庄", "扎木聂弹唱", "热巴舞", None]),
            contract_start=start, contract_end=start + dt.timedelta(days=365 * 3 - 1),
            case_no=f"YSTB-{seed}-{i:05d}"))
    return out
