"""Reconciliation (对账) between a department's own register and the central library."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from certificate_store.db import UnitOfWork
from issuer.errors import InvalidCertificateData, NotFound


@dataclass(frozen=True)
class HashMismatch:
    identifier: str
    store_sha256: str
    department_sha256: str


@dataclass(frozen=True)
class ReconcileReport:
    dept_code: str
    compared: int
    matched: int
    missing_in_store: tuple[str, ...]  # the department has it, the library does not
    missing_in_department: tuple[str, ...]  # the library has it, the department did not list it
    hash_differs: tuple[HashMismatch, ...]

    @property
    def ok(self) -> bool:
        return not (self.missing_in_store or self.missing_in_department or self.hash_differs)


def reconcile(uow: UnitOfWork, dept_code: str, items: Iterable[Mapping[str, str]],
              current_only: bool = True) -> ReconcileReport:
    """Compare `[{identifier, sha256}]` with the versions the library holds for `dept_code`.

    With `current_only` (default) only current versions are expected from the department;
    superseded versions it lists are still matched by identifier and hash.
    """
    if uow.departments.find(dept_code) is None:
        raise NotFound(f"no department {dept_code}")
    theirs: dict[str, str] = {}
    errors = []
    for i, it in enumerate(items):
        ident, digest = it.get("identifier"), it.get("sha256")
        if not isinstance(ident, str) or not isinstance(digest, str):
            errors.append({"field": f"items[{i}]", "message": "needs identifier and sha256"})
            continue
        theirs[ident.strip()] = digest.strip().lower()
    if errors:
        raise InvalidCertificateData("对账数据无效 / invalid reconciliation items", errors=errors)
    compared = len(theirs)
    matched = 0
    missing_dept: list[str] = []
    differs: list[HashMismatch] = []
    for v in uow.certificates.iter_versions(issuer_code=dept_code):
        d = theirs.pop(v.identifier, None)
        if d is None:
            if not current_only or v.superseded_at is None:
                missing_dept.append(v.identifier)
            continue
        if d == v.sha256:
            matched += 1
        else:
            differs.append(HashMismatch(v.identifier, v.sha256, d))
    return ReconcileReport(dept_code=dept_code, compared=compared, matched=matched,
                           missing_in_store=tuple(sorted(theirs)),
                           missing_in_department=tuple(missing_dept),
                           hash_differs=tuple(differs))
