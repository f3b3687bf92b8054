"""Evidence attachments of objections: metadata listed, bytes read one at a time."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from certificate_store.errors import NotFound
from certificate_store.models.evidence import ObjectionEvidence
from certificate_store.records import EvidenceRecord
from certificate_store.repos._convert import to_record


class EvidenceRepo:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, *, objection_id: int, filename: str, content_type: str, data: bytes,
            sha256: str, by: str, now: dt.datetime) -> EvidenceRecord:
        row = ObjectionEvidence(objection_id=objection_id, filename=filename,
                                content_type=content_type, size=len(data), sha256=sha256,
                                data=data, uploaded_at=now, uploaded_by=by)
        self._s.add(row)
        self._s.flush()
        return to_record(row, EvidenceRecord)

    def count(self, objection_id: int) -> int:
        return int(self._s.scalar(select(func.count()).select_from(ObjectionEvidence).where(
            ObjectionEvidence.objection_id == objection_id)) or 0)

    def for_objections(self, objection_ids: list[int]) -> dict[int, list[EvidenceRecord]]:
        """Metadata (never the bytes) of the attachments of each objection, in upload order."""
        out: dict[int, list[EvidenceRecord]] = {i: [] for i in objection_ids}
        if not objection_ids:
            return out
        cols = [getattr(ObjectionEvidence, n) for n in EvidenceRecord.__dataclass_fields__]
        rows = self._s.execute(select(*cols).where(
            ObjectionEvidence.objection_id.in_(objection_ids)).order_by(ObjectionEvidence.id))
        for r in rows:
            rec = EvidenceRecord(*r)
            out[rec.objection_id].append(rec)
        return out

    def get(self, evidence_id: int) -> tuple[EvidenceRecord, bytes]:
        row = self._s.get(ObjectionEvidence, evidence_id)
        if row is None:
            raise NotFound(f"evidence {evidence_id}")
        return to_record(row, EvidenceRecord), row.data
