"""农牧民职业技能培训证书 — farmer/herder vocational training certificate (人社厅)."""

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

DEPT = "hrss"
TYPE_CODE = dept(DEPT) + "001"
DEFINITION: dict[str, Any] = {
    "type_code": TYPE_CODE,
    "name": "农牧民职业技能培训合格证书",
    "defining_dept": dept(DEPT),
    "holder_kind": "111",
    "fields": {
        "type": "object", "additionalProperties": False,
        "required": ["trade", "level", "training_body", "hours", "completed_on", "residence"],
        "properties": {
            "trade": {"type": "string", "title": "培训工种"},
            "level": {"type": "string", "title": "技能等级",
                      "enum": ["初级工", "中级工", "高级工", "专项能力"]},
            "training_body": {"type": "string", "title": "培训机构"},
            "hours": {"type": "integer", "title": "培训学时", "minimum": 8, "maximum": 2000},
            "completed_on": {"type": "string", "format": "date", "title": "结业日期"},
            "residence": {"type": "string", "title": "户籍所在地"},
        },
    },
    "personal": ["residence"],
    "validity": None,
    "face": face("农牧民职业技能培训合格证书",
                 [("姓名", "holder_name"), ("公民身份号码", "holder_code"),
                  ("培训工种", "trade"), ("技能等级", "level"), ("培训机构", "training_body"),
                  ("培训学时", "hours"), ("结业日期", "completed_on")],
                 "本证书全区通用，可在西藏自治区电子证照平台核验。"),
    "seal": "西藏自治区人力资源和社会保障厅职业技能鉴定专用章",
    "grants": [{"dept": dept("agriculture"), "purposes": ["农牧民转移就业补贴审核"],
                "personal": True}],
    "annotated_copy_cap": 10,
    "reminder_days": [],
}


@dataclass(frozen=True)
class TrainingCompleted:
    holder_name: str
    holder_code: str
    trade: str
    level: str
    training_body: str
    hours: int
    completed_on: dt.date
    residence: str
    case_no: str | None = None


def to_request(e: TrainingCompleted) -> tuple[dict[str, Any], str | None]:
    return request_of(e)


def issue(service: IssuanceService, uow: UnitOfWork, actor: Actor, e: TrainingCompleted,
          now: dt.datetime) -> IssuedCertificate:
    data, sk = to_request(e)
    return service.issue(uow, actor, TYPE_CODE, data, now, source_key=sk)


def sample_events(n: int, seed: int = 3) -> list[TrainingCompleted]:
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    out = []
    for i in range(n):
        name, code = person(rng)
        out.append(TrainingCompleted(
            holder_name=name, holder_code=code,
            trade=rng.choice(["藏式家具制作", "民族手工艺", "驾驶员", "中式烹调", "电工",
                              "挖掘机操作"]),
            level=rng.choice(["初级工", "中级工", "专项能力"]),
            training_body=rng.choice(["拉萨市职业技能培训中心", "日喀则市技工学校"]),
            hours=rng.choice([40, 80, 120, 160]),
            completed_on=dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(300)),
            residence=rng.choice(COUNTIES), case_no=f"NMPX-{seed}-{i:05d}"))
    return out
