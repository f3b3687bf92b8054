"""A small world for the web tests: departments, tokens, a certificate type and helpers."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import live_url  # noqa: F401 - re-exported fixture
from tests.conftest import auth

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ISS = "91540000MA6T000001"
ISS_NAME = "西藏自治区测试厅"


def uscc(first17: str) -> str:
    from formats.uscc import make_uscc

    return make_uscc(first17)


@dataclass
class World:
    client: Any
    platform: Any
    type_code: str
    iss: str
    user: str
    personal_user: str
    other: str
    tokens: dict[str, str]
    holder_code: str
    other_holder_code: str

    def h(self, who: str) -> dict[str, str]:
        return auth(self.tokens[who])

    def issue(self, holder_code: str | None = None, name: str = "张三丰") -> dict[str, Any]:
        r = self.client.post("/api/v1/certificates", headers=self.h("issuer"), json={
            "type": self.type_code,
            "data": {"holder": {"name": name, "code": holder_code or self.holder_code},
                     "fields": {"area": "餐饮服务", "level": 2,
                                "address": "拉萨市城关区北京中路1号"}}})
        assert r.status_code == 201, r.text
        return r.json()

    def status(self, identifier: str, event: str) -> None:
        r = self.client.post(f"/api/v1/certificates/{identifier}/status", headers=self.h("issuer"),
                             json={"event": event, "reason": "测试"})
        assert r.status_code == 200, r.text


def type_definition(type_code: str, iss: str, user: str, personal_user: str) -> dict[str, Any]:
    return {
        "type_code": type_code, "name": "测试经营许可证", "defining_dept": iss,
        "holder_kind": "111",
        "fields": {"type": "object", "required": ["area", "level"], "additionalProperties": False,
                   "properties": {"area": {"type": "string", "title": "经营范围", "minLength": 1},
                                  "level": {"type": "integer", "title": "等级", "minimum": 1,
                                            "maximum": 5},
                                  "address": {"type": "string", "title": "住址"}}},
        "personal": ["address"],
        "validity": {"years": 3},
        "face": {"title": "测试经营许可证", "rows": [{"label": "持证人", "field": "holder_name"},
                                                {"label": "经营范围", "field": "area"}]},
        "seal": "测试厅电子印章",
        "grants": [{"dept": user, "purposes": ["行政审批"], "personal": False},
                   {"dept": personal_user, "purposes": ["*"], "personal": True}],
        "annotated_copy_cap": 2,
    }


@pytest.fixture()
def chromium_page(tmp_path):  # type: ignore[no-untyped-def]
    """Headless Chromium driven over the DevTools pipe (tests/web/cdp.py), closed after."""
    import shutil

    from tests.web.cdp import Browser

    b = Browser(shutil.which("chromium") or "/usr/bin/chromium", tmp_path / "cdp-profile")
    try:
        yield b
    finally:
        b.close()


@pytest.fixture
def world(template_world: World, client, platform) -> World:  # type: ignore[no-untyped-def]
    """The module's world, bound to this test's own copy of the platform."""
    return dataclasses.replace(template_world, client=client, platform=platform)


@pytest.fixture(scope="module")
def template_world(template, admin_token) -> World:  # type: ignore[no-untyped-def]
    """Departments, tokens and a certificate type, made once on the module's template."""
    client, platform = template.client, template.platform
    from ecert.cli.common import cli_actor
    from formats.idnumber import make_citizen_id

    user, personal_user, other = (uscc("91540000MA6T0001" + s) for s in ("0", "1", "2"))
    for code, name in ((ISS, ISS_NAME), (user, "西藏自治区使用局"),
                       (personal_user, "西藏自治区公安厅"), (other, "西藏自治区无关局")):
        r = client.post("/api/v1/departments", json={"code": code, "name": name},
                        headers=auth(admin_token))
        assert r.status_code == 201, r.text
    holder_code = make_citizen_id("54010219900101001")
    other_holder = make_citizen_id("54010219800101002")

    def tok(role: str, dept: str | None = None, holder: str | None = None) -> str:
        return platform.create_token(role=role, dept_code=dept, holder_code=holder, label="web",
                                     ttl_days=1, actor=cli_actor()).secret

    tokens = {"issuer": tok("issuer", ISS), "user": tok("user", user),
              "personal": tok("user", personal_user), "other": tok("user", other),
              "other_issuer": tok("issuer", other),
              "holder": tok("holder", holder=holder_code),
              "other_holder": tok("holder", holder=other_holder),
              "auditor": tok("auditor"), "admin": admin_token,
              "authority": tok("authority")}
    type_code = ISS + "001"
    r = client.post("/api/v1/catalog/types", headers=auth(tokens["admin"]),
                    json=type_definition(type_code, ISS, user, personal_user))
    assert r.status_code == 201, r.text
    return World(client, platform, type_code, ISS, user, personal_user, other, tokens,
                 holder_code, other_holder)


@pytest.fixture()
def browser(tmp_path: Path) -> Iterator[Any]:
    """Headless Chromium (tests/web/cdp.py) with its own profile in the test's tmp dir."""
    from tests.web.cdp import Browser

    b = Browser(CHROMIUM, tmp_path / "cdp-profile")
    try:
        yield b
    finally:
        b.close()
