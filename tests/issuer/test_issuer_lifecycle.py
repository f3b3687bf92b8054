from __future__ import annotations

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from formats.status import STATUSES
from issuer import lifecycle as lc
from issuer.errors import IllegalTransition


def test_table_matches_contract() -> None:
    t = lc.TRANSITIONS
    assert t["suspend"].from_statuses == {"01"} and t["suspend"].to_status == "02"
    assert t["pledge"].to_status == "02" and t["release"].from_statuses == {"02"}
    assert t["withdraw"].from_statuses == {"01", "02", "05"} and t["withdraw"].to_status == "03"
    assert t["cancel"].from_statuses == {"01", "02", "05"} and t["cancel"].to_status == "04"
    assert t["revoke"].from_statuses == {"01", "02"} and t["revoke"].to_status == "07"
    assert t["transfer"].from_statuses == {"01"} and t["transfer"].to_status == "06"
    assert t["lapse"].from_statuses == {"01", "02"} and t["lapse"].to_status == "05"
    assert t["extend"].from_statuses == {"01", "05"} and t["extend"].to_status == "01"
    assert lc.next_status("01", "inspect") == "01"
    with pytest.raises(IllegalTransition):
        lc.next_status("03", "release")
    with pytest.raises(IllegalTransition):
        lc.next_status(None, "suspend")
    with pytest.raises(IllegalTransition):
        lc.next_status("01", "explode")


class Machine(RuleBasedStateMachine):
    @initialize()
    def issue(self) -> None:
        self.status = lc.next_status(None, "issue")
        self.was_terminal = False

    @rule(event=st.sampled_from(sorted(lc.EVENTS) + ["bogus"]))
    def apply(self, event: str) -> None:
        before = self.status
        try:
            self.status = lc.next_status(self.status, event)
        except IllegalTransition:
            assert before == self.status
            assert event == "bogus" or event == "issue" or before not in (
                lc.TRANSITIONS[event].from_statuses)
            return
        assert not self.was_terminal, f"{event} left terminal status {before}"
        assert before in lc.TRANSITIONS[event].from_statuses

    @invariant()
    def defined(self) -> None:
        assert self.status in STATUSES
        if self.was_terminal:
            assert self.status in lc.TERMINAL
        self.was_terminal = self.status in lc.TERMINAL


Machine.TestCase.settings = settings(max_examples=200, stateful_step_count=30)
TestLifecycle = Machine.TestCase
