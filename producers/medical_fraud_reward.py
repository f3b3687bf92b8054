"""欺诈骗取医疗保障基金行为举报奖励通知书 — reward notice for reporting medical-insurance fraud.

西藏自治区欺诈骗取医疗保障基金行为举报奖励办法实施细则（试行）: 第十二条 levels 一级 4%—6%,
二级 2%—4%, 三级 1%—2% of the amount involved (涉案金额), at least 500/300/200 yuan, 200 yuan
when no amount is involved, at most 100,000 yuan per case, paid by non-cash means; 第十五条
the informant confirms within 15 working days of receiving the notice; 第三条 informants are
citizens, legal persons or other organisations; 第二十条 the informant's identity is kept
confidential (`confidential_holder`): never named on a public surface (QR, citizen page,
verification), masked in lookups unless the department's grant is `personal`.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from issuer.rules import reward_bounds
from issuer.workdays import add_working_days
from producers._common import company, dept, face, person, request_of

DEPT = "healthsecurity"
TYPE_CODE = dept(DEPT) + "001"
LEVELS = ["一级", "二级", "三级"]
PAYMENT = ["银行转账", "其他非现金方式"]
REWARD_RULE: dict[str, Any] = {
    "id": "reward-by-level", "kind": "percent_by_level", "field": "reward_yuan",
    "of": "amount_involved_yuan", "by": "level", "cap": 100_000, "no_amount": 200,
    "levels": {"一级": {"min_percent": 4, "max_percent": 6, "floor": 500},
               "二级": {"min_percent": 2, "max_percent": 4, "floor": 300},
               "三级": {"min_percent": 1, "max_percent": 2, "floor": 200}},
}
DEFINITION: dict[str, Any] = {
    "type_code": TYPE_CODE,
    "name": "欺诈骗取医疗保障基金行为举报奖励通知书",
    "defining_dept": dept(DEPT),
    "holder_kind": "111",
    "holder_kinds": ["111", "001"],
    "confidential_holder": True,
    "fields": {
        "type": "object", "additionalProperties": False,
        "required": ["report_no", "level", "amount_involved_yuan", "reward_yuan",
                     "notified_on", "confirm_by", "payment_method"],
        "properties": {
            "report_no": {"type": "string", "title": "举报编号", "maxLength": 30},
            "level": {"type": "string", "title": "奖励等级", "enum": LEVELS},
            "amount_involved_yuan": {"type": "integer", "title": "涉案金额（元）",
                                     "minimum": 0},
            "reward_yuan": {"type": "integer", "title": "奖励金额（元）", "minimum": 200,
                            "maximum": 100_000},
            "notified_on": {"type": "string", "format": "date", "title": "通知书发出日期"},
            "confirm_by": {"type": "string", "format": "date", "title": "确认手续截止日期"},
            "payment_method": {"type": "string", "title": "支付方式", "enum": PAYMENT},
            "contact": {"type": "string", "title": "举报人联系方式", "maxLength": 60},
        },
    },
    "rules": [
        REWARD_RULE,
        {"id": "confirm-15-working-days", "kind": "working_days_within", "field": "confirm_by",
         "from": "notified_on", "max": 15,
         "message": "应在收到通知书之日起15个工作日内办理确认手续（第十五条） / confirmation "
                    "within 15 working days"},
    ],
    # 举报人信息保密: the informant's details are personal, masked unless a grant allows.
    "personal": ["report_no", "contact"],
    "validity": {"days": 60},
    "face": face("欺诈骗取医疗保障基金行为举报奖励通知书",
                 [("奖励等级", "level"), ("涉案金额（元）", "amount_involved_yuan"),
                  ("奖励金额（元）", "reward_yuan"), ("通知书发出日期", "notified_on"),
                  ("确认手续截止日期", "confirm_by"), ("支付方式", "payment_method")],
                 "请于确认手续截止日期前通过邮件、微信或现场办理确认手续，提供银行账户等非现金收款"
                 "方式；奖励资金通过非现金渠道支付。举报人信息依法保密。"),
    "seal": "西藏自治区医疗保障局电子印章",
    # 第十九条: paid by finance (who must know whom); supervised by finance and audit (who need
    # not: the informant stays masked for them).
    "grants": [{"dept": dept("finance"), "purposes": ["奖励资金支付"], "personal": True},
               {"dept": dept("auditoffice"), "purposes": ["举报奖励资金监督检查"],
                "personal": False}],
    "annotated_copy_cap": 1,
    "reminder_days": [7, 3],
}


@dataclass(frozen=True)
class RewardNotified:
    holder_name: str
    holder_code: str
    report_no: str
    level: str
    amount_involved_yuan: int
    reward_yuan: int
    notified_on: dt.date
    confirm_by: dt.date
    payment_method: str
    contact: str | None = None
    case_no: str | None = None


def reward_for(level: str, amount_involved_yuan: int) -> int:
    """The lowest reward the rule allows (the department may give up to the highest)."""
    bounds = reward_bounds(REWARD_RULE, level, amount_involved_yuan)
    if bounds is None:
        raise ValueError(level)
    return bounds[0]


def to_request(e: RewardNotified) -> tuple[dict[str, Any], str | None]:
    return request_of(e)


def change_of(e: RewardNotified) -> tuple[dict[str, Any], str]:
    return {"fields": {"payment_method": PAYMENT[1 - PAYMENT.index(e.payment_method)]}}, \
        "举报人变更收款方式"


def sample_events(n: int, seed: int = 7) -> list[RewardNotified]:
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    out = []
    for i in range(n):
        if i % 3 == 2:  # 第三条: a legal person or other organisation may report
            name, code = company(rng)
        else:
            name, code = person(rng, dt.date(1965, 1, 1), dt.date(2000, 1, 1))
        level = LEVELS[i % 3]
        amount = rng.choice([0, 3_000, 18_600, 245_000, 1_380_000, 2_600_000])
        notified = dt.date(2026, 6, 1) + dt.timedelta(days=rng.randrange(120))
        out.append(RewardNotified(
            holder_name=name, holder_code=code, report_no=f"ZYBJB2026{i:05d}", level=level,
            amount_involved_yuan=amount, reward_yuan=reward_for(level, amount),
            notified_on=notified, confirm_by=add_working_days(notified, 15),
            payment_method=PAYMENT[i % 2], contact=f"139{rng.randrange(10**7, 10**8)}",
            case_no=f"YBJL-{seed}-{i:05d}"))
    return out
