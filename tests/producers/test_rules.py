"""Each producer's rules, as its policy text states them, accepted and refused through the
public API with the refused field named (issue 14)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from producers import (
    ALL,
    art_troupe,
    cross_border_ecommerce,
    fishing_ban,
    kindergarten_handover,
    medical_fraud_reward,
    state_asset_handover,
    vocational_training,
)
from tests.producers.helpers import issue, refused

# the producers' tokens belong to their department's placeholder operator (ecert operator)
OPERATOR_PLACEHOLDER = "未具名操作员"


@pytest.mark.parametrize("mod", ALL, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_every_sample_is_accepted(clients: dict[str, Any], mod: Any) -> None:
    for i in range(7):
        r = issue(clients, mod, i)
        assert r.status == "01" and r.version == 1


# -- 国有资产 ---------------------------------------------------------------------------------
def test_state_assets(clients: dict[str, Any]) -> None:
    m = state_asset_handover
    from producers._common import org_uscc

    assert refused(clients, m, holder={"name": "拉萨城投置业有限公司", "code": org_uscc(5)}) \
        == {"holder.name"}
    assert refused(clients, m, asset_name="西藏自治区某公司股权") >= {"asset_name"}
    assert refused(clients, m, asset_category="商铺", asset_name="教育厅江苏路公务车辆") \
        >= {"asset_name"}
    assert refused(clients, m, asset_category="土地", asset_name="教育厅北京中路临街商铺") \
        == {"asset_name"}
    assert refused(clients, m, transferor="拉萨市城关区财政局") == {"transferor"}
    assert refused(clients, m, asset_category="股权") == {"asset_category"}
    assert refused(clients, m, approval_no="拉政发〔2019〕3号") == {"approval_no"}
    assert "book_value_yuan" not in m.DEFINITION["fields"]["properties"]


# -- 跨境电商 ---------------------------------------------------------------------------------
def test_cross_border_import_pilot(clients: dict[str, Any]) -> None:
    m = cross_border_ecommerce
    assert refused(clients, m, import_mode="9710跨境B2B直接出口") == {"import_mode"}
    bonded = m.MODES[1]
    assert refused(clients, m, import_mode=bonded, park="拉萨经济技术开发区") == {"park"}
    assert issue(clients, m, 0, import_mode=bonded, park="拉萨综合保税区").status == "01"
    assert refused(clients, m, recognition_no="CBEC-1") == {"recognition_no"}


# -- 农牧民培训 -------------------------------------------------------------------------------
def test_training_practical_share_assessment_referral(clients: dict[str, Any]) -> None:
    m = vocational_training
    assert issue(clients, m, 0, hours=100, practical_hours=70).status == "01"
    assert refused(clients, m, hours=100, practical_hours=69) == {"practical_hours"}
    assert refused(clients, m, hours=60, practical_hours=61) == {"practical_hours"}
    assert refused(clients, m, assessment="不合格") == {"assessment"}
    assert refused(clients, m, job_referral="已推荐就业（订单定向）", employer=None) == {"employer"}
    assert refused(clients, m, residence="青海省玉树州治多县") == {"residence"}


# -- 县艺术团 ---------------------------------------------------------------------------------
def _born(age: int, at: dt.date) -> str:
    from formats.idnumber import make_citizen_id

    birth = at.replace(year=at.year - age) - dt.timedelta(days=30)
    return make_citizen_id(f"540102{birth:%Y%m%d}123")


def test_art_troupe_recruitment_age(clients: dict[str, Any]) -> None:
    m = art_troupe
    rec = dt.date(2025, 3, 1)
    base = {"post": "歌唱演员", "recruited_on": rec, "contract_start": dt.date(2026, 1, 1),
            "contract_end": dt.date(2028, 12, 31), "exit_age_reason": None}
    for age, ok in ((14, False), (15, True), (22, True), (23, False), (47, False)):
        holder = {"name": "次仁卓玛", "code": _born(age, rec)}
        if ok:
            assert issue(clients, m, 0, holder=holder, **base).status == "01"
        else:
            assert refused(clients, m, holder=holder, **base) == {"recruited_on"}


def test_art_troupe_exit_age_overridable_with_audited_reason(clients: dict[str, Any],
                                                             platform: Any) -> None:
    m = art_troupe
    rec = dt.date(2012, 3, 1)
    holder = {"name": "格桑拉姆", "code": _born(20, rec)}  # 34 at the start, 37 at the end
    base = {"post": "舞蹈演员", "recruited_on": rec, "contract_start": dt.date(2026, 1, 1),
            "contract_end": dt.date(2028, 12, 31), "exit_age_reason": None}
    assert refused(clients, m, holder=holder, **base) == {"contract_end"}
    assert refused(clients, m, holder=holder, **{**base, "exit_age_reason": "  "}) \
        == {"contract_end"}
    # the same person in another post is within 55
    assert issue(clients, m, 0, holder=holder, **{**base, "post": "创作人员"}).status == "01"
    reason = "承担舞蹈编排传帮带任务，经县文化局研究延聘"
    r = issue(clients, m, 0, holder=holder, **{**base, "exit_age_reason": reason})
    assert r.record["fields"]["exit_age_reason"] == reason
    with platform.store.transaction() as uow:
        page = platform.audit.list_entries(uow, action="certificate.issue", limit=1000)
    entry = next(e for e in page.entries if e.cert_identifier == r.identifier)
    overrides = json.loads(entry.details)["rule_overrides"]
    assert overrides == [{"rule": "exit-age-dancer", "field": "contract_end", "reason": reason}]
    assert entry.actor.startswith(OPERATOR_PLACEHOLDER)


# -- 幼儿园 -----------------------------------------------------------------------------------
def test_kindergarten_classes_and_nature(clients: dict[str, Any]) -> None:
    m = kindergarten_handover
    assert issue(clients, m, 0, class_count=5, places=100).status == "01"
    assert issue(clients, m, 0, class_count=12, places=420).status == "01"
    assert refused(clients, m, class_count=4) == {"class_count"}
    assert refused(clients, m, class_count=13) == {"class_count"}
    assert refused(clients, m, nature="营利性民办园") == {"nature"}
    assert refused(clients, m, co_signer="拉萨市城关区教育局") == {"co_signer"}


# -- 长江源 -----------------------------------------------------------------------------------
def test_yangtze_source_relocation(clients: dict[str, Any]) -> None:
    m = fishing_ban
    assert issue(clients, m, 0, ban_from=dt.date(2020, 1, 1),
                 ban_until=dt.date(2030, 1, 1)).status == "01"
    assert refused(clients, m, ban_until=dt.date(2029, 12, 30)) == {"ban_until"}
    assert refused(clients, m, zone=list(m.ORIGINS)[0], origin_township="昌都市贡觉县雄松乡") \
        == {"origin_township"}
    assert refused(clients, m, origin_township="玉树州治多县索加乡") == {"origin_township"}
    assert refused(clients, m, holder={"name": "玉树扎西", "code": _born(40, dt.date(2026, 1, 1))}
                   ) == {"holder.name"}
    props = m.DEFINITION["fields"]["properties"]
    assert not {"fishing_licence_no", "boats_surrendered", "nets_surrendered",
                "compensation_yuan"} & set(props)


# -- 医保举报奖励 -----------------------------------------------------------------------------
@pytest.mark.parametrize(("level", "amount", "lo", "hi"), [
    ("一级", 100_000, 4_000, 6_000), ("二级", 100_000, 2_000, 4_000),
    ("三级", 100_000, 1_000, 2_000), ("一级", 5_000, 500, 500), ("二级", 5_000, 300, 300),
    ("三级", 5_000, 200, 200), ("一级", 3_000_000, 100_000, 100_000), ("三级", 0, 200, 200)])
def test_reward_levels(clients: dict[str, Any], level: str, amount: int, lo: int,
                       hi: int) -> None:
    m = medical_fraud_reward
    for ok in {lo, hi}:
        assert issue(clients, m, 0, level=level, amount_involved_yuan=amount,
                     reward_yuan=ok).status == "01"
    assert refused(clients, m, level=level, amount_involved_yuan=amount,
                   reward_yuan=hi + 1) >= {"reward_yuan"}
    if lo > 200:
        assert refused(clients, m, level=level, amount_involved_yuan=amount,
                       reward_yuan=lo - 1) == {"reward_yuan"}


def test_reward_cap_confirmation_payment_and_organisations(clients: dict[str, Any]) -> None:
    m = medical_fraud_reward
    assert refused(clients, m, level="一级", amount_involved_yuan=3_000_000,
                   reward_yuan=150_000) == {"reward_yuan"}
    notified = dt.date(2026, 9, 28)  # before the National Day holiday
    from issuer.workdays import add_working_days

    last = add_working_days(notified, 15)
    assert last == dt.date(2026, 10, 23)  # 1-7 October are holidays, Saturday 10 October works
    assert issue(clients, m, 0, notified_on=notified, confirm_by=last).status == "01"
    assert refused(clients, m, notified_on=notified,
                   confirm_by=dt.date(2026, 10, 26)) == {"confirm_by"}  # the 16th
    assert refused(clients, m, notified_on=notified, confirm_by=notified) == {"confirm_by"}
    assert refused(clients, m, payment_method="现金") == {"payment_method"}
    from producers._common import org_uscc

    org = issue(clients, m, 0, holder={"name": "拉萨市某民营医院", "code": org_uscc(42)})
    assert org.record["holder"]["code_kind"] == "001"
    face = [r["field"] for r in m.DEFINITION["face"]["rows"]]
    assert "holder_name" not in face and "holder_code" not in face
