"""Departments, platform PKI certificates, catalog, tokens, counters and idempotency keys."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from certificate_store.errors import Conflict, NotFound
from certificate_store.models.core import (
    ApiToken,
    CertificateType,
    CrlState,
    Department,
    DepartmentSeal,
    IdempotencyKey,
    PkiCertificate,
    SerialCounter,
)
from certificate_store.records import (
    CertificateTypeRecord,
    DepartmentRecord,
    PkiCertRecord,
    TokenRecord,
)
from certificate_store.repos._convert import to_record


class DepartmentRepo:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, code: str, name: str, supervisor_code: str | None, now: dt.datetime) -> DepartmentRecord:
        if self._s.get(Department, code) is not None:
            raise Conflict(f"department {code} exists")
        row = Department(code=code, name=name, supervisor_code=supervisor_code, active=True,
                         created_at=now)
        self._s.add(row)
        self._s.flush()
        return to_record(row, DepartmentRecord)

    def get(self, code: str) -> DepartmentRecord:
        row = self._s.get(Department, code)
        if row is None:
            raise NotFound(f"department {code}")
        return to_record(row, DepartmentRecord)

    def find(self, code: str) -> DepartmentRecord | None:
        row = self._s.get(Department, code)
        return None if row is None else to_record(row, DepartmentRecord)

    def all_departments(self) -> list[DepartmentRecord]:
        rows = self._s.scalars(select(Department).order_by(Department.code))
        return [to_record(r, DepartmentRecord) for r in rows]

    def set_successor(self, code: str, successor: str) -> None:
        row = self._s.get(Department, code)
        if row is None:
            raise NotFound(f"department {code}")
        row.successor_code = successor
        row.active = False

    def predecessors(self, code: str) -> frozenset[str]:
        """Every department whose certificates `code` now maintains (Art. 9 para 2)."""
        found: set[str] = set()
        frontier = {code}
        while frontier:
            rows = self._s.scalars(select(Department.code).where(
                Department.successor_code.in_(frontier))).all()
            frontier = set(rows) - found - {code}
            found |= frontier
        return frozenset(found)

    def seal(self, code: str) -> bytes | None:
        """The department's uploaded seal PNG, or None (a seal is then drawn)."""
        row = self._s.get(DepartmentSeal, code)
        return None if row is None else row.png

    def set_seal(self, code: str, png: bytes, sha256: str, by: str, now: dt.datetime) -> None:
        """Keep ``png`` as the department's seal (replacing any earlier one)."""
        if self._s.get(Department, code) is None:
            raise NotFound(f"department {code}")
        row = self._s.get(DepartmentSeal, code)
        if row is None:
            self._s.add(DepartmentSeal(dept_code=code, png=png, sha256=sha256, uploaded_at=now,
                                       uploaded_by=by))
        else:
            row.png, row.sha256, row.uploaded_at, row.uploaded_by = png, sha256, now, by
        self._s.flush()

    def current_holder(self, code: str) -> str:
        """Follow succession links to the department that now acts for `code`."""
        seen = {code}
        row = self._s.get(Department, code)
        while row is not None and row.successor_code:
            if row.successor_code in seen:  # a cycle would be a data error; stop rather than loop
                break
            seen.add(row.successor_code)
            row = self._s.get(Department, row.successor_code)
        return row.code if row is not None else code


def _pki(row: PkiCertificate) -> PkiCertRecord:
    return to_record(row, PkiCertRecord, serial=int(row.serial))


class PkiRepo:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, *, kind: str, dept_code: str | None, key_label: str, serial: int, x5t_s256: str,
            der: bytes, not_before: dt.datetime, not_after: dt.datetime, now: dt.datetime) -> PkiCertRecord:
        row = PkiCertificate(kind=kind, dept_code=dept_code, key_label=key_label, serial=str(serial),
                             x5t_s256=x5t_s256, der=der, not_before=not_before,
                             not_after=not_after, state="active", created_at=now)
        self._s.add(row)
        self._s.flush()
        return _pki(row)

    def active(self, kind: str, dept_code: str | None = None) -> PkiCertRecord | None:
        q = select(PkiCertificate).where(PkiCertificate.kind == kind,
                                         PkiCertificate.state == "active")
        if dept_code is not None:
            q = q.where(PkiCertificate.dept_code == dept_code)
        row = self._s.scalars(q.order_by(PkiCertificate.id.desc()).limit(1)).first()
        return None if row is None else _pki(row)

    def by_serial(self, serial: int) -> PkiCertRecord | None:
        row = self._s.scalars(select(PkiCertificate).where(PkiCertificate.serial == str(serial))).first()
        return None if row is None else _pki(row)

    def by_thumbprint(self, x5t_s256: str) -> PkiCertRecord | None:
        row = self._s.scalars(select(PkiCertificate).where(PkiCertificate.x5t_s256 == x5t_s256)).first()
        return None if row is None else _pki(row)

    def certs(self, kind: str | None = None, dept_code: str | None = None) -> list[PkiCertRecord]:
        q = select(PkiCertificate)
        if kind is not None:
            q = q.where(PkiCertificate.kind == kind)
        if dept_code is not None:
            q = q.where(PkiCertificate.dept_code == dept_code)
        # current (active) first, then newest first
        rows = self._s.scalars(q.order_by((PkiCertificate.state != "active"), PkiCertificate.id.desc()))
        return [_pki(r) for r in rows]

    def revoked(self) -> list[PkiCertRecord]:
        rows = self._s.scalars(select(PkiCertificate).where(PkiCertificate.state == "revoked")
                               .order_by(PkiCertificate.id))
        return [_pki(r) for r in rows]

    def retire(self, serial: int) -> None:
        self._s.execute(update(PkiCertificate).where(PkiCertificate.serial == str(serial),
                                                     PkiCertificate.state == "active")
                        .values(state="retired"))

    def revoke(self, serial: int, reason: str, at: dt.datetime) -> None:
        row = self._s.scalars(select(PkiCertificate).where(PkiCertificate.serial == str(serial))).first()
        if row is None:
            raise NotFound(f"certificate serial {serial}")
        if row.state == "revoked":
            raise Conflict("already revoked")
        row.state, row.revoked_at, row.revocation_reason = "revoked", at, reason

    def next_crl_number(self, ca_name: str, now: dt.datetime) -> int:
        """Strictly increasing CRL numbers, even across processes (row lock)."""
        row = self._s.scalars(select(CrlState).where(CrlState.ca_name == ca_name)
                              .with_for_update()).first()
        if row is None:
            row = CrlState(ca_name=ca_name, last_number=0)
            self._s.add(row)
        row.last_number += 1
        row.last_issued_at = now
        self._s.flush()
        return row.last_number


class CounterRepo:
    def __init__(self, session: Session) -> None:
        self._s = session

    def next(self, name: str) -> int:
        """Take the next value of a named counter under a row lock (no duplicates across workers)."""
        return self.take(name, 1)

    def take(self, name: str, n: int) -> int:
        """Take `n` consecutive values in one update; returns the first (row lock as `next`)."""
        if n < 1:
            raise ValueError("take at least one value")
        row = self._s.scalars(select(SerialCounter).where(SerialCounter.name == name)
                              .with_for_update()).first()
        if row is None:
            try:
                with self._s.begin_nested():
                    self._s.add(SerialCounter(name=name, next_value=1))
            except IntegrityError:
                pass  # another worker created it first
            row = self._s.scalars(select(SerialCounter).where(SerialCounter.name == name)
                                  .with_for_update()).one()
        value = row.next_value
        row.next_value = value + n
        self._s.flush()
        return value


class CatalogRepo:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, *, type_code: str, name: str, defining_dept: str, definition: str,
            now: dt.datetime) -> CertificateTypeRecord:
        latest = self.latest(type_code)
        version = 1 if latest is None else latest.version + 1
        row = CertificateType(type_code=type_code, version=version, name=name,
                              defining_dept=defining_dept, definition=definition, created_at=now)
        self._s.add(row)
        self._s.flush()
        return to_record(row, CertificateTypeRecord)

    def latest(self, type_code: str) -> CertificateTypeRecord | None:
        row = self._s.scalars(select(CertificateType).where(CertificateType.type_code == type_code)
                              .order_by(CertificateType.version.desc()).limit(1)).first()
        return None if row is None else to_record(row, CertificateTypeRecord)

    def get(self, type_code: str, version: int) -> CertificateTypeRecord:
        row = self._s.scalars(select(CertificateType).where(
            CertificateType.type_code == type_code, CertificateType.version == version)).first()
        if row is None:
            raise NotFound(f"certificate type {type_code} v{version}")
        return to_record(row, CertificateTypeRecord)

    def list_latest(self) -> list[CertificateTypeRecord]:
        rows = self._s.scalars(select(CertificateType).order_by(CertificateType.type_code,
                                                                CertificateType.version.desc()))
        out: dict[str, CertificateTypeRecord] = {}
        for r in rows:
            out.setdefault(r.type_code, to_record(r, CertificateTypeRecord))
        return list(out.values())


class TokenRepo:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, *, token_hash: str, prefix: str, role: str, dept_code: str | None,
            holder_hash: str | None, label: str, now: dt.datetime, expires_at: dt.datetime,
            operator_id: int | None = None) -> TokenRecord:
        row = ApiToken(token_hash=token_hash, prefix=prefix, role=role, dept_code=dept_code,
                       operator_id=operator_id,
                       holder_hash=holder_hash, label=label, created_at=now, expires_at=expires_at)
        self._s.add(row)
        self._s.flush()
        return to_record(row, TokenRecord)

    def by_hash(self, token_hash: str) -> TokenRecord | None:
        row = self._s.scalars(select(ApiToken).where(ApiToken.token_hash == token_hash)).first()
        return None if row is None else to_record(row, TokenRecord)

    def all_tokens(self) -> list[TokenRecord]:
        return [to_record(r, TokenRecord) for r in self._s.scalars(select(ApiToken).order_by(ApiToken.id))]

    def revoke(self, token_id: int, now: dt.datetime) -> TokenRecord:
        row = self._s.get(ApiToken, token_id)
        if row is None:
            raise NotFound(f"token {token_id}")
        if row.revoked_at is None:
            row.revoked_at = now
        return to_record(row, TokenRecord)


class IdempotencyRepo:
    def __init__(self, session: Session) -> None:
        self._s = session

    def get(self, dept_code: str, key: str) -> tuple[str, dict[str, object]] | None:
        row = self._s.get(IdempotencyKey, (dept_code, key))
        return None if row is None else (row.request_hash, json.loads(row.response))

    def put(self, dept_code: str, key: str, request_hash: str, response: dict[str, object],
            now: dt.datetime) -> None:
        self._s.add(IdempotencyKey(dept_code=dept_code, key=key, request_hash=request_hash,
                                   response=json.dumps(response, ensure_ascii=False), created_at=now))
        self._s.flush()
