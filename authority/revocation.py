"""OCSP and CRLs of the platform PKI (a part of :class:`authority.pki.PlatformPki`).

Certificates the issuing CA made: its OCSP responder and its CRL (``/pki/crl/issuing.crl``).
The issuing CA itself (and, on legacy platforms, everything): the root's CRL, pre-signed when
the root is offline (``authority.hierarchy.RootCrlSeries``).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from authority.hierarchy import OFFLINE, REVOCATION_REASONS, RootCrlSeries
from authority.reuse import CrlKeeper, OcspKeeper
from ca import certs as ca_certs
from ca import crl as ca_crl
from ca import ocsp as ca_ocsp
from ca.errors import MalformedRequest
from ca.revocation import Reason, Revoked
from ca.signer import Signer
from certificate_store import UnitOfWork
from certificate_store.records import PkiCertRecord
from formats.errors import NotFound as NotFoundError

__all__ = ["REVOCATION_REASONS", "CA_KINDS", "RevocationServices"]
CA_KINDS = ("root", "issuing")  # their status is the root's CRL's business, not OCSP's


class RevocationServices:
    root_crls: RootCrlSeries
    _crl_kept: CrlKeeper
    _issuing_crl_kept: CrlKeeper
    _ocsp_kept: OcspKeeper

    if TYPE_CHECKING:
        def signer(self, label: str) -> Signer: ...
        def service(self, uow: UnitOfWork, kind: str) -> tuple[Signer, bytes]: ...
        def root(self, uow: UnitOfWork) -> tuple[Signer, bytes]: ...
        def _active(self, uow: UnitOfWork, kind: str) -> PkiCertRecord: ...

    def _status_of(self, uow: UnitOfWork, serial: int) -> ca_ocsp.CertStatusInfo:
        rec = uow.pki.by_serial(serial)
        if rec is None or rec.kind in CA_KINDS:
            return ca_ocsp.CertStatusInfo("unknown")
        if rec.state == "revoked":
            return ca_ocsp.CertStatusInfo("revoked", rec.revoked_at,
                                          REVOCATION_REASONS.get(rec.revocation_reason or "",
                                                                 Reason.UNSPECIFIED))
        return ca_ocsp.CertStatusInfo("good")

    def answer_ocsp(self, uow: UnitOfWork, request_der: bytes, now: dt.datetime) -> bytes:
        """The responder. Without a nonce, the answer is reused while the status holds
        (authority.reuse); with one, it is signed for the caller."""
        signer, der = self.service(uow, "ocsp")
        root_der = self._issuer_cert(uow)

        def sign() -> bytes:
            return ca_ocsp.answer_ocsp_request(request_der, signer, der, root_der,
                                               lambda serial: self._status_of(uow, serial), now)

        try:
            req = ca_ocsp.parse_ocsp_request(request_der)
        except MalformedRequest:
            return sign()  # an unsigned malformedRequest
        if req.nonce is not None:
            return sign()
        return self._ocsp_kept.get(request_der, (der, self._status_of(uow, req.serial)), now,
                                   sign)

    def ocsp_for(self, uow: UnitOfWork, cert_der: bytes, now: dt.datetime) -> bytes:
        """The OCSP answer a PDF embeds for `cert_der` (B-LT): reused like the responder's
        answers while the status holds (authority.reuse), not signed per document."""
        signer, der = self.service(uow, "ocsp")
        root_der = self._issuer_cert(uow)
        serial = ca_certs.describe_cert(cert_der).serial
        status = self._status_of(uow, serial)
        return self._ocsp_kept.get(b"embed:" + cert_der, (der, status), now,
                                   lambda: ca_ocsp.ocsp_response_for(signer, der, root_der,
                                                                     cert_der, status, now))

    def _issuer_cert(self, uow: UnitOfWork) -> bytes:
        rec = uow.pki.active("issuing") or self._active(uow, "root")
        return rec.der

    def _revoked(self, uow: UnitOfWork, kinds: tuple[str, ...] | None,
                 exclude: tuple[str, ...] = ()) -> tuple[Revoked, ...]:
        return tuple(Revoked(r.serial, r.revoked_at or r.created_at,
                             REVOCATION_REASONS.get(r.revocation_reason or "",
                                                    Reason.UNSPECIFIED))
                     for r in uow.pki.revoked()
                     if (kinds is None or r.kind in kinds) and r.kind not in exclude)

    def crl(self, uow: UnitOfWork, now: dt.datetime, hours: int = 24) -> bytes:
        """The root's CRL. Root offline: the pre-signed one valid now (``RootCrlSeries``).
        Root online: signed again only when a revocation happened or the last one nears its
        nextUpdate (authority.reuse): not one root signature per request."""
        root = self._active(uow, "root")
        if root.key_label == OFFLINE:
            return self.root_crls.current(root.der, now)
        root_signer, root_der = self.root(uow)
        legacy = uow.pki.active("issuing") is None and not uow.pki.certs(kind="issuing")
        revoked = self._revoked(uow, None if legacy else ("issuing",))
        return self._signed_crl(uow, "root", root_signer, root_der, revoked, now, hours)

    def issuing_crl(self, uow: UnitOfWork, now: dt.datetime, hours: int = 24) -> bytes:
        """The issuing CA's CRL: every revoked certificate it issued (reused like the root's)."""
        rec = uow.pki.active("issuing")
        if rec is None:
            raise NotFoundError("this platform has no issuing CA (its root signs directly)")
        revoked = self._revoked(uow, None, exclude=CA_KINDS)
        return self._signed_crl(uow, "issuing", self.signer(rec.key_label), rec.der, revoked,
                                now, hours)

    def _signed_crl(self, uow: UnitOfWork, ca: str, signer: Signer, ca_der: bytes,
                    revoked: tuple[Revoked, ...], now: dt.datetime, hours: int) -> bytes:
        validity = dt.timedelta(hours=hours)

        def sign() -> bytes:
            number = uow.pki.next_crl_number(ca, now)
            return ca_crl.build_crl(signer, ca_der, list(revoked), number, now, now + validity)

        keeper = self._crl_kept if ca == "root" else self._issuing_crl_kept
        return keeper.get((ca_der, revoked), now, validity, sign)

