"""Seal images per department (印章图样, uploaded by the department) and specimen faces per
certificate type (样本, Art. 8).

An upload is checked by its content (`issuer.seal.checked_seal_png`), kept re-encoded, and
recorded in the audit log in the same transaction; the next PDF of the department's
certificates carries it (the PDF cache is keyed by the seal's digest, see issuer.documents).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from audit_log.actor import Actor
from ecert.platform import Platform
from issuer.errors import Forbidden, NotFound
from issuer.seal import checked_seal_png

__all__ = ["SealUploaded", "current_seal", "specimen_pdf", "upload_seal"]


@dataclass(frozen=True)
class SealUploaded:
    dept_code: str
    sha256: str
    bytes: int


def upload_seal(p: Platform, actor: Actor, dept_code: str, data: bytes) -> SealUploaded:
    """Keep ``data`` as ``dept_code``'s seal. An issuer uploads its own department's only."""
    code = dept_code.strip().upper()
    if actor.role == "issuer" and actor.dept_code != code:
        raise Forbidden("只能上传本部门的印章图样 / a department uploads its own seal only")
    png = checked_seal_png(data)
    sha = hashlib.sha256(png).hexdigest()
    now = p.now()
    with p.writing() as uow:
        uow.departments.set_seal(code, png, sha, actor.name, now)
        p.audit.record(uow, now=now, actor=actor.name, actor_dept=actor.dept_code,
                       role=actor.role, action="department.seal", request_id=actor.request_id,
                       details={"dept": code, "sha256": sha, "bytes": len(png)})
    return SealUploaded(code, sha, len(png))


def current_seal(p: Platform, dept_code: str) -> bytes:
    with p.store.transaction() as uow:
        png = uow.departments.seal(dept_code.strip().upper())
    if png is None:
        raise NotFound("该部门未上传印章图样 / the department has uploaded no seal")
    return png


def specimen_pdf(p: Platform, type_code: str) -> bytes:
    """The type's specimen face (样本): watermarked, unsigned, cached."""
    now = p.now()
    with p.writing() as uow:  # the first request keeps the rendering in the blob cache
        return p.documents.specimen_pdf(uow, type_code.strip(), now)
