"""ECERT_LOG_FORMAT=json on a running `ecert serve`: one JSON object a line, each request's
lines with its request id, and never a token, an ID number or key material."""

from __future__ import annotations

import json
import time

import httpx

from tests.deploy.conftest import Stack

ID_NUMBER = "540102199001011236"  # the shape of a resident ID number (GB 11643), made up
FAKE_TOKEN = "ect_0123abcd_ThisIsNotARealSecretButLooksLikeOne0123456789"  # noqa: S105


def _lines(stack: Stack) -> list[dict[str, object]]:
    text = stack.log.read_text(encoding="utf-8")
    out = []
    for line in text.splitlines():
        out.append(json.loads(line))  # every line is JSON: a line that is not fails here
    return out


def test_json_lines_with_request_ids_and_nothing_secret(stack: Stack) -> None:
    rid = "logtest-0001"
    with httpx.Client(base_url=stack.ecert_url, timeout=30) as c:
        # an ID number in a query string and in a path; a token that fails; the admin's token
        c.get("/api/v1/certificates", params={"holder_code": ID_NUMBER, "type": "x"},
              headers={"Authorization": f"Bearer {stack.admin_token}", "X-Request-Id": rid})
        c.get(f"/v/{ID_NUMBER}", headers={"X-Request-Id": rid})
        c.get("/api/v1/departments", headers={"Authorization": f"Bearer {FAKE_TOKEN}",
                                              "X-Request-Id": rid})
        assert c.get("/api/v1/departments", headers={
            "Authorization": f"Bearer {stack.admin_token}", "X-Request-Id": rid}).status_code == 200
    key_pem = next((stack.dir / "issuer").glob("*.key.pem")).read_text()
    key_body = key_pem.splitlines()[1]
    for _ in range(50):  # the access line is written as the answer goes out
        mine = [x for x in _lines(stack) if x.get("request_id") == rid]
        if len(mine) >= 4:
            break
        time.sleep(0.1)
    assert len(mine) >= 4, mine
    access = [x for x in mine if x["logger"] == "ecert.access"]
    assert {x["status"] for x in access} >= {200, 401}
    assert all({"ts", "level", "message", "method", "route", "path", "duration_ms"} <= set(x)
               for x in access)
    text = stack.log.read_text(encoding="utf-8")
    for secret in (ID_NUMBER, FAKE_TOKEN, FAKE_TOKEN.split("_")[2], stack.admin_token,
                   stack.admin_token.split("_")[2], key_body, "PRIVATE KEY",
                   stack.env["ECERT_KEY_PASSPHRASE"]):
        assert secret not in text, secret
    assert any("[id-number]" in str(x.get("path")) for x in access)


def test_redaction_of_what_a_library_might_write() -> None:
    from ecert.http.logsetup import redact

    line = (f"GET /x?holder={ID_NUMBER} Authorization: Bearer abc.def {FAKE_TOKEN} "
            "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMG\n-----END PRIVATE KEY----- done")
    out = redact(line)
    for secret in (ID_NUMBER, "abc.def", FAKE_TOKEN, "MIGHAgEAMBMG"):
        assert secret not in out
    assert out.endswith("done")
    assert redact("identifier 1.2.156.3005.2.11540000MB00001032001") == \
        "identifier 1.2.156.3005.2.11540000MB00001032001"
