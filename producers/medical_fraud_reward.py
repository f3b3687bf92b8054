"""医保欺诈举报奖励通知 — medical-insurance fraud report reward notice (医疗保障局)."""

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

DEPT = "healthsecurity"
TYPE_CODE = dept(DEPT) + "001"
DEFINITION: dict[str, Any] = {
    "type_code": TYPE_CODE,
    "name": "欺诈骗取医疗保障基金行为举报奖励通知书",
    "defining_dept": dept(DEPT),
    "holder_kind": "111",
    "fields": {
        "type": "object", "additionalProperties": False,
        "required": ["report_no", "reported_on", "recovered_yuan", "reward_yuan",
                     "collect_by"],
        "properties": {
            "report_no": {"type": "string", "title": "举报编号"},
            "reported_on": {"type": "string", "format": "date", "title": "举报日期"},
            "recovered_yuan": {"type": "integer", "title": "查实追回金额（元）", "minimum": 0},
            "reward_yuan": {"type": "integer", "title": "奖励金额（元）", "minimum": 0,
                            "maximum": 200000},
            "collect_by": {"type": "string", "format": "date", "title": "领取截止日期"},
            "phone": {"type": "string", "title": "联系电话"},
        },
    },
    # The informant's identity is protected (举报人信息保密): everything personal is masked.
    "personal": ["phone", "report_no"],
    "validity": {"days": 90},
    "face": face("举报奖励通知书",
                 [("举报人", "holder_name"), ("举报编号", "report_no"),
                  ("奖励金额（元）", "reward_yuan"), ("领取截止日期", "collect_by")],
                 "请于领取截止日期前持本通知书及身份证件领取奖励。"),
    "seal": "西藏自治区医疗保障局电子印章",
    "grants": [{"dept": dept("finance"), "purposes": ["奖励资金支付"], "personal": True}],
    "annotated_copy_cap": 1,
    "reminder_days": [14, 3],
}


@dataclass(frozen=True)
class FraudReportRewarded:
    holder_name: str
    holder_code: str
    report_no: str
    reported_on: dt.date
    recovered_yuan: int
    reward_yuan: int
    collect_by: dt.date
    phone: str | None = None
    case_no: str | None = None


def reward_for(recovered_yuan: int) -> int:
    """A simple reading of the reward rule: 2% of the amount recovered, 200 to 200,000 yuan."""
    return max(200, min(200_000, recovered_yuan * 2 // 100))


def to_request(e: FraudReportRewarded) -> tuple[dict[str, Any], str | None]:
    return request_of(e)


def issue(service: IssuanceService, uow: UnitOfWork, actor: Actor, e: FraudReportRewarded,
          now: dt.datetime) -> IssuedCertificate:
    data, sk = to_request(e)
    return service.issue(uow, actor, TYPE_CODE, data, now, source_key=sk)


def sample_events(n: int, seed: int = 7) -> list[FraudReportRewarded]:
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    out = []
    for i in range(n):
        name, code = person(rng)
        recovered = rng.randrange(5_000, 3_000_000)
        out.append(FraudReportRewarded(
            holder_name=name, holder_code=code, report_no=f"YBJB2026{i:05d}",
            reported_on=dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(200)),
            recovered_yuan=recovered, reward_yuan=reward_for(recovered),
            collect_by=dt.date(2027, 2, 28), phone=f"139{rng.randrange(10**7, 10**8)}",
            case_no=f"YBJL-{seed}-{i:05d}"))
    return out
