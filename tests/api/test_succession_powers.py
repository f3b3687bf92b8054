"""Art. 9 para 2, the powers side: after `succeed OLD NEW` the predecessor acts no more.

Its tokens and client certificates stop working (writes and lookups alike), no new credential
can be made for it, and what it held passes to its successor: the catalog's grants made to it
as a using department, and its archive.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest

from tests.api.helpers import enrol, setup_training, token, training_request
from tests.conftest import auth


@pytest.fixture(scope="module")
def world(template: Any, admin_token: str) -> dict[str, Any]:
    from producers._common import DEPARTMENTS, dept

    client = template.client
    w: dict[str, Any] = dict(setup_training(client, admin_token))
    succ_code, succ_name = DEPARTMENTS["finance"]
    enrol(client, admin_token, succ_code, succ_name)
    w["admin"] = admin_token
    w["hrss"] = dept("hrss")
    w["agriculture"] = dept("agriculture")
    w["successor"] = succ_code
    w["successor_issuer"] = token(client, admin_token, "issuer", succ_code)
    w["successor_user"] = token(client, admin_token, "user", succ_code)
    w["hrss_user"] = token(client, admin_token, "user", dept("hrss"))
    r = client.post("/api/v1/certificates", json=training_request(4401),
                    headers=auth(w["issuer"]))
    assert r.status_code == 201, r.text
    w["cert"] = r.json()["identifier"]
    return w


def _succeed(client: Any, w: dict[str, Any], old: str) -> None:
    r = client.post(f"/api/v1/departments/{old}/succeed", json={"successor": w["successor"]},
                    headers=auth(w["admin"]))
    assert r.status_code == 200, r.text


PURPOSE = {"purpose": "农牧民转移就业补贴审核"}


def test_predecessor_tokens_stop_working(client: Any, world: dict[str, Any]) -> None:
    before = client.get(f"/api/v1/lookup/{world['cert']}", params={"purpose": "随便"},
                        headers=auth(world["hrss_user"]))
    assert before.status_code == 200 and before.json()["personal_visible"] is True
    _succeed(client, world, world["hrss"])

    lookup = client.get(f"/api/v1/lookup/{world['cert']}", params={"purpose": "随便"},
                        headers=auth(world["hrss_user"]))
    assert lookup.status_code == 401, lookup.text
    read = client.get(f"/api/v1/certificates/{world['cert']}", headers=auth(world["issuer"]))
    assert read.status_code == 401, read.text
    from producers import vocational_training as vt

    definition = {**vt.DEFINITION,
                  "grants": [{"dept": world["hrss"], "purposes": ["*"], "personal": True}]}
    add = client.post("/api/v1/catalog/types", json=definition, headers=auth(world["issuer"]))
    assert add.status_code == 401, add.text
    # the successor maintains the predecessor's certificates
    ok = client.get(f"/api/v1/certificates/{world['cert']}",
                    headers=auth(world["successor_issuer"]))
    assert ok.status_code == 200, ok.text


def test_no_new_credentials_for_a_predecessor(client: Any, world: dict[str, Any]) -> None:
    _succeed(client, world, world["hrss"])
    for role in ("issuer", "user"):
        r = client.post("/api/v1/tokens", json={"role": role, "dept": world["hrss"],
                                                "label": "after merger"},
                        headers=auth(world["admin"]))
        assert r.status_code in (409, 422), r.text
        assert r.headers["content-type"].startswith("application/problem+json")


def test_predecessor_tokens_are_revoked(client: Any, world: dict[str, Any]) -> None:
    _succeed(client, world, world["hrss"])
    listed = client.get("/api/v1/tokens", headers=auth(world["admin"])).json()
    mine = [t for t in listed if t.get("dept_code") == world["hrss"]]
    assert mine and all(t["revoked_at"] for t in mine), mine


def test_grants_pass_to_the_successor(client: Any, world: dict[str, Any]) -> None:
    refused = client.get(f"/api/v1/lookup/{world['cert']}", params=PURPOSE,
                         headers=auth(world["successor_user"]))
    assert refused.status_code == 403, refused.text
    _succeed(client, world, world["agriculture"])
    granted = client.get(f"/api/v1/lookup/{world['cert']}", params=PURPOSE,
                         headers=auth(world["successor_user"]))
    assert granted.status_code == 200, granted.text
    assert granted.json()["personal_visible"] is True
    gone = client.get(f"/api/v1/lookup/{world['cert']}", params=PURPOSE,
                      headers=auth(world["user"]))
    assert gone.status_code == 401, gone.text


def test_archive_passes_to_the_successor(client: Any, world: dict[str, Any]) -> None:
    _succeed(client, world, world["hrss"])
    r = client.get("/api/v1/archive", headers=auth(world["successor_issuer"]))
    assert r.status_code == 200, r.text
    names = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
    base = world["cert"].rsplit(".", 2)[0]
    assert any(base in n for n in names), names


def test_predecessor_client_certificate_stops_working(platform: Any, world: dict[str, Any]) -> None:
    from ca.keystore import FileKeyStore
    from ecert.cli.common import cli_actor
    from ecert.services.clientcerts import find_client_cert, issue_client_cert

    signer = FileKeyStore(platform.settings.data_dir / "client", b"p" * 16).generate("c")
    rec = issue_client_cert(platform, world["hrss"], "user", signer.public_key_der, "c",
                            cli_actor())
    with platform.store.transaction() as uow:
        assert find_client_cert(uow, rec.der, platform.now()) is not None
    platform.succeed(world["hrss"], world["successor"], cli_actor())
    with platform.store.transaction() as uow:
        assert find_client_cert(uow, rec.der, platform.now()) is None
        assert uow.pki.by_serial(rec.serial).state == "revoked"
