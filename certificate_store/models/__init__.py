"""ORM tables. Every module is imported here so that `Base.metadata` is complete."""

from certificate_store.models import (
    audit,
    certificates,
    core,
    evidence,
    operators,
    outbox,
    pdfarchives,
    pdfjobs,
    proposals,
)
from certificate_store.models.base import Base

__all__ = ["Base", "audit", "certificates", "core", "evidence", "operators", "outbox",
           "pdfarchives", "pdfjobs", "proposals"]
