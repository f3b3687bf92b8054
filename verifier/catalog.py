"""Read-side view of a catalog definition (grants, personal fields, annotated-copy cap).

The issuer package owns catalog definitions; the verifier only reads the parts it needs
from the stored canonical JSON (``CertificateTypeRecord.definition``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from certificate_store import UnitOfWork
from certificate_store.records import CertificateTypeRecord


@dataclass(frozen=True)
class Grant:
    dept: str
    purposes: tuple[str, ...]
    personal: bool
    fields: tuple[str, ...] | None = None
    """The type-specific fields this grant shows (``None``: all of them)."""


@dataclass(frozen=True)
class TypeView:
    type_code: str
    version: int
    name: str
    personal: frozenset[str]
    grants: tuple[Grant, ...]
    annotated_copy_cap: int
    scenarios: tuple[str, ...] | None = None
    """Approved presentation scenarios; None: the definition names none (any, as before)."""
    titles: Mapping[str, str] = field(default_factory=dict)
    """Field key → its label (the schema's ``title``), in the schema's order."""

    def grant_for(self, dept_code: str | None) -> Grant | None:
        return next((g for g in self.grants if g.dept == dept_code), None)


def type_view(rec: CertificateTypeRecord) -> TypeView:
    try:
        d = json.loads(rec.definition)
    except ValueError:
        d = {}
    if not isinstance(d, dict):
        d = {}
    grants = []
    for g in d.get("grants") or ():
        if isinstance(g, dict) and isinstance(g.get("dept"), str):
            purposes = tuple(p for p in g.get("purposes") or () if isinstance(p, str) and p)
            grants.append(Grant(g["dept"], purposes, g.get("personal") is True, _shown(g)))
    personal = frozenset(p for p in d.get("personal") or () if isinstance(p, str))
    cap = d.get("annotated_copy_cap", 3)
    raw = d.get("presentation_scenarios")
    return TypeView(
        rec.type_code,
        rec.version,
        rec.name,
        personal,
        tuple(grants),
        cap if isinstance(cap, int) and not isinstance(cap, bool) else 3,
        tuple(x for x in raw if isinstance(x, str)) if isinstance(raw, list) else None,
        MappingProxyType(_titles(d.get("fields"), d.get("face"))),
    )


def _shown(g: Mapping[str, Any]) -> tuple[str, ...] | None:
    shown = g.get("fields")
    return tuple(f for f in shown if isinstance(f, str)) if isinstance(shown, list) else None


def _titles(schema: object, face: object) -> dict[str, str]:
    """Each field's title, in the face's order and then the rest (stored definitions are
    canonical JSON: their keys come sorted, so the schema itself keeps no order)."""
    props = schema.get("properties") if isinstance(schema, Mapping) else None
    if not isinstance(props, Mapping):
        return {}
    rows = face.get("rows") if isinstance(face, Mapping) else None
    first = [str(r.get("field")) for r in rows or () if isinstance(r, Mapping)]
    order = [k for k in first if k in props] + [k for k in props if k not in first]
    return {k: (props[k].get("title") if isinstance(props[k], Mapping)
                and isinstance(props[k].get("title"), str) else k) for k in order}


def purpose_allowed(purpose: str, grant: Grant) -> bool:
    """A stated purpose matches a granted one when it equals it, or begins with it followed by
    a separator (``行政审批：某某事项``); ``*`` grants any purpose."""
    for p in grant.purposes:
        if p == "*" or purpose == p:
            return True
        if purpose.startswith(p) and purpose[len(p) : len(p) + 1] in (":", "：", " ", "-", "/"):
            return True
    return False


def granted(uow: UnitOfWork, view: TypeView, dept_code: str | None, purpose: str) -> Grant | None:
    """The grant under which `dept_code` may use the type for `purpose`, or None.

    Art. 9 para 2: grants made to departments that `dept_code` succeeded are its own now (a
    personal one preferred when several match); a department that has itself been succeeded
    holds none.
    """
    matching = [g for g in grants_held(uow, view, dept_code) if purpose_allowed(purpose, g)]
    return max(matching, key=lambda g: g.personal, default=None)


def grants_held(uow: UnitOfWork, view: TypeView, dept_code: str | None) -> tuple[Grant, ...]:
    """The type's grants `dept_code` holds, for any purpose: its own and its predecessors'.

    The grants in force are those of the type's latest (approved) version, whichever version
    a certificate was issued under: a grant the authority approves, or withdraws by approving a
    version without it, applies to every certificate of the type (issue 13)."""
    if dept_code is None:
        return ()
    latest = uow.catalog.latest(view.type_code)
    if latest is not None and latest.version != view.version:
        view = type_view(latest)
    dept = uow.departments.find(dept_code)
    if dept is None or not dept.active or dept.successor_code:
        return ()
    codes = {dept_code} | uow.departments.predecessors(dept_code)
    return tuple(g for g in view.grants if g.dept in codes)
