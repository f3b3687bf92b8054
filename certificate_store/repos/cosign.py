"""Co-signatures: further departments' signatures of a version's record."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from certificate_store.models.certificates import CoSignature
from certificate_store.records import CoSignatureRecord


def _rec(r: CoSignature) -> CoSignatureRecord:
    return CoSignatureRecord(certificate_id=r.certificate_id, version=r.version,
                             dept_code=r.dept_code, jws=r.jws, sha256=r.sha256,
                             signing_cert=r.signing_cert, created_at=r.created_at)


class CoSignatureRepo:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, *, certificate_id: int, version: int, dept_code: str, jws: str, sha256: str,
            signing_cert: str, now: dt.datetime) -> CoSignatureRecord:
        row = CoSignature(certificate_id=certificate_id, version=version, dept_code=dept_code,
                          jws=jws, sha256=sha256, signing_cert=signing_cert, created_at=now)
        self._s.add(row)
        self._s.flush()
        return _rec(row)

    def for_version(self, certificate_id: int, version: int) -> list[CoSignatureRecord]:
        rows = self._s.scalars(select(CoSignature).where(
            CoSignature.certificate_id == certificate_id, CoSignature.version == version)
            .order_by(CoSignature.id)).all()
        return [_rec(r) for r in rows]
