"""Statistics for assessment (Art. 23): per department × type × month from the audit log and
the objections, with names; JSON and CSV; departments see only their own figures."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from audit_log.assessment import month_of
from ecert.services.assessment import workdays_between
from tests.api.helpers import setup_training, token, training_request
from tests.conftest import auth


@pytest.fixture(scope="module")
def world(template: Any, admin_token: str) -> dict[str, Any]:
    client = template.client
    w: dict[str, Any] = dict(setup_training(client, admin_token))
    w["admin"] = admin_token
    idents = []
    for seed in range(7101, 7105):
        r = client.post("/api/v1/certificates", json=training_request(seed),
                        headers=auth(w["issuer"]))
        assert r.status_code == 201, r.text
        idents.append(r.json())
    a, b, c, _ = idents
    r = client.post(f"/api/v1/certificates/{b['identifier']}/change",
                    json={"data": training_request(7101)["data"], "reason": "更正姓名"},
                    headers=auth(w["issuer"]))
    assert r.status_code == 200, r.text
    for ident, event in ((c["identifier"], "suspend"), (a["identifier"], "withdraw")):
        r = client.post(f"/api/v1/certificates/{ident}/status",
                        json={"event": event, "reason": "核查"}, headers=auth(w["issuer"]))
        assert r.status_code == 200, r.text
    for _ in range(3):
        r = client.get(f"/api/v1/lookup/{idents[3]['identifier']}",
                       params={"purpose": "农牧民转移就业补贴审核"}, headers=auth(w["user"]))
        assert r.status_code == 200, r.text
    holder = token(client, admin_token, "holder", holder=idents[3]["record"]["holder"]["code"])
    o = client.post("/api/v1/objections", json={"identifier": idents[3]["identifier"],
                                                "reason": "培训学时有误"}, headers=auth(holder))
    assert o.status_code == 201, o.text
    r = client.post(f"/api/v1/objections/{o.json()['id']}/answer",
                    json={"answer": "已核实无误", "upheld": False}, headers=auth(w["issuer"]))
    assert r.status_code == 200, r.text
    w["month"] = month_of(template.platform.now())
    return w


def _rows(client: Any, tok: str, month: str, path: str = "/api/v1/audit/assessment") -> Any:
    return client.get(path, params={"since": month, "until": month}, headers=auth(tok))


def test_counts_per_department_type_and_month_with_names(client: Any,
                                                        world: dict[str, Any]) -> None:
    from producers import vocational_training as vt
    from producers._common import DEPARTMENTS, dept

    r = _rows(client, world["auditor"], world["month"])
    assert r.status_code == 200, r.text
    rows = {(x["dept_code"], x["type_code"]): x for x in r.json()}
    issuer = rows[(dept("hrss"), vt.TYPE_CODE)]
    assert issuer["dept_name"] == DEPARTMENTS["hrss"][1] and issuer["type_name"] == vt.DEFINITION["name"]
    c = issuer["counts"]
    assert (c["issued"], c["changed"], c["suspended"], c["revoked"]) == (4, 1, 1, 1), c
    assert (c["objections"], c["objections_answered"], c["objections_on_time"]) == (1, 1, 1)
    assert issuer["mean_answer_workdays"] == 0.0
    user = rows[(dept("agriculture"), vt.TYPE_CODE)]
    assert user["counts"]["lookups"] == 3 and user["counts"]["issued"] == 0
    # another month has none of it
    assert _rows(client, world["auditor"], "2001-01").json() == []


def test_departments_see_their_own_figures_only_and_csv_matches(client: Any,
                                                               world: dict[str, Any]) -> None:
    from producers._common import dept

    mine = _rows(client, world["user"], world["month"]).json()
    assert mine and {x["dept_code"] for x in mine} == {dept("agriculture")}
    r = _rows(client, world["auditor"], world["month"], "/api/v1/audit/assessment.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(r.content.decode("utf-8").lstrip("\ufeff"))))
    as_json = _rows(client, world["auditor"], world["month"]).json()
    assert [(t["dept_code"], t["type_code"], int(t["issued"]), int(t["lookups"])) for t in table] \
        == [(j["dept_code"], j["type_code"], j["counts"]["issued"], j["counts"]["lookups"])
            for j in as_json]
    assert "人力资源和社会保障厅" in "".join(t["dept_name"] for t in table)


@pytest.mark.parametrize("since,until", [("2026-13", "2026-12"), ("2026-05", "2026-01"),
                                         ("2000-01", "2026-01"), ("abc", "2026-01")])
def test_bad_months_are_problems(client: Any, world: dict[str, Any], since: str,
                                 until: str) -> None:
    r = client.get("/api/v1/audit/assessment", params={"since": since, "until": until},
                   headers=auth(world["auditor"]))
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"


def test_working_days_follow_the_official_calendar() -> None:
    import datetime as dt

    utc = dt.UTC
    # 2025-09-30 (Tue) to 2025-10-09 (Thu): National Day holiday 1-8 Oct, so one working day
    assert workdays_between(dt.datetime(2025, 9, 30, 2, tzinfo=utc),
                            dt.datetime(2025, 10, 9, 2, tzinfo=utc)) == 1
    # a plain week: Mon 2025-11-03 to Mon 2025-11-10 is five working days
    assert workdays_between(dt.datetime(2025, 11, 3, 2, tzinfo=utc),
                            dt.datetime(2025, 11, 10, 2, tzinfo=utc)) == 5
