"""What documents need from the platform PKI to sign (``authority.pki.PlatformPki`` provides
it): the key that signs for a department now, its chain, the TSA and revocation data."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from ca.signer import Signer
from certificate_store.db import UnitOfWork

__all__ = ["SigningKeyLike", "SigningMaterialLike", "SigningMaterialSource"]


class SigningKeyLike(Protocol):
    @property
    def signer(self) -> Signer: ...
    @property
    def cert_der(self) -> bytes: ...


class SigningMaterialLike(Protocol):
    """Everything a PAdES B-LT/B-LTA signature needs, without network access."""

    @property
    def key(self) -> SigningKeyLike: ...
    @property
    def chain_ders(self) -> tuple[bytes, ...]: ...
    @property
    def root_der(self) -> bytes: ...
    @property
    def timestamper(self) -> object:
        """A pyHanko ``TimeStamper`` (``ca.tsa.InProcessTimeStamper``)."""
        ...
    @property
    def ocsp_responses(self) -> tuple[bytes, ...]:
        """For the department certificate (and the TSA certificate, if it has AIA)."""
        ...
    @property
    def crls(self) -> tuple[bytes, ...]: ...


class SigningMaterialSource(Protocol):
    def signing_material(self, uow: UnitOfWork, dept_code: str,
                         now: dt.datetime) -> SigningMaterialLike:
        """The key that signs for ``dept_code`` now (its successor's after a merger)."""
        ...
