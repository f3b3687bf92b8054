"""Lookups by the using departments' staff (Art. 13): by holder, and the stamp of a printout.

`by_holder` is the body-only search (the holder's number never travels in a URL, never
reaches a log: the verifier audits its keyed hash); `stamp` says who looked a certificate up,
for which department, when and for what, so that the staff page's printout (an annotated copy
for the file, 仅供…使用) carries it. Both take the Platform and the Actor like every service.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from audit_log.actor import Actor
from formats.chinatime import beijing_text
from verifier import lookup as vlookup

if TYPE_CHECKING:
    from ecert.platform import Platform


@dataclass(frozen=True)
class Stamp:
    """What a printed lookup is stamped with."""

    looked_up_by: str
    """The operator as the audit log names them (`姓名（岗位）#id`)."""
    department: str
    department_code: str | None
    at: dt.datetime
    at_text: str
    """`at` in Beijing time, the zone named."""
    purpose: str
    use_only: str
    """`仅供「purpose」使用`: the copy is for that purpose only."""


def stamp(p: Platform, actor: Actor, purpose: str | None, at: dt.datetime) -> Stamp:
    clean = vlookup.normalise_purpose(purpose)
    name = actor.dept_code or ""
    if actor.dept_code:
        with p.store.transaction() as uow:
            dept = uow.departments.find(actor.dept_code)
            name = dept.name if dept else actor.dept_code
    return Stamp(actor.name, name, actor.dept_code, at, beijing_text(at), clean,
                 f"仅供「{clean}」使用，他用无效")


@dataclass(frozen=True)
class Found:
    results: tuple[vlookup.LookupResult, ...]
    stamp: Stamp


def by_holder(p: Platform, actor: Actor, holder_code: str, type_code: str | None,
              purpose: str | None) -> Found:
    """The holder's current certificates the caller may read for `purpose` (of one type, or
    of every granted type); each one returned is audited, refusals too."""
    now = p.now()
    found = vlookup.lookup_by_holder(p.store, actor, holder_code, type_code, purpose or "",
                                     now, audit=p.audit)
    with p.store.transaction() as uow:
        p.after_write(uow)
    return Found(found, stamp(p, actor, purpose, now))
