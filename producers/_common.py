"""Demo departments (invented, well-formed USCCs) and helpers shared by the producers."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from formats.idnumber import make_citizen_id
from formats.uscc import make_uscc
from producers.tibetan import label_bo, title_bo


def gov_uscc(n: int) -> str:
    """An invented USCC of a Tibet Autonomous Region organ (1 机构编制, 1 机关, 540000)."""
    return make_uscc(f"11540000MB{n:07d}")


def local_gov_uscc(area: str, n: int) -> str:
    """An invented USCC of a prefecture or county organ (area: the 6-digit GB/T 2260 code)."""
    return make_uscc(f"11{area}MB{n:07d}")


def org_uscc(n: int) -> str:
    """An invented USCC of an enterprise registered in Lhasa (9 工商, 1 企业, 540100)."""
    return make_uscc(f"91540100MA{n:07d}")


DEPARTMENTS: dict[str, tuple[str, str]] = {
    "sasac": (gov_uscc(101), "西藏自治区人民政府国有资产监督管理委员会"),
    "commerce": (gov_uscc(102), "西藏自治区商务厅"),
    "hrss": (gov_uscc(103), "西藏自治区人力资源和社会保障厅"),
    "culture": (gov_uscc(104), "西藏自治区文化厅"),
    "education": (gov_uscc(105), "西藏自治区教育厅"),
    "housing": (gov_uscc(106), "西藏自治区住房和城乡建设厅"),
    "agriculture": (gov_uscc(107), "西藏自治区农业农村厅"),
    "healthsecurity": (gov_uscc(108), "西藏自治区医疗保障局"),
    "market": (gov_uscc(109), "西藏自治区市场监督管理局"),
    "finance": (gov_uscc(110), "西藏自治区财政厅"),
    "auditoffice": (gov_uscc(111), "西藏自治区审计厅"),
    # 县(区)艺术团 contracts are filed with the prefecture (地市) culture department
    "culture_shigatse": (local_gov_uscc("540200", 201), "日喀则市文化局"),
    # 小区配套幼儿园移交验收: the local education and housing departments sign jointly
    "education_chengguan": (local_gov_uscc("540102", 301), "拉萨市城关区教育局"),
    "housing_chengguan": (local_gov_uscc("540102", 302), "拉萨市城关区住房和城乡建设局"),
}


def dept(key: str) -> str:
    return DEPARTMENTS[key][0]


SURNAMES = "扎西次仁卓玛格桑拉巴央金白玛索朗旺堆达瓦"
GIVEN = ["扎西", "次仁", "卓玛", "格桑", "拉巴", "央金", "白玛", "索朗", "旺堆", "达瓦", "德吉",
         "平措", "洛桑", "尼玛", "普布"]
HAN = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄强"]
COUNTIES = ["拉萨市城关区", "日喀则市桑珠孜区", "昌都市卡若区", "林芝市巴宜区", "山南市乃东区",
            "那曲市色尼区", "阿里地区噶尔县"]
TOWNSHIPS = ["拉萨市林周县甘丹曲果镇", "拉萨市达孜区德庆镇", "拉萨市墨竹工卡县甲玛乡",
             "日喀则市拉孜县曲下镇", "日喀则市江孜县江孜镇", "日喀则市定日县协格尔镇",
             "山南市扎囊县扎塘镇", "山南市琼结县琼结镇", "林芝市工布江达县工布江达镇",
             "昌都市江达县江达镇", "那曲市聂荣县聂荣镇", "阿里地区普兰县普兰镇"]
"""Townships (乡镇) of the Tibet Autonomous Region, with their prefecture and county."""


AREA_CODES = ("540102", "540103", "540104", "540121", "540122", "540123", "540124", "540127",
              "540202", "540221", "540222", "540223", "540224", "540225", "540226",
              "540302", "540321", "540322", "540402", "540502", "540602", "540623", "540624")
"""GB/T 2260 codes of counties and districts of Lhasa, Shigatse, Chamdo, Nyingchi, Lhoka and
Nagqu (the first six digits of an ID number issued there)."""


def person(rng: random.Random, born_from: dt.date = dt.date(1960, 1, 1),
           born_to: dt.date = dt.date(2005, 1, 1),
           areas: tuple[str, ...] = AREA_CODES) -> tuple[str, str]:
    """(name, citizen ID number) with a valid GB 11643 check character."""
    name = rng.choice(GIVEN) + rng.choice(GIVEN) if rng.random() < 0.7 else rng.choice(HAN)
    birth = born_from + dt.timedelta(days=rng.randrange(0, (born_to - born_from).days))
    area = rng.choice(areas)
    code = make_citizen_id(f"{area}{birth:%Y%m%d}{rng.randrange(0, 999):03d}")
    return name, code


def company(rng: random.Random) -> tuple[str, str]:
    stem = rng.choice(["雪域", "圣地", "高原", "珠峰", "雅江", "羌塘", "纳木错", "布达拉"])
    kind = rng.choice(["商贸有限公司", "电子商务有限公司", "物业管理有限公司", "实业有限公司"])
    return stem + kind, org_uscc(rng.randrange(1, 9_999_999))


def face(title: str, rows: list[tuple[str, str]], footer: str | None = None) -> dict[str, Any]:
    """A face template with the Tibetan title and labels (producers/tibetan.py, drafts)
    printed under the Chinese ones."""
    out: dict[str, Any] = {"title": title, "title_bo": title_bo(title),
                           "rows": [{"label": lbl, "field": f, "label_bo": label_bo(lbl)}
                                    for lbl, f in rows]}
    if footer:
        out["footer"] = footer
    return out


def date_str(d: dt.date) -> str:
    return d.isoformat()


def event_fields(event: Any, exclude: tuple[str, ...]) -> dict[str, Any]:
    """Dataclass event -> certificate fields (dates as ISO strings, None dropped)."""
    from dataclasses import fields as dc_fields

    out: dict[str, Any] = {}
    for f in dc_fields(event):
        if f.name in exclude:
            continue
        v = getattr(event, f.name)
        if v is None:
            continue
        out[f.name] = v.isoformat() if isinstance(v, dt.date) else v
    return out


HOLDER_KEYS = ("holder_name", "holder_code", "case_no", "valid_to")


def request_of(event: Any) -> tuple[dict[str, Any], str | None]:
    """Events name their holder `holder_name`/`holder_code` and their source key `case_no`."""
    data: dict[str, Any] = {"holder": {"name": event.holder_name, "code": event.holder_code},
                            "fields": event_fields(event, HOLDER_KEYS)}
    if getattr(event, "valid_to", None) is not None:
        data["valid_to"] = event.valid_to.isoformat()
    return data, getattr(event, "case_no", None)
