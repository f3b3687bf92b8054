"""农牧民职业技能培训合格证书 — farmer/herder vocational training (人社厅).

西藏自治区2019—2020年农牧民培训和转移就业行动方案 (藏政办发〔2019〕): 实操课时不低于总课时的
70% (rule `share_at_least`); training ends in an assessment (考核) and, under "订单定向式"
training and the job-matching lists, a job referral (就业推荐). Residences are townships of
the region.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from producers._common import TOWNSHIPS, dept, face, person, request_of

DEPT = "hrss"
TYPE_CODE = dept(DEPT) + "001"
ASSESSMENTS = ["合格", "良好", "优秀"]
REFERRALS = ["已推荐就业（订单定向）", "已推荐就业（劳务输出）", "已推荐就业（项目建设用工）",
             "自主创业", "暂未推荐"]
DEFINITION: dict[str, Any] = {
    "type_code": TYPE_CODE,
    "name": "农牧民职业技能培训合格证书",
    "defining_dept": dept(DEPT),
    "holder_kind": "111",
    "fields": {
        "type": "object", "additionalProperties": False,
        "required": ["trade", "level", "training_body", "hours", "practical_hours",
                     "completed_on", "assessment", "job_referral", "residence"],
        "properties": {
            "trade": {"type": "string", "title": "培训工种", "maxLength": 40},
            "level": {"type": "string", "title": "技能等级",
                      "enum": ["初级工", "中级工", "高级工", "专项能力"]},
            "training_body": {"type": "string", "title": "培训机构", "maxLength": 60},
            "hours": {"type": "integer", "title": "总课时", "minimum": 8, "maximum": 2000},
            "practical_hours": {"type": "integer", "title": "实操课时", "minimum": 0,
                                "maximum": 2000},
            "completed_on": {"type": "string", "format": "date", "title": "结业日期"},
            "assessment": {"type": "string", "title": "考核结果", "enum": ASSESSMENTS},
            "job_referral": {"type": "string", "title": "就业推荐", "enum": REFERRALS},
            "employer": {"type": "string", "title": "推荐就业单位", "maxLength": 60},
            "residence": {"type": "string", "title": "户籍所在地", "pattern": "^西藏自治区"},
        },
    },
    "rules": [
        {"id": "practical-share", "kind": "share_at_least", "part": "practical_hours",
         "whole": "hours", "min_percent": 70,
         "message": "实操课时不低于总课时的70%（藏政办发〔2019〕，行动方案二、2） / practical "
                    "hours must be at least 70% of all hours"},
        {"id": "referral-employer", "kind": "required_when", "field": "employer",
         "when": {"field": "job_referral", "in": REFERRALS[:3]},
         "message": "已推荐就业的须写明推荐就业单位 / name the employer of a referral"},
    ],
    "personal": ["residence"],
    "validity": None,
    "face": face("农牧民职业技能培训合格证书",
                 [("姓名", "holder_name"), ("公民身份号码", "holder_code"),
                  ("培训工种", "trade"), ("技能等级", "level"), ("培训机构", "training_body"),
                  ("总课时", "hours"), ("实操课时", "practical_hours"),
                  ("考核结果", "assessment"), ("就业推荐", "job_referral"),
                  ("结业日期", "completed_on")],
                 "本证书全区通用，可在西藏自治区电子证照平台核验。"),
    "seal": "西藏自治区人力资源和社会保障厅职业技能鉴定专用章",
    "grants": [{"dept": dept("agriculture"), "purposes": ["农牧民转移就业补贴审核"],
                "personal": True}],
    "annotated_copy_cap": 10,
    "reminder_days": [],
}

TRADES = [("牦牛养殖", "那曲市农牧民培训中心"), ("藏式建筑彩绘", "拉萨市职业技术学校"),
          ("中式烹调", "日喀则市职业技术学校"), ("民族手工艺（藏毯编织）", "山南市职业技术学校"),
          ("电工", "林芝市职业技术学校"), ("挖掘机操作", "昌都市职业技术学校"),
          ("家政服务", "拉萨市农牧民培训中心")]
EMPLOYERS = ["西藏天路股份有限公司", "西藏高争建材股份有限公司", "西藏城投物业服务有限公司",
             "拉萨净土健康产业投资开发有限公司"]


@dataclass(frozen=True)
class TrainingCompleted:
    holder_name: str
    holder_code: str
    trade: str
    level: str
    training_body: str
    hours: int
    practical_hours: int
    completed_on: dt.date
    assessment: str
    job_referral: str
    residence: str
    employer: str | None = None
    case_no: str | None = None


def to_request(e: TrainingCompleted) -> tuple[dict[str, Any], str | None]:
    return request_of(e)


def change_of(e: TrainingCompleted) -> tuple[dict[str, Any], str]:
    return {"fields": {"assessment": "良好" if e.assessment != "良好" else "优秀"}}, \
        "补考后考核结果更正"


def sample_events(n: int, seed: int = 3) -> list[TrainingCompleted]:
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    out = []
    for i in range(n):
        name, code = person(rng, dt.date(1975, 1, 1), dt.date(2003, 1, 1))
        trade, body = rng.choice(TRADES)
        hours = rng.choice([64, 72, 80, 88])
        practical = min(64, -(-hours * 7 // 10) + rng.randrange(3))
        referral = REFERRALS[i % len(REFERRALS)]
        out.append(TrainingCompleted(
            holder_name=name, holder_code=code, trade=trade,
            level=rng.choice(["初级工", "中级工", "专项能力"]), training_body=body,
            hours=hours, practical_hours=practical,
            completed_on=dt.date(2026, 3, 1) + dt.timedelta(days=rng.randrange(200)),
            assessment=rng.choice(ASSESSMENTS), job_referral=referral,
            employer=rng.choice(EMPLOYERS) if referral in REFERRALS[:3] else None,
            residence="西藏自治区" + rng.choice(TOWNSHIPS), case_no=f"NMPX-{seed}-{i:05d}"))
    return out
