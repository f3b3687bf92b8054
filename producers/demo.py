"""Demo data for `ecert demo`: departments, the producers' catalog types and certificates
in every state (valid, changed, suspended, revoked, cancelled, expired).

Department enrolment (keys, certificates) lives with the lead's code, so the caller passes
`enrol_department(code, name)`; it is called only for departments not yet enrolled. Running
`seed_demo` twice issues nothing twice (source keys) and moves nothing twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from audit_log.actor import Actor
from formats.chinatime import china_date
from formats.record import canonical_bytes
from issuer.catalog import CatalogService
from issuer.issuance import IssuanceService
from producers import ALL
from producers._common import DEPARTMENTS, issuer_actor

STATES = ("valid", "changed", "suspended", "revoked", "cancelled", "expired")
_PLAN = ("changed", "suspended", "revoked", "cancelled", "expired")  # the rest stay valid
DEMO_ADMIN = Actor(name="demo", role="admin")


@dataclass(frozen=True)
class DemoResult:
    departments: Mapping[str, str]  # key -> USCC
    types: tuple[str, ...]
    by_state: Mapping[str, tuple[str, ...]]  # state -> identifiers (current version)
    issued: int = 0
    skipped: int = 0
    notes: tuple[str, ...] = field(default=())


def _change_patch(definition: Mapping[str, Any], fields: Mapping[str, Any]) -> dict[str, Any]:
    props = definition["fields"]["properties"]
    for name in definition["fields"].get("required", []):
        p = props[name]
        if p.get("type") == "integer" and "maximum" not in p:
            return {"fields": {name: int(fields[name]) + 1}}
    for name in definition["fields"].get("required", []):
        p = props[name]
        if p.get("type") == "string" and "enum" not in p and "format" not in p:
            return {"fields": {name: f"{fields[name]}（变更）"}}
    return {}


def seed_demo(issuance: IssuanceService, catalog: CatalogService,
              enrol_department: Callable[[str, str], object], now: dt.datetime,
              per_type: int = 6) -> DemoResult:
    store = issuance.store
    with store.transaction() as uow:
        missing = [(code, name) for code, name in DEPARTMENTS.values()
                   if uow.departments.find(code) is None]
    for code, name in missing:
        enrol_department(code, name)
    types: list[str] = []
    with store.transaction() as uow:
        for mod in ALL:
            latest = uow.catalog.latest(mod.TYPE_CODE)
            if latest is None or latest.definition != canonical_bytes(mod.DEFINITION).decode():
                catalog.add(uow, mod.DEFINITION, DEMO_ADMIN, now)
            types.append(mod.TYPE_CODE)
    by_state: dict[str, list[str]] = {s: [] for s in STATES}
    issued = skipped = 0
    today = china_date(now)
    for mod in ALL:
        actor = issuer_actor(mod.DEPT)
        for i, event in enumerate(mod.sample_events(per_type)):
            plan = _PLAN[i] if i < len(_PLAN) else "valid"
            data, sk = mod.to_request(event)
            if plan == "expired":
                data = {**data, "valid_from": (today - dt.timedelta(days=400)).isoformat(),
                        "valid_to": (today - dt.timedelta(days=3)).isoformat()}
            r = issuance.issue(actor, mod.TYPE_CODE, data, now, source_key=sk)
            if r.skipped:
                skipped += 1
                view = issuance.get(actor, r.identifier)
                by_state[_state_of(view.status, view.version)].append(view.identifier)
                continue
            issued += 1
            ident = r.identifier
            if plan == "changed":
                patch = _change_patch(mod.DEFINITION, r.record["fields"])
                ident = issuance.change(actor, ident, patch, "信息变更（演示）", now).identifier
            elif plan == "suspended":
                issuance.transition(actor, ident, "suspend", "涉嫌违规，暂停使用（演示）", now)
            elif plan == "revoked":
                issuance.transition(actor, ident, "revoke", "违法违规，依法吊销（演示）", now)
            elif plan == "cancelled":
                issuance.transition(actor, ident, "cancel", "持证主体申请注销（演示）", now)
            by_state[plan].append(ident)
    issuance.lapse_due(now)
    return DemoResult(departments={k: v[0] for k, v in DEPARTMENTS.items()}, types=tuple(types),
                      by_state={k: tuple(v) for k, v in by_state.items()}, issued=issued,
                      skipped=skipped)


def _state_of(status: str, version: int) -> str:
    return {"01": "changed" if version > 1 else "valid", "02": "suspended", "07": "revoked",
            "03": "revoked", "04": "cancelled", "05": "expired", "06": "cancelled"}.get(
                status, "valid")
