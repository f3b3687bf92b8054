"""共同签署: the kindergarten handover acceptance is signed by the education bureau (issuer) and
co-signed by the housing bureau with its own key, each through its own system's API client;
both signatures are verified, either department can read the certificate, no other can."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest
from sqlalchemy import text

from producers import kindergarten_handover as k
from producers._common import dept
from producers.client import ApiRefused
from tests.producers.helpers import issue

# the producers' tokens belong to their department's placeholder operator (ecert operator)
OPERATOR_PLACEHOLDER = "未具名操作员"


def _verify(client: Any, token: str, identifier: str) -> tuple[str, dict[str, Any]]:
    r = client.get(f"/api/v1/verify/{identifier}", params={"purpose": "核验"},
                   headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    body = r.json()
    [co] = [c for c in body["checks"] if c["name"] == "co-signatures"]
    return body["verdict"], co


def test_co_signed_by_housing(client: Any, clients: dict[str, Any], platform: Any) -> None:
    edu, housing, other = clients[k.DEPT], clients[k.CO_DEPT], clients["commerce"]
    r = issue(clients, k, 0)
    state = edu.cosignatures(r.identifier)
    assert state["complete"] is False
    assert state["signatures"] == [{"dept": dept(k.CO_DEPT), "ok": False, "reason": "missing"}]
    assert housing.get(r.identifier)["identifier"] == r.identifier  # either can see it
    with pytest.raises(ApiRefused) as no:
        other.get(r.identifier)
    assert no.value.status == 403
    with pytest.raises(ApiRefused) as no:
        other.cosign(r.identifier)
    assert no.value.status == 403
    with pytest.raises(ApiRefused) as no:
        edu.cosign(r.identifier)  # the issuer has signed already; it is not a co-signer
    assert no.value.status == 403
    verdict, co = _verify(client, edu.token, r.identifier)
    assert verdict == "unknown" and co["reason"] == "co-signature-missing"  # not valid yet
    first = housing.cosign(r.identifier)
    assert first["dept"] == dept(k.CO_DEPT) and first["version"] == 1
    assert housing.cosign(r.identifier)["jws"] == first["jws"]  # again: the same one
    done = housing.cosignatures(r.identifier)
    assert done == {"identifier": r.identifier, "version": 1, "complete": True,
                    "signatures": [{"dept": dept(k.CO_DEPT), "ok": True, "reason": "valid"}]}
    verdict, co = _verify(client, housing.token, r.identifier)
    assert verdict == "valid" and co["passed"] is True
    # the issuer's own signature verifies as every certificate's does
    assert edu.get(r.identifier)["verdict"] == "valid"
    with platform.store.transaction() as uow:
        page = platform.audit.list_entries(uow, action="certificate.cosign", limit=100)
    (entry,) = [e for e in page.entries if e.cert_identifier == r.identifier]
    assert entry.actor_dept == dept(k.CO_DEPT) and entry.actor.startswith(OPERATOR_PLACEHOLDER)
    assert json.loads(entry.details)["version"] == 1
    # a new version needs the co-signature anew
    changed = edu.change(r.identifier, {"fields": {"floor_area_m2": 3000}}, "面积更正")
    again = edu.cosignatures(changed.identifier)
    assert again["version"] == 2 and again["complete"] is False
    housing.cosign(changed.identifier)
    assert edu.cosignatures(changed.identifier)["complete"] is True
    # a co-signature that does not verify is reported, not trusted
    with platform.store.engine.begin() as conn:
        conn.execute(text("UPDATE co_signatures SET jws = jws || 'A' WHERE version = 2"))
    bad = edu.cosignatures(changed.identifier)
    assert bad["complete"] is False and bad["signatures"][0]["reason"] == "bad-signature"
    verdict, co = _verify(client, edu.token, changed.identifier)
    assert verdict == "invalid" and co["reason"] == "bad-signature"


def test_both_signatures_on_the_pdf(client: Any, clients: dict[str, Any]) -> None:
    import io

    from pyhanko.pdf_utils.reader import PdfFileReader

    edu, housing = clients[k.DEPT], clients[k.CO_DEPT]
    r = issue(clients, k, 1)
    h = {"Authorization": f"Bearer {edu.token}"}
    alone = client.get(f"/api/v1/certificates/{r.identifier}/pdf", headers=h)
    assert alone.status_code == 200
    housing.cosign(r.identifier)
    both = client.get(f"/api/v1/certificates/{r.identifier}/pdf", headers=h)
    assert both.status_code == 200 and both.content != alone.content  # not the cached one
    sigs = PdfFileReader(io.BytesIO(both.content)).embedded_signatures
    assert [s.field_name for s in sigs] == ["ecert-cosign-1", "ecert-signature"]
    assert "拉萨市城关区住房和城乡建设局" in sigs[0].signer_cert.subject.human_friendly
    # the co-signer's stamp words are page text (printed with the face, under pyHanko's
    # frame), not a stamp with its own font subset
    text = subprocess.run(["pdftotext", "-", "-"], input=both.content, capture_output=True,
                          check=True).stdout.decode()
    assert "拉萨市城关区住房和城乡建设局" in text and "共同签署" in text
    assert both.content.count(b"/FontFile2") == alone.content.count(b"/FontFile2")
    v = client.post("/api/v1/verify/pdf", content=both.content,
                    headers={**h, "content-type": "application/pdf"})
    assert v.status_code == 200, v.text
    body = v.json()
    assert body["verdict"] == "valid", body
    [earlier] = [c for c in body["checks"] if c["name"] == "pdf-earlier-signature"]
    assert earlier["passed"] is True, earlier
