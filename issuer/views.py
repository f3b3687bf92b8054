"""What the issuing side returns, and the key source it needs: plain frozen results."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from ca.signer import Signer
from certificate_store.db import UnitOfWork


class SigningKeyLike(Protocol):
    @property
    def signer(self) -> Signer: ...
    @property
    def cert_der(self) -> bytes: ...
    @property
    def x5t_s256(self) -> str: ...


class DepartmentKeys(Protocol):
    """Resolves the key that signs for a department now (`authority.pki.PlatformPki` offers it;
    it follows succession itself, and so do we)."""

    def signing_key(self, uow: UnitOfWork, dept_code: str) -> SigningKeyLike: ...


@dataclass(frozen=True)
class IssuedCertificate:
    identifier: str
    base_identifier: str
    version: int
    status: str
    sha256: str
    jws: str
    record: Mapping[str, Any]
    skipped: bool = False  # an import found the source_key already issued


@dataclass(frozen=True)
class VersionSummary:
    identifier: str
    version: int
    sha256: str
    signing_cert: str
    change_reason: str | None
    created_at: dt.datetime
    superseded_at: dt.datetime | None


@dataclass(frozen=True)
class EventSummary:
    at: dt.datetime
    event: str
    from_status: str | None
    to_status: str
    version: int
    reason: str
    actor: str
    actor_dept: str | None
    sha256: str


@dataclass(frozen=True)
class PdfState:
    """A PDF of the current version withheld for want of a time stamp (issue 12), or signed
    after such a wait: ``state`` pending | signed | obsolete."""

    what: str
    state: str
    attempts: int
    last_error: str
    since: dt.datetime
    next_attempt_at: dt.datetime | None
    completed_at: dt.datetime | None


@dataclass(frozen=True)
class CertificateView:
    identifier: str
    base_identifier: str
    type_code: str
    issuer_code: str
    acting_dept: str  # the issuer or its successor
    status: str
    verdict: str
    version: int
    valid_from: dt.date | None
    valid_to: dt.date | None
    record: Mapping[str, Any]
    jws: str
    sha256: str
    row_version: int
    versions: tuple[VersionSummary, ...]
    events: tuple[EventSummary, ...]
    pdf: tuple[PdfState, ...] = ()
    """Time-stamp waits of this version's PDFs (empty: none ever waited)."""
