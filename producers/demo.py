"""The demo run of the producers: each department's system, over the public HTTP API, adds its
catalog type and issues its sample certificates, then moves some of them so the demo shows
every state (valid, changed, suspended, revoked, cancelled, expired).

Nothing here touches the platform in-process: `run_producers` gets one
:class:`producers.client.PlatformClient` per department (its own issuer token). Rerunning it
issues nothing twice (the Idempotency-Key of a sample is derived from its case number) and
moves nothing twice (a certificate already moved is left as it is).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from producers import ALL
from producers._common import DEPARTMENTS
from producers.client import PlatformClient

STATES = ("valid", "changed", "suspended", "revoked", "cancelled", "expired")
_PLAN = ("changed", "suspended", "revoked", "cancelled", "expired")  # the rest stay valid
_MOVES = {"suspended": ("suspend", "涉嫌违规，暂停使用（演示）"),
          "revoked": ("revoke", "违法违规，依法吊销（演示）"),
          "cancelled": ("cancel", "持证主体申请注销（演示）")}
# An expired sample's validity: wholly in the past, fixed so that a rerun sends the same body.
EXPIRED = {"valid_from": "2024-01-01", "valid_to": "2024-12-31"}


@dataclass(frozen=True)
class DemoResult:
    departments: Mapping[str, str]  # key -> USCC
    types: tuple[str, ...]
    by_state: Mapping[str, tuple[str, ...]]  # state -> identifiers (current version)
    issued: int = 0
    skipped: int = 0
    notes: tuple[str, ...] = field(default=())


def producer_departments() -> dict[str, str]:
    """key -> USCC of every department whose system issues in the demo."""
    keys = [mod.DEPT for mod in ALL] + [m.CO_DEPT for m in ALL if hasattr(m, "CO_DEPT")]
    return {key: DEPARTMENTS[key][0] for key in keys}


def run_producers(clients: Mapping[str, PlatformClient], per_type: int = 6,
                  authority: PlatformClient | None = None) -> DemoResult:
    """`clients[key]`: the client of department `key` (see `producer_departments`);
    `authority`: the supervising authority's client, which approves each department's
    proposed type (a type not yet in force needs it)."""
    by_state: dict[str, list[str]] = {s: [] for s in STATES}
    issued = skipped = 0
    types = []
    for mod in ALL:
        client = clients[mod.DEPT]
        proposal = client.define_type(mod.DEFINITION)
        if proposal is not None:
            if authority is None:
                raise ValueError(f"{mod.TYPE_CODE} awaits the authority's approval")
            authority.approve(proposal)
        types.append(mod.TYPE_CODE)
        for i, event in enumerate(mod.sample_events(per_type)):
            plan = _PLAN[i] if i < len(_PLAN) else "valid"
            co = clients[mod.CO_DEPT] if hasattr(mod, "CO_DEPT") else None
            state, ident, fresh = _run_one(client, co, mod, event, plan)
            by_state[state].append(ident)
            issued, skipped = issued + fresh, skipped + (not fresh)
    return DemoResult(departments={k: v[0] for k, v in DEPARTMENTS.items()}, types=tuple(types),
                      by_state={k: tuple(v) for k, v in by_state.items()}, issued=issued,
                      skipped=skipped)


def _run_one(client: PlatformClient, co: PlatformClient | None, mod: Any, event: Any,
             plan: str) -> tuple[str, str, bool]:
    """Issue one sample (co-signed by the co-signing department's own system, if its type has
    one) and move it as planned: (state, current identifier, newly issued)."""
    data, case_no = mod.to_request(event)
    if plan == "expired":
        data = {**data, **EXPIRED}
    issued = client.issue(mod.TYPE_CODE, data, idempotency_key=f"demo:{mod.TYPE_CODE}:{case_no}")
    current = client.get(issued.identifier)
    if current["version"] > 1 or current["status"] != "01" or current["events"][1:]:
        return _state_of(current), str(current["identifier"]), False
    ident = issued.identifier
    if plan == "changed":
        patch, reason = mod.change_of(event)
        ident = client.change(ident, patch, reason).identifier
    if co is not None:
        co.cosign(ident)  # each version is signed by both departments
    if plan in _MOVES:
        client.move(ident, *_MOVES[plan])
    elif plan == "expired":
        return "expired", ident, True  # lapsed by the platform's housekeeping
    return plan, ident, True


def _state_of(view: Mapping[str, Any]) -> str:
    status, version = view["status"], int(view["version"])
    valid_to = view.get("valid_to")
    if status == "01" and valid_to and str(valid_to) < dt.date.today().isoformat():
        return "expired"
    return {"01": "changed" if version > 1 else "valid", "02": "suspended", "07": "revoked",
            "03": "revoked", "04": "cancelled", "05": "expired", "06": "cancelled"}.get(
                status, "valid")
