from __future__ import annotations

from pathlib import Path

import pytest
from issuer_helpers import NOW, TestKeys, make_world, sqlite_store

import producers
from audit_log.actor import Actor
from ca.jws import verify_jws_with_cert
from formats.identifiers import parse_identifier
from formats.uscc import is_valid_uscc
from issuer.catalog import definition_problems


@pytest.mark.parametrize("mod", producers.ALL, ids=lambda m: m.__name__.split(".")[-1])
def test_definition_valid_and_samples_issue(mod: object, tmp_path: Path) -> None:
    assert definition_problems(mod.DEFINITION) == []
    assert is_valid_uscc(mod.DEFINITION["defining_dept"])
    for t in mod.DEFINITION["fields"]["properties"].values():
        assert any("\u4e00" <= ch <= "\u9fff" for ch in t["title"])
    from issuer_helpers import ADMIN

    from producers._common import DEPARTMENTS, dept

    store = sqlite_store(tmp_path / "samples.db")
    keys = TestKeys()
    world = make_world(store, keys, enrol=False)
    with store.transaction() as uow:
        for code, name in DEPARTMENTS.values():  # the type's grants name other departments
            uow.departments.add(code, name, None, NOW)
            keys.enrol(code, name)
        world.catalog.add(uow, mod.DEFINITION, ADMIN, NOW)
    events = mod.sample_events(3)
    assert len(events) == 3
    for event in events:
        with store.transaction() as uow:
            data, _case = mod.to_request(event)
            actor = Actor(name="test", role="issuer", dept_code=dept(mod.DEPT))
            issued = world.service.issue(uow, actor, mod.TYPE_CODE, data, NOW)
        assert not issued.skipped and issued.status == "01" and issued.version == 1
        assert parse_identifier(issued.identifier).issuer_code == dept(mod.DEPT)
        verify_jws_with_cert(issued.jws, keys.keys[dept(mod.DEPT)].cert_der)
