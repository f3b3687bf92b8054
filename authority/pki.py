"""The platform PKI at run time: root, issuing CA, TSA, OCSP responder, audit, list-signing
and department keys.

The issuing CA signs every certificate the running platform makes; the root only signs
issuing CAs and its own CRLs, and may be offline (``authority.hierarchy``). Platforms made
before the issuing CA have none: their root signs directly, as it always did (legacy shape).

Certificates live in the store (`uow.pki`), private keys in the key store (files or HSM);
this module joins the two through the ca package's recipes. Every key operation is audited
in the same transaction (Art. 21).
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from dataclasses import dataclass

from audit_log.actor import Actor
from audit_log.log import AuditLog
from authority.hierarchy import OFFLINE, RootCrlSeries, RootOffline
from authority.reuse import CrlKeeper, OcspKeeper
from authority.revocation import CA_KINDS, REVOCATION_REASONS, RevocationServices
from ca import cert_profiles
from ca import certs as ca_certs
from ca import errors as ca_errors
from ca import hierarchy as ca_hierarchy
from ca import tsa as ca_tsa
from ca.errors import HsmUnavailable, KeyNotFound
from ca.keystore import KeyStore
from ca.signer import Signer
from certificate_store import UnitOfWork
from certificate_store.records import DepartmentRecord, PkiCertRecord
from formats.errors import Conflict as StateConflict
from formats.errors import Forbidden
from formats.errors import InvalidInput as InvalidRequest
from formats.errors import NotFound as NotFoundError
from formats.uscc import validate_uscc

PLATFORM_NAME = "西藏自治区电子证照平台"
ROOT_CN = "西藏自治区电子证照根CA"
ISSUING_CN = "西藏自治区电子证照签发CA"
SERVICE_KINDS = ("tsa", "ocsp", "audit", "lists")
CLIENT_CERT_KINDS = ("client-issuer", "client-user")  # departments' mutual-TLS credentials


@dataclass(frozen=True)
class SigningKey:
    """A department's current signing key and certificate."""

    dept_code: str
    signer: Signer
    cert_der: bytes
    x5t_s256: str
    serial: int


@dataclass(frozen=True)
class SigningMaterial:
    """Everything a PAdES B-LT signature needs, without any network access."""

    key: SigningKey
    chain_ders: tuple[bytes, ...]
    root_der: bytes
    timestamper: object  # ca.tsa.InProcessTimeStamper
    ocsp_responses: tuple[bytes, ...]
    crls: tuple[bytes, ...]


def _stamp(now: dt.datetime) -> str:
    # time for operators reading the key directory, random suffix for uniqueness
    return now.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S") + "-" + secrets.token_hex(3)


class PlatformPki(RevocationServices):
    def __init__(self, keys: KeyStore, audit: AuditLog, base_url: str,
                 root_crls: RootCrlSeries | None = None, tsa_url: str = "") -> None:
        self.keys = keys
        self.tsa_url = tsa_url
        """An external RFC 3161 service for PDF time stamps; empty: the platform's own TSA,
        called in-process."""
        self.root_crls = root_crls or RootCrlSeries(None)
        self.audit = audit
        self.base_url = base_url.rstrip("/")
        self._signers: dict[str, Signer] = {}
        self._lock = threading.Lock()
        self._crl_kept = CrlKeeper()
        self._issuing_crl_kept = CrlKeeper()
        self._ocsp_kept = OcspKeeper()

    # -- keys ----------------------------------------------------------------------------
    def signer(self, label: str) -> Signer:
        """Load once per process: re-reading and decrypting a key per signature is slow.

        A key the store records as in use but the key store lacks (an HSM token removed, a
        key file gone) makes the service unavailable (503), not a defect."""
        with self._lock:
            s = self._signers.get(label)
            if s is None:
                try:
                    s = self._signers[label] = self.keys.load(label)
                except KeyNotFound as exc:
                    raise HsmUnavailable("a signing key is missing from the key store") from exc
            return s

    def _new_key(self, label: str) -> Signer:
        with self._lock:
            s = self._signers[label] = self.keys.generate(label)
            return s

    def _record(self, uow: UnitOfWork, kind: str, dept: str | None, label: str, der: bytes,
                now: dt.datetime) -> PkiCertRecord:
        info = ca_certs.describe_cert(der)
        return uow.pki.add(kind=kind, dept_code=dept, key_label=label, serial=info.serial,
                           x5t_s256=info.x5t_s256, der=der, not_before=info.not_before,
                           not_after=info.not_after, now=now)

    # -- platform ------------------------------------------------------------------------
    def initialise(self, uow: UnitOfWork, actor: Actor, now: dt.datetime) -> PkiCertRecord:
        """Create the root, an issuing CA and the TSA, OCSP, audit and list-signing keys if
        absent (idempotent). Here the root key stays with the platform (one machine, the
        demo); `ecert root` keeps it offline instead (:meth:`adopt_issuing_ca`)."""
        root = uow.pki.active("root")
        if root is None:
            root = self.create_root(uow, actor, now)
            signer = self.signer(root.key_label)
            label = f"issuing-{_stamp(now)}"
            key = self._new_key(label)
            req = ca_hierarchy.IssuingRequest(ISSUING_CN, PLATFORM_NAME, key.public_key_der)
            der = ca_hierarchy.issue_issuing_ca(signer, root.der, req, self.base_url, now)
            rec = self._record(uow, "issuing", None, label, der, now)
            self._audit(uow, actor, "pki.issuing.create", now, {"serial": str(rec.serial)})
        return self.initialise_services(uow, actor, now)

    def create_root(self, uow: UnitOfWork, actor: Actor, now: dt.datetime) -> PkiCertRecord:
        label = f"root-{_stamp(now)}"
        signer = self._new_key(label)
        der = cert_profiles.issue_root_ca(signer, ROOT_CN, now, organization=PLATFORM_NAME)
        root = self._record(uow, "root", None, label, der, now)
        self._audit(uow, actor, "pki.root.create", now, {"serial": str(root.serial)})
        return root

    def adopt_issuing_ca(self, uow: UnitOfWork, actor: Actor, now: dt.datetime, *,
                         root_der: bytes, issuing_der: bytes, key_label: str) -> PkiCertRecord:
        """Set up a platform whose root is offline: record the root's certificate (no key)
        and the issuing CA the root signed for ``key_label``'s key, then the services."""
        if uow.pki.active("root") is not None:
            raise StateConflict("this platform already has a root; use a new data dir")
        try:
            ca_certs.verify_chain(issuing_der, root_der, now)
        except ca_errors.CaError as exc:
            raise InvalidRequest(f"the issuing CA does not chain to the root: {exc}") from exc
        if ca_certs.describe_cert(issuing_der).public_key_der != \
                self.signer(key_label).public_key_der:
            raise InvalidRequest("the issuing CA certificate is for another key")
        root = self._record(uow, "root", None, OFFLINE, root_der, now)
        rec = self._record(uow, "issuing", None, key_label, issuing_der, now)
        self._audit(uow, actor, "pki.issuing.adopt", now, {
            "root_serial": str(root.serial), "serial": str(rec.serial)})
        return self.initialise_services(uow, actor, now)

    def initialise_services(self, uow: UnitOfWork, actor: Actor,
                            now: dt.datetime) -> PkiCertRecord:
        root = self._active(uow, "root")
        for kind in SERVICE_KINDS:
            if uow.pki.active(kind) is None:
                self._issue_service(uow, kind, actor, now)
        return root

    def _issue_service(self, uow: UnitOfWork, kind: str, actor: Actor,
                       now: dt.datetime) -> PkiCertRecord:
        root_signer, root_der, _chain = self.issuer(uow)
        label = f"{kind}-{_stamp(now)}"
        key = self._new_key(label)
        if kind == "lists":
            der = ca_hierarchy.issue_list_cert(root_signer, root_der, key.public_key_der,
                                               "电子证照列表签名", self.base_url, None, now,
                                               organization=PLATFORM_NAME)
        elif kind == "tsa":
            der = cert_profiles.issue_tsa_cert(root_signer, root_der, key.public_key_der,
                                               "电子证照时间戳服务", self.base_url, None, now,
                                               organization=PLATFORM_NAME)
        elif kind == "ocsp":
            der = cert_profiles.issue_ocsp_cert(root_signer, root_der, key.public_key_der,
                                                "电子证照OCSP服务", None, now, organization=PLATFORM_NAME)
        else:
            der = cert_profiles.issue_audit_cert(root_signer, root_der, key.public_key_der,
                                                 "电子证照审计日志", self.base_url, None, now,
                                                 organization=PLATFORM_NAME)
        rec = self._record(uow, kind, None, label, der, now)
        self._audit(uow, actor, f"pki.{kind}.create", now, {"serial": str(rec.serial)})
        return rec

    def _active(self, uow: UnitOfWork, kind: str) -> PkiCertRecord:
        rec = uow.pki.active(kind)
        if rec is None:
            raise NotFoundError(f"no active {kind} certificate; run `ecert init`")
        return rec

    def root(self, uow: UnitOfWork) -> tuple[Signer, bytes]:
        """The root's key and certificate; :class:`RootOffline` where the key is elsewhere."""
        rec = self._active(uow, "root")
        if rec.key_label == OFFLINE:
            raise RootOffline()
        return self.signer(rec.key_label), rec.der

    def root_cert(self, uow: UnitOfWork) -> bytes:
        """The root certificate verifiers pin (no key needed)."""
        return self._active(uow, "root").der

    def issuer(self, uow: UnitOfWork) -> tuple[Signer, bytes, tuple[bytes, ...]]:
        """The CA that signs this platform's certificates, its certificate and the chain
        from it up to the root (root last): the issuing CA, or on platforms made before it
        (legacy shape) the root itself."""
        rec = uow.pki.active("issuing")
        if rec is None:
            signer, der = self.root(uow)
            return signer, der, (der,)
        return self.signer(rec.key_label), rec.der, (rec.der, self.root_cert(uow))

    def issuing_cas(self, uow: UnitOfWork) -> tuple[bytes, ...]:
        """Every issuing CA certificate, current or past: the intermediates verifiers need."""
        return tuple(r.der for r in uow.pki.certs(kind="issuing"))

    def list_signer(self, uow: UnitOfWork) -> tuple[Signer, bytes, tuple[bytes, ...]]:
        """Key, certificate and x5c intermediates for the trust and status lists: the
        list-signing key (chain: the issuing CA); legacy platforms without one: the root."""
        rec = uow.pki.active("lists")
        if rec is None:
            signer, der = self.root(uow)
            return signer, der, ()
        _s, issuer_der, chain = self.issuer(uow)
        return self.signer(rec.key_label), rec.der, chain[:-1]

    def service(self, uow: UnitOfWork, kind: str) -> tuple[Signer, bytes]:
        rec = self._active(uow, kind)
        return self.signer(rec.key_label), rec.der

    def renew_ocsp_if_due(self, uow: UnitOfWork, actor: Actor, now: dt.datetime) -> None:
        """OCSP responder certificates carry ocsp-nocheck, so they are short-lived: renew early."""
        rec = uow.pki.active("ocsp")
        if rec is not None and rec.not_after - now < dt.timedelta(days=30):
            uow.pki.retire(rec.serial)
            self._issue_service(uow, "ocsp", actor, now)

    # -- departments ---------------------------------------------------------------------
    def enrol_department(self, uow: UnitOfWork, *, code: str, name: str,
                         supervisor_code: str | None, actor: Actor,
                         now: dt.datetime) -> DepartmentRecord:
        validate_uscc(code)
        if supervisor_code:
            validate_uscc(supervisor_code)
        if not name.strip() or len(name) > 200:
            raise InvalidRequest("department name must be 1–200 characters")
        if uow.departments.find(code) is not None:
            raise StateConflict(f"department {code} already exists")
        dept = uow.departments.add(code, name.strip(), supervisor_code, now)
        self._issue_department_cert(uow, dept, actor, now)
        self._audit(uow, actor, "department.add", now, {"code": code, "name": name})
        return dept

    def _issue_department_cert(self, uow: UnitOfWork, dept: DepartmentRecord, actor: Actor,
                               now: dt.datetime) -> PkiCertRecord:
        root_signer, root_der, _chain = self.issuer(uow)
        label = f"dept-{dept.code}-{_stamp(now)}"
        key = self._new_key(label)
        der = cert_profiles.issue_department_cert(root_signer, root_der, key.public_key_der,
                                                  dept.name, dept.code, self.base_url, None, now)
        rec = self._record(uow, "department", dept.code, label, der, now)
        self._audit(uow, actor, "key.generate", now,
                    {"dept": dept.code, "serial": str(rec.serial), "x5t#S256": rec.x5t_s256})
        return rec

    def rotate_key(self, uow: UnitOfWork, code: str, actor: Actor, now: dt.datetime,
                   revoke_reason: str | None = None) -> PkiCertRecord:
        """New key and certificate; the old one signs nothing more but stays published.

        The old certificate is revoked only if asked (`superseded`, or `key_compromise`, which
        OCSP and the CRL reflect at once).
        """
        dept = uow.departments.get(code)
        old = uow.pki.active("department", code)
        if revoke_reason is not None and revoke_reason not in REVOCATION_REASONS:
            raise InvalidRequest(f"unknown revocation reason {revoke_reason!r}; "
                                 f"use one of {', '.join(sorted(REVOCATION_REASONS))}")
        if old is not None:
            uow.pki.retire(old.serial)
            if revoke_reason is not None:
                uow.pki.revoke(old.serial, revoke_reason, now)
        new = self._issue_department_cert(uow, dept, actor, now)
        self._audit(uow, actor, "key.rotate", now, {
            "dept": code, "old_serial": str(old.serial) if old else None,
            "new_serial": str(new.serial), "revoked": revoke_reason})
        return new

    def revoke_certificate(self, uow: UnitOfWork, serial: int, reason: str, actor: Actor,
                           now: dt.datetime) -> None:
        if reason not in REVOCATION_REASONS:
            raise InvalidRequest(f"unknown revocation reason {reason!r}")
        rec = uow.pki.by_serial(serial)
        if rec is None:
            raise NotFoundError(f"no certificate with serial {serial}")
        if rec.kind in CA_KINDS:
            raise Forbidden("CA certificates are revoked on the root's machine (`ecert root`)")
        if rec.state == "revoked":
            raise StateConflict("certificate already revoked")
        uow.pki.revoke(serial, reason, now)
        self._audit(uow, actor, "key.revoke", now, {"serial": str(serial), "reason": reason,
                                                    "dept": rec.dept_code})

    def succeed(self, uow: UnitOfWork, old: str, new: str, actor: Actor,
                now: dt.datetime) -> None:
        """Art. 9 para 2: a reorganised department's certificates move to its successor."""
        if old == new:
            raise InvalidRequest("a department cannot succeed itself")
        old_dept, new_dept = uow.departments.get(old), uow.departments.get(new)
        if not new_dept.active:
            raise StateConflict(f"successor {new} is itself merged into another department")
        if old_dept.successor_code:
            raise StateConflict(f"{old} already has successor {old_dept.successor_code}")
        if uow.departments.current_holder(new) == old:
            raise StateConflict("succession would form a cycle")
        uow.departments.set_successor(old, new)
        current = uow.pki.active("department", old)
        if current is not None:  # its old certificates keep verifying; it signs nothing more
            uow.pki.retire(current.serial)
        tokens, certs = self._end_credentials(uow, old, now)
        self._audit(uow, actor, "department.succeed", now, {
            "old": old, "new": new, "tokens_revoked": tokens,
            "client_certs_revoked": [str(s) for s in certs]})

    @staticmethod
    def _end_credentials(uow: UnitOfWork, code: str, now: dt.datetime) -> tuple[int, list[int]]:
        """A predecessor acts no more: revoke its tokens and client certificates (OCSP and the
        CRL say `affiliationChanged`). Authentication checks the department too; this makes
        the end visible in the token list and to relying parties."""
        tokens = [t for t in uow.tokens.all_tokens()
                  if t.dept_code == code and t.revoked_at is None]
        for t in tokens:
            uow.tokens.revoke(t.id, now)
        serials = [c.serial for kind in CLIENT_CERT_KINDS
                   for c in uow.pki.certs(kind=kind, dept_code=code) if c.state != "revoked"]
        for serial in serials:
            uow.pki.revoke(serial, "affiliation_changed", now)
        return len(tokens), serials

    def signing_key(self, uow: UnitOfWork, dept_code: str) -> SigningKey:
        """The key that signs for `dept_code` now: its successor's after a reorganisation."""
        holder = uow.departments.current_holder(dept_code)
        rec = uow.pki.active("department", holder)
        if rec is None:
            raise NotFoundError(f"department {holder} has no active signing key")
        return SigningKey(holder, self.signer(rec.key_label), rec.der, rec.x5t_s256, rec.serial)

    def timestamp(self, uow: UnitOfWork, request_der: bytes, now: dt.datetime) -> bytes:
        signer, der = self.service(uow, "tsa")
        _issuer_signer, _issuer_der, chain = self.issuer(uow)
        serial = uow.counters.next("tsa-serial")
        return ca_tsa.timestamp_response(signer, der, list(chain), request_der, serial, now)

    def signing_material(self, uow: UnitOfWork, dept_code: str, now: dt.datetime,
                         clock: object = None) -> SigningMaterial:
        key = self.signing_key(uow, dept_code)
        root_der = self.root_cert(uow)
        _issuer_signer, _issuer_der, chain = self.issuer(uow)
        tsa_signer, tsa_der = self.service(uow, "tsa")
        stamper = ca_tsa.http_timestamper(self.tsa_url) if self.tsa_url else \
            ca_tsa.InProcessTimeStamper(tsa_signer, tsa_der, list(chain),
                                        clock if callable(clock) else (lambda: now))
        # Revocation data for every certificate a validator will meet: the department's and the
        # TSA's (both carry AIA), so B-LT validates offline.
        ocsps = (self.ocsp_for(uow, key.cert_der, now), self.ocsp_for(uow, tsa_der, now))
        # the issuing CA's status: the root's CRL (it has no OCSP)
        crls = (self.crl(uow, now),) if len(chain) > 1 else ()
        return SigningMaterial(key=key, chain_ders=chain, root_der=root_der,
                               timestamper=stamper, ocsp_responses=ocsps, crls=crls)

    def department_certs(self, uow: UnitOfWork, code: str) -> list[PkiCertRecord]:
        return uow.pki.certs(kind="department", dept_code=code)

    def _audit(self, uow: UnitOfWork, actor: Actor, action: str, now: dt.datetime,
               details: dict[str, object]) -> None:
        self.audit.record(uow, now=now, actor=actor.name, actor_dept=actor.dept_code,
                          role=actor.role, action=action, request_id=actor.request_id,
                          details=details)
