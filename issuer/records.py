"""What the issuer needs of the audit log, as a protocol.

The signed record, the QR claim set and their canonical bytes are wire formats
(`formats.record`, `formats.qr`); signing goes through `ca.jws.sign_jws` with a `ca`
`Signer`, so no key material is seen here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Protocol

from certificate_store.db import UnitOfWork


class AuditRecorder(Protocol):
    """What issuer needs of `audit_log.log.AuditLog`: append an entry in the caller's uow."""

    def record(self, uow: UnitOfWork, *, now: dt.datetime, actor: str, actor_dept: str | None,
               role: str, action: str, cert_identifier: str | None, purpose: str | None,
               request_id: str | None, details: Mapping[str, Any]) -> Any: ...
