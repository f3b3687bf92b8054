"""Art. 17: a using department objects only to certificates it has standing for — its
department (or one it succeeded) is granted the type, or it has looked the certificate up."""

from __future__ import annotations

import pytest
from verifier_world import OTHER, T0, USER

from audit_log.actor import Actor
from audit_log.log import AuditLog
from verifier import objections
from verifier.errors import Forbidden

NOW = T0
AUDIT = AuditLog()
user = Actor(name="tok-user", role="user", dept_code=USER)
other = Actor(name="tok-other", role="user", dept_code=OTHER)


def test_a_department_without_grant_or_lookup_cannot_object(world) -> None:  # type: ignore[no-untyped-def]
    c = world.issue()
    with world.store.transaction() as uow, pytest.raises(Forbidden):
        objections.file(uow, other, c.identifier, "信息与实际不符", None, NOW, audit=AUDIT)
    with world.store.transaction() as uow:
        o = objections.file(uow, user, c.identifier, "信息与实际不符", None, NOW, audit=AUDIT)
    assert o.filed_by == f"dept:{USER}"


def test_a_department_that_looked_it_up_may_object(world) -> None:  # type: ignore[no-untyped-def]
    c = world.issue()
    with world.store.transaction() as uow:  # e.g. under a grant since withdrawn
        AUDIT.record_by(uow, other, now=NOW, action="certificate.lookup",
                        cert_identifier=c.identifier, purpose="行政审批", details={})
    with world.store.transaction() as uow:
        o = objections.file(uow, other, c.identifier, "信息与实际不符", None, NOW, audit=AUDIT)
    assert o.filed_by == f"dept:{OTHER}"
