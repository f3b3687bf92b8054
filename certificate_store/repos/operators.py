"""Named operators and the credentials bound to them (Art. 21, 22)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from certificate_store.errors import NotFound
from certificate_store.models.core import ApiToken
from certificate_store.models.operators import Operator, OperatorCredential
from certificate_store.records import OperatorRecord
from certificate_store.repos._convert import to_record

PLACEHOLDER_NAME = "未具名操作员"
PLACEHOLDER_POST = "待登记岗位"


class OperatorRepo:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, *, dept_code: str | None, name: str, post: str, subject: str | None,
            now: dt.datetime, placeholder: bool = False, role: str | None = None
            ) -> OperatorRecord:
        row = Operator(dept_code=dept_code, name=name, post=post, subject=subject, role=role,
                       placeholder=placeholder, active=True, created_at=now)
        self._s.add(row)
        self._s.flush()
        return to_record(row, OperatorRecord)

    def find(self, operator_id: int) -> OperatorRecord | None:
        row = self._s.get(Operator, operator_id)
        return None if row is None else to_record(row, OperatorRecord)

    def get(self, operator_id: int) -> OperatorRecord:
        rec = self.find(operator_id)
        if rec is None:
            raise NotFound(f"no operator {operator_id}")
        return rec

    def by_subject(self, subject: str) -> OperatorRecord | None:
        row = self._s.scalars(select(Operator).where(Operator.subject == subject)).first()
        return None if row is None else to_record(row, OperatorRecord)

    def list(self, dept_code: str | None = None, *, everyone: bool = True) -> list[OperatorRecord]:
        """Operators of `dept_code` (every department's when `everyone` and no code given)."""
        q = select(Operator).order_by(Operator.id)
        if dept_code is not None or not everyone:
            q = q.where(Operator.dept_code == dept_code)
        return [to_record(r, OperatorRecord) for r in self._s.scalars(q)]

    def disable(self, operator_id: int, now: dt.datetime) -> OperatorRecord:
        row = self._s.get(Operator, operator_id, with_for_update=True)
        if row is None:
            raise NotFound(f"no operator {operator_id}")
        if row.active:
            row.active = False
            row.disabled_at = now
            self._s.flush()
        return to_record(row, OperatorRecord)

    def placeholder(self, dept_code: str | None, now: dt.datetime) -> OperatorRecord:
        """The department's placeholder operator, made on first need."""
        row = self._s.scalars(select(Operator).where(
            Operator.dept_code.is_(None) if dept_code is None else Operator.dept_code == dept_code,
            Operator.placeholder.is_(True)).order_by(Operator.id)).first()
        if row is not None:
            return to_record(row, OperatorRecord)
        return self.add(dept_code=dept_code, name=PLACEHOLDER_NAME, post=PLACEHOLDER_POST,
                        subject=None, now=now, placeholder=True)

    def bind_cert(self, serial: int, operator_id: int) -> None:
        self._s.add(OperatorCredential(serial=str(serial), operator_id=operator_id))
        self._s.flush()

    def for_cert(self, serial: int) -> OperatorRecord | None:
        row = self._s.get(OperatorCredential, str(serial))
        return None if row is None else self.find(row.operator_id)

    def token_count(self, operator_id: int) -> int:
        q = select(ApiToken.id).where(ApiToken.operator_id == operator_id,
                                      ApiToken.revoked_at.is_(None))
        return len(self._s.scalars(q).all())

    def assign_unowned_tokens(self, dept_code: str | None, operator_id: int) -> int:
        """Give a department's staff tokens without an operator to `operator_id`."""
        cond = ApiToken.dept_code.is_(None) if dept_code is None else ApiToken.dept_code == dept_code
        res = self._s.execute(update(ApiToken).where(
            cond, ApiToken.operator_id.is_(None), ApiToken.role != "holder"
        ).values(operator_id=operator_id))
        return int(res.rowcount or 0)  # type: ignore[attr-defined]
