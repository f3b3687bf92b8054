"""The proposal state machine under random sequences (Hypothesis stateful): whatever departments
and the authority do, the stored state follows the model (pending → approved | refused |
withdrawn, nothing else), the catalog holds exactly what was approved, and every transition
and nothing else left an audit entry."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from audit_log.actor import Actor
from formats.errors import DomainError

SCENARIOS = ("酒店入住登记", "求职应聘", "银行开户")
PURPOSES = (["补贴审核"], ["行政审批"])


@pytest.fixture(scope="module")
def backend() -> str:
    return "sqlite"


def run_machine(platform: Any) -> None:
    from ecert.services import proposals as svc
    from producers import vocational_training as vt
    from producers._common import DEPARTMENTS, dept

    hrss, agri, market = dept("hrss"), dept("agriculture"), dept("market")
    for key in ("hrss", "agriculture", "market"):
        platform.add_department(*DEPARTMENTS[key], None, Actor("cli:test", "admin"))
    admin = Actor("cli:test", "admin")
    actors = {
        "issuer": Actor("张三（发证岗）#1", "issuer", hrss),
        "other_issuer": Actor("李四（发证岗）#2", "issuer", market),
        "user": Actor("王五（查询岗）#3", "user", agri),
        "authority": Actor("卓玛（审核岗）#4", "authority"),
        "authority_of_hrss": Actor("次仁（审核岗）#5", "authority", hrss),
    }
    counter = iter(range(100, 1000))

    class Proposals(RuleBasedStateMachine):
        @initialize()
        def new_type(self) -> None:
            code = hrss + f"{next(counter):03d}"
            with platform.writing() as uow:
                platform.catalog.add(uow, {**vt.DEFINITION, "type_code": code, "grants": []},
                                     admin, platform.now())
            self.type_code = code
            self.model: dict[int, str] = {}
            self.payload: dict[int, tuple[str, Any]] = {}
            self.scenarios: list[str] = []
            self.grants: dict[str, Any] = {}
            self.transitions = 0

        def _try(self, fn: Any, *args: Any) -> Any:
            try:
                return fn(platform, *args)
            except DomainError as exc:
                return exc

        @rule(scenario=st.sampled_from(SCENARIOS))
        def propose_scenario(self, scenario: str) -> None:
            v = svc.propose(platform, actors["issuer"], "scenario",
                            {"type_code": self.type_code, "scenario": scenario})
            self.model[v.id], self.payload[v.id] = "pending", ("scenario", scenario)
            self.transitions += 1

        @rule(purposes=st.sampled_from(PURPOSES), personal=st.booleans())
        def propose_grant(self, purposes: list[str], personal: bool) -> None:
            grant = {"dept": agri, "purposes": purposes, "personal": personal}
            v = svc.propose(platform, actors["user"], "grant",
                            {"type_code": self.type_code, "grant": grant})
            self.model[v.id], self.payload[v.id] = "pending", ("grant", grant)
            self.transitions += 1

        def _ids(self) -> st.SearchStrategy[int]:
            return st.sampled_from(sorted(self.model)) if self.model else st.just(0)

        @rule(data=st.data(), who=st.sampled_from(["issuer", "other_issuer", "user"]))
        def withdraw(self, data: Any, who: str) -> None:
            pid = data.draw(self._ids())
            res = self._try(svc.withdraw, actors[who], pid)
            kind = self.payload.get(pid, ("", None))[0]
            own = (who, kind) in (("user", "grant"), ("issuer", "scenario"))
            if pid in self.model and self.model[pid] == "pending" and own:
                assert not isinstance(res, DomainError), res
                self.model[pid] = "withdrawn"
                self.transitions += 1
            else:
                assert isinstance(res, DomainError)

        @rule(data=st.data(), who=st.sampled_from(["authority", "authority_of_hrss", "issuer"]))
        def approve(self, data: Any, who: str) -> None:
            pid = data.draw(self._ids())
            res = self._try(svc.approve, actors[who], pid)
            kind = self.payload.get(pid, ("", None))[0]
            allowed = who == "authority" or (who == "authority_of_hrss" and kind == "grant")
            if self.model.get(pid) == "pending" and allowed:
                assert not isinstance(res, DomainError), res
                self.model[pid] = "approved"
                self.transitions += 1
                kind, value = self.payload[pid]
                if kind == "scenario" and value not in self.scenarios:
                    self.scenarios.append(value)
                elif kind == "grant":
                    self.grants[value["dept"]] = value
            else:
                assert isinstance(res, DomainError)
                if self.model.get(pid) == "pending" and who == "authority_of_hrss":
                    assert res.slug == "self-approval"

        @rule(data=st.data(), reason=st.sampled_from(["", "  ", "不属于本部门职责"]))
        def refuse(self, data: Any, reason: str) -> None:
            pid = data.draw(self._ids())
            res = self._try(svc.refuse, actors["authority"], pid, reason)
            if self.model.get(pid) == "pending" and reason.strip():
                assert not isinstance(res, DomainError), res
                self.model[pid] = "refused"
                self.transitions += 1
            else:
                assert isinstance(res, DomainError)
                if not reason.strip():
                    assert res.slug == "reason-required"

        @invariant()
        def stored_states_follow_the_model(self) -> None:
            stored = {v.id: v.state for v in svc.list_proposals(platform, actors["authority"])
                      if v.type_code == self.type_code}
            assert stored == self.model

        @invariant()
        def the_catalog_holds_what_was_approved(self) -> None:
            with platform.store.transaction() as uow:
                d = platform.catalog.get(uow, self.type_code).definition
            assert d.get("presentation_scenarios", []) == self.scenarios
            assert {g["dept"]: g for g in d.get("grants", [])} == self.grants

        @invariant()
        def every_transition_is_audited(self) -> None:
            with platform.store.transaction() as uow:
                found = platform.audit.list_entries(uow, action="proposal.", limit=1000).entries
            mine = [e for e in found if json.loads(e.details)["type_code"] == self.type_code]
            assert len(mine) == self.transitions

    run_state_machine_as_test(Proposals, settings=settings(
        max_examples=20, stateful_step_count=15, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]))


def test_proposal_state_machine(platform: Any) -> None:
    run_machine(platform)
