"""Revocation vocabulary shared by CRLs and OCSP (RFC 5280 §5.3.1)."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

__all__ = ["Reason", "Revoked"]


class Reason(enum.Enum):
    """CRLReason codes. ``UNSPECIFIED`` is encoded by omitting the reason."""

    UNSPECIFIED = 0
    KEY_COMPROMISE = 1
    CA_COMPROMISE = 2
    AFFILIATION_CHANGED = 3
    SUPERSEDED = 4
    CESSATION_OF_OPERATION = 5
    CERTIFICATE_HOLD = 6
    REMOVE_FROM_CRL = 8
    PRIVILEGE_WITHDRAWN = 9
    AA_COMPROMISE = 10

    @property
    def asn1_name(self) -> str:
        """The asn1crypto name (``key_compromise`` …)."""
        return self.name.lower()


@dataclass(frozen=True)
class Revoked:
    """One revoked certificate: serial, when, and why."""

    serial: int
    revoked_at: dt.datetime
    reason: Reason = Reason.UNSPECIFIED
