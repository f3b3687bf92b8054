from __future__ import annotations

from pathlib import Path

import pytest
from issuer_helpers import NOW, TestKeys, make_world, sqlite_store

import producers
from ca.jws import verify_jws_with_cert
from formats.identifiers import parse_identifier
from formats.uscc import is_valid_uscc
from issuer.catalog import definition_problems
from producers.demo import seed_demo


@pytest.mark.parametrize("mod", producers.ALL, ids=lambda m: m.__name__.split(".")[-1])
def test_definition_valid_and_samples_issue(mod: object, tmp_path: Path) -> None:
    assert definition_problems(mod.DEFINITION) == []
    assert is_valid_uscc(mod.DEFINITION["defining_dept"])
    for t in mod.DEFINITION["fields"]["properties"].values():
        assert any("\u4e00" <= ch <= "\u9fff" for ch in t["title"])
    from issuer_helpers import ADMIN

    from producers._common import DEPARTMENTS, dept, issuer_actor

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
            issued = mod.issue(world.service, uow, issuer_actor(mod.DEPT), event, NOW)
        assert not issued.skipped and issued.status == "01" and issued.version == 1
        assert parse_identifier(issued.identifier).issuer_code == dept(mod.DEPT)
        verify_jws_with_cert(issued.jws, keys.keys[dept(mod.DEPT)].cert_der)


def test_seed_demo_states_and_rerun(tmp_path: Path) -> None:
    store = sqlite_store(tmp_path / "demo.db")
    keys = TestKeys()
    world = make_world(store, keys, enrol=False)

    def enrol(code: str, name: str) -> None:
        with store.transaction() as uow:
            uow.departments.add(code, name, None, NOW)
        keys.enrol(code, name)

    r = seed_demo(store.transaction, world.service, world.catalog, enrol, NOW)
    assert len(r.types) == 7 and r.issued == 42
    for state in ("valid", "changed", "suspended", "revoked", "cancelled", "expired"):
        assert len(r.by_state[state]) == 7, state
    from issuer_helpers import ADMIN
    for ident in r.by_state["changed"]:
        assert parse_identifier(ident).version == 2
    statuses = {s: {world.svc.get(ADMIN, i).status for i in ids} for s, ids in r.by_state.items()}
    assert statuses == {"valid": {"01"}, "changed": {"01"}, "suspended": {"02"},
                        "revoked": {"07"}, "cancelled": {"04"}, "expired": {"05"}}
    v = world.svc.get(ADMIN, r.by_state["valid"][0])
    code = parse_identifier(v.identifier).issuer_code
    verify_jws_with_cert(v.jws, keys.keys[code].cert_der)
    again = seed_demo(store.transaction, world.service, world.catalog, enrol, NOW)
    assert again.issued == 0 and again.skipped == 42
    assert {k: sorted(v) for k, v in again.by_state.items()} == \
        {k: sorted(v) for k, v in r.by_state.items()}
