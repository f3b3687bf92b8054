"""举报人信息保密: the informant of a medical-insurance fraud reward is named on no public
surface and masked in lookups, unless the looking department's grant is personal."""

from __future__ import annotations

import subprocess
from typing import Any

from producers import medical_fraud_reward as m
from producers._common import DEPARTMENTS, dept, org_uscc
from tests.conftest import auth
from tests.producers.helpers import issue


def _user(client: Any, admin: str, key: str) -> str:
    r = client.post("/api/v1/tokens", json={"role": "user", "dept": dept(key), "label": "t"},
                    headers=auth(admin))
    assert r.status_code == 201, r.text
    return str(r.json()["token"])


def test_informant_never_public_masked_unless_granted(client: Any, clients: dict[str, Any],
                                                      admin_token: str) -> None:
    for holder in ({"name": "次仁旺堆", "code": m.sample_events(1)[0].holder_code},
                   {"name": "拉萨市雪域民营医院", "code": org_uscc(4242)}):
        r = issue(clients, m, 0, holder=holder)
        assert r.record["holder"]["confidential"] is True
        assert r.qr_url and "#" in r.qr_url
        page = client.get(r.qr_url.split("#")[0].replace("https://ecert.test", ""))
        assert page.status_code == 200
        assert holder["name"] not in page.text and holder["code"] not in page.text
        assert holder["name"][:1] + "*" not in page.text
        pub = client.get(f"/api/v1/public/verify/{r.identifier}")
        if pub.status_code == 200:
            assert holder["name"] not in pub.text and holder["code"] not in pub.text
        pdf = client.get(f"/api/v1/certificates/{r.identifier}/pdf",
                         headers=auth(clients[m.DEPT].token))
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        face = subprocess.run(["pdftotext", "-", "-"], input=pdf.content, capture_output=True,
                              check=True).stdout.decode().replace(" ", "")
        assert "（保密）" in face and "举报奖励" in face  # the face says so; the notice is intact
        assert holder["name"] not in face and holder["code"] not in face  # forwarded PDF: public
        q = {"purpose": "举报奖励资金监督检查"}
        seen = client.get(f"/api/v1/lookup/{r.identifier}", params=q,
                          headers=auth(_user(client, admin_token, "auditoffice")))
        assert seen.status_code == 200, seen.text
        assert holder["name"] not in seen.text and holder["code"] not in seen.text
        paid = client.get(f"/api/v1/lookup/{r.identifier}", params={"purpose": "奖励资金支付"},
                          headers=auth(_user(client, admin_token, "finance")))
        assert paid.status_code == 200, paid.text
        assert paid.json()["record"]["holder"]["name"] == holder["name"]
    assert DEPARTMENTS["auditoffice"][1] == "西藏自治区审计厅"
