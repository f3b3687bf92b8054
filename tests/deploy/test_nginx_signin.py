"""Certificate sign-in behind nginx (deploy/nginx): nginx verifies the department client
certificate and passes it in its header; `/login/client-cert` opens a session of its operator
from that, and from no one else's header."""

from __future__ import annotations

from urllib.parse import quote

import httpx

from tests.deploy.conftest import Stack

SIGNIN = "/login/client-cert?page=/staff"


def test_signin_through_nginx_opens_the_operators_session(stack: Stack) -> None:
    with stack.client(stack.issuer) as c:
        res = c.get(SIGNIN, follow_redirects=False)
    assert res.status_code == 303, res.text
    where = res.headers["location"]
    assert where.startswith("/staff#ecert-login=") and res.headers["cache-control"] == "no-store"
    token = where.split("=", 1)[1]
    with stack.client() as c:  # the session works without the certificate
        me = c.get("/api/v1/operators", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200, me.text


def test_no_certificate_through_nginx_no_session(stack: Stack) -> None:
    with stack.client() as c:
        res = c.get(SIGNIN, follow_redirects=False)
    assert res.status_code == 400 and "ecert-login" not in res.headers.get("location", "")
    assert "未出示" in res.text


def test_a_forged_header_sent_to_ecert_directly_opens_nothing(stack: Stack) -> None:
    forged = {"X-SSL-Client-Cert": quote(stack.issuer[0].read_text(), safe=""),
              "X-SSL-Client-Verify": "SUCCESS"}
    res = httpx.get(stack.ecert_url + SIGNIN, headers=forged, follow_redirects=False)
    assert res.status_code == 400 and "location" not in res.headers
