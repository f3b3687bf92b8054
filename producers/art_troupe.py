"""县(区)艺术团演职人员劳动合同备案证明 — filing of a county art troupe contract.

西藏自治区人民政府办公厅关于加强县(区)艺术团建设管理的意见: the county (区) culture department
signs the labour contract with the performer and files it with the prefecture (地市) culture
department, which issues this filing certificate. Recruitment age 15-22 (录用条件) and the
exit ages "一般" 35 for dancers and 55 for other performers and staff (到龄退出) are rules;
the exit age may be passed only with a stated reason, which the audit entry keeps.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from producers._common import dept, face, person, request_of

DEPT = "culture_shigatse"
TYPE_CODE = dept(DEPT) + "001"
POSTS = ["舞蹈演员", "歌唱演员", "器乐演奏员", "曲艺演员（折嘎）", "舞台技术人员", "创作人员"]
COUNTIES = ["定日县", "拉孜县", "江孜县", "萨迦县", "昂仁县", "南木林县"]
_REASON = "exit_age_reason"
DEFINITION: dict[str, Any] = {
    "type_code": TYPE_CODE,
    "name": "县（区）艺术团演职人员劳动合同备案证明",
    "defining_dept": dept(DEPT),
    "holder_kind": "111",
    "fields": {
        "type": "object", "additionalProperties": False,
        "required": ["troupe", "contracting_dept", "post", "recruited_on", "contract_start",
                     "contract_end", "filing_no"],
        "properties": {
            "troupe": {"type": "string", "title": "艺术团名称", "pattern": "^.{2,12}县艺术团$"},
            "contracting_dept": {"type": "string", "title": "签订合同的县（区）文化主管部门",
                                 "pattern": "^.{2,12}[县区]文化局$"},
            "post": {"type": "string", "title": "岗位", "enum": POSTS},
            "recruited_on": {"type": "string", "format": "date", "title": "录用日期"},
            "contract_start": {"type": "string", "format": "date", "title": "合同期起"},
            "contract_end": {"type": "string", "format": "date", "title": "合同期止"},
            "filing_no": {"type": "string", "title": "备案编号", "maxLength": 30},
            _REASON: {"type": "string", "title": "超过到龄退出年龄的理由", "maxLength": 200},
        },
    },
    "rules": [
        {"id": "recruit-age", "kind": "age_between", "at": "recruited_on", "min": 15, "max": 22,
         "field": "recruited_on",
         "message": "录用时年龄应在15-22岁之间 / recruitment age must be 15-22"},
        {"id": "exit-age-dancer", "kind": "age_between", "at": "contract_end", "max": 35,
         "field": "contract_end", "when": {"field": "post", "in": ["舞蹈演员"]},
         "override": _REASON,
         "message": "舞蹈演员在职一般不超过35岁 / dancers serve up to age 35"},
        {"id": "exit-age-other", "kind": "age_between", "at": "contract_end", "max": 55,
         "field": "contract_end", "when": {"field": "post", "in": POSTS[1:]},
         "override": _REASON,
         "message": "其他演职人员在职一般不超过55岁 / other staff serve up to age 55"},
        {"id": "contract-order", "kind": "not_before", "field": "contract_end",
         "other": "contract_start"},
        {"id": "recruited-first", "kind": "not_before", "field": "contract_start",
         "other": "recruited_on"},
    ],
    "personal": [],
    "validity": {"years": 3},
    "face": face("县（区）艺术团演职人员劳动合同备案证明",
                 [("姓名", "holder_name"), ("艺术团", "troupe"),
                  ("签订合同单位", "contracting_dept"), ("岗位", "post"),
                  ("合同期起", "contract_start"), ("合同期止", "contract_end"),
                  ("备案编号", "filing_no")],
                 "劳动合同已报日喀则市文化局备案。"),
    "seal": "日喀则市文化局电子印章",
    "grants": [{"dept": dept("hrss"), "purposes": ["社会保险登记"], "personal": True}],
    "annotated_copy_cap": 3,
    "reminder_days": [30],
}


@dataclass(frozen=True)
class ContractFiled:
    holder_name: str
    holder_code: str
    troupe: str
    contracting_dept: str
    post: str
    recruited_on: dt.date
    contract_start: dt.date
    contract_end: dt.date
    filing_no: str
    exit_age_reason: str | None = None
    case_no: str | None = None
    valid_to: dt.date | None = None


def to_request(e: ContractFiled) -> tuple[dict[str, Any], str | None]:
    return request_of(e)


def change_of(e: ContractFiled) -> tuple[dict[str, Any], str]:
    return {"fields": {"filing_no": e.filing_no + "-1"}}, "备案编号更正"


def _years_before(d: dt.date, years: int, extra_days: int) -> tuple[dt.date, dt.date]:
    end = d.replace(year=d.year - years) - dt.timedelta(days=extra_days)
    return end - dt.timedelta(days=300), end


def sample_events(n: int, seed: int = 4) -> list[ContractFiled]:
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    out = []
    for i in range(n):
        county = COUNTIES[i % len(COUNTIES)]
        post = POSTS[i % len(POSTS)]
        recruited = dt.date(2024, 3, 1) + dt.timedelta(days=rng.randrange(600))
        born_from, born_to = _years_before(recruited, rng.randrange(16, 22), 10)
        reason = None
        if i == 5:  # a dancer kept past 35, with the stated reason the rule asks for
            post, recruited = "舞蹈演员", dt.date(2010, 7, 1)
            born_from, born_to = dt.date(1990, 1, 1), dt.date(1990, 6, 1)
            reason = "承担县艺术团舞蹈编排传帮带任务，经县文化局研究延聘一个合同期"
        name, code = person(rng, born_from, born_to, ("540221", "540222", "540223", "540224",
                                                      "540225", "540226"))
        start = max(recruited, dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(60)))
        end = start.replace(year=start.year + 3) - dt.timedelta(days=1)
        out.append(ContractFiled(
            holder_name=name, holder_code=code, troupe=f"{county}艺术团",
            contracting_dept=f"{county}文化局", post=post, recruited_on=recruited,
            contract_start=start, contract_end=end, filing_no=f"RKZWHBA2026{i:04d}",
            exit_age_reason=reason, case_no=f"YST-{seed}-{i:05d}", valid_to=end))
    return out
