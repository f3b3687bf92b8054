"""The composition root: builds the store, key store, audit log, PKI and domain services once.

Routes and CLI commands call methods on `Platform`; domain packages receive objects, never
settings or a clock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

from audit_log.actor import Actor
from audit_log.formats import TreeHead
from audit_log.log import AuditLog
from authority.hierarchy import RootCrlSeries
from authority.pki import PlatformPki
from ca.certs import describe_cert
from ca.keystore import FileKeyStore, KeyStore
from certificate_store import Store, UnitOfWork
from certificate_store.records import DepartmentRecord, PkiCertRecord, TokenRecord
from certificate_store.replica import PrimaryReads, ReplicaReads
from ecert import credentials
from ecert.authfail import AuthFailures
from ecert.credentials import CredentialCache
from ecert.errors import NotInitialised
from ecert.keyadapters import KeyedSigner, KeyVerifier
from ecert.settings import Settings
from ecert.tokens import AuthenticatedToken, NewToken, authenticate, create_token
from issuer.catalog import CatalogService
from issuer.documents import DocumentService
from issuer.faceview import face_problems
from issuer.issuance import IssuanceService

log = logging.getLogger("ecert")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


HOLDER_INDEX_KEY = "holder-index.key"


def holder_index_key(data_dir: Path) -> bytes:
    """The key of the holder index (HMAC of ID numbers), kept beside the signing keys.

    Made once, on first start; every worker and host of one platform must share the file,
    and backups carry it (without it, holders cannot be found again).
    """
    path = data_dir / HOLDER_INDEX_KEY
    for _ in range(2):
        try:
            return bytes.fromhex(path.read_text().strip())
        except FileNotFoundError:
            data_dir.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                continue  # another worker made it first: read theirs
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
    return bytes.fromhex(path.read_text().strip())


def make_keystore(settings: Settings) -> KeyStore:
    if settings.key_backend == "pkcs11":
        from ca.pkcs11_store import Pkcs11KeyStore

        return Pkcs11KeyStore(settings.pkcs11_module, settings.pkcs11_token, settings.pkcs11_pin)
    return FileKeyStore(settings.keys_dir, settings.key_passphrase)


ROOT_CRLS_DIR = "root-crls"  # the offline root's CRLs, signed in advance (ecert root import-crls)


class Platform:
    def __init__(self, settings: Settings, clock: Callable[[], dt.datetime] = utcnow,
                 store: Store | None = None) -> None:
        self.settings = settings
        self.clock = clock
        self.store = store or Store(settings.database_url,
                                    holder_key=holder_index_key(settings.data_dir))
        self.keys = make_keystore(settings)
        self.audit = AuditLog(origin=settings.base_url.split("://", 1)[1] + "/audit")
        self.pki = PlatformPki(self.keys, self.audit, settings.base_url,
                               RootCrlSeries(settings.data_dir / ROOT_CRLS_DIR),
                               tsa_url=settings.tsa_url)

    def now(self) -> dt.datetime:
        return self.clock()

    @functools.cached_property
    def reads(self) -> PrimaryReads:
        """Where read-only lookups and verifications go: the replica when configured and caught
        up, else the primary (certificate_store/replica.py). Audit entries: the primary."""
        url = self.settings.database_replica_url
        if url and not self.store.url.startswith("postgresql"):
            log.warning("ECERT_DATABASE_REPLICA_URL is ignored: the primary is not PostgreSQL")
        if not url or not self.store.url.startswith("postgresql"):
            return PrimaryReads(self.store)
        return ReplicaReads(self.store, url, max_wait=self.settings.replica_max_wait_ms / 1000)

    # -- audit log helpers ------------------------------------------------------------------
    def head_signer(self, uow: UnitOfWork) -> KeyedSigner:
        rec = uow.pki.active("audit")
        if rec is None:
            raise NotInitialised("no audit key; run `ecert init`")
        return KeyedSigner(self.pki.signer(rec.key_label), rec.x5t_s256)

    def open_keys(self) -> None:
        """Open the audit key now (decrypted once per process, or found on the HSM): a wrong
        passphrase or a missing key stops a command at its start, not at the first tree head
        that falls due (heads are signed only when due, so a round may need no key at all)."""
        with self.store.transaction() as uow:
            self.head_signer(uow)

    def head_verifier(self, uow: UnitOfWork) -> KeyVerifier:
        rec = uow.pki.active("audit")
        if rec is None:
            raise NotInitialised("no audit key; run `ecert init`")
        return KeyVerifier(describe_cert(rec.der).public_key_der)

    def after_write(self, uow: UnitOfWork) -> TreeHead | None:
        """Sign a tree head when N entries or T seconds have passed (settings)."""
        return self.audit.maybe_sign_head(uow, lambda: self.head_signer(uow), self.now(),
                                          self.settings.sth_every_n,
                                          self.settings.sth_every_seconds)

    @contextlib.contextmanager
    def writing(self) -> Iterator[UnitOfWork]:
        """The one transaction of an operation that writes: the domain services work in the
        unit of work it yields, and the tree-head decision (`after_write`) is taken in it last,
        so that the promise of a signed head at least every N entries holds at commit."""
        with self.store.transaction() as uow:
            yield uow
            self.after_write(uow)

    # -- authentication ---------------------------------------------------------------------
    def authenticate(self, token: str, request_id: str | None, path: str,
                     source: str = "unknown") -> TokenRecord | None:
        now = self.now()

        def load() -> AuthenticatedToken | None:
            with self.store.transaction() as uow:
                rec = authenticate(uow, token, now)
                if rec is None:
                    # Art. 21: failures are logged, counted per source and window (authfail).
                    self.auth_failures.record(uow, source, path, request_id, now)
                return rec

        # Kept a few seconds per process (ecert/credentials.py states how soon a revocation
        # takes effect); failures are looked up and audited every time.
        return self.credentials.authenticate(token, now, load)

    @functools.cached_property
    def credentials(self) -> CredentialCache:
        return CredentialCache()

    @functools.cached_property
    def auth_failures(self) -> AuthFailures:
        return AuthFailures(self.audit)

    def initialise(self, actor: Actor) -> None:
        self.store.create_schema()
        with self.store.transaction() as uow:
            self.pki.initialise(uow, actor, self.now())
            self.audit.sign_head(uow, self.head_signer(uow), self.now())

    # -- administration (each in one transaction with its audit entry and tree-head decision)
    def add_department(self, code: str, name: str, supervisor: str | None,
                       actor: Actor) -> DepartmentRecord:
        with self.writing() as uow:
            return self.pki.enrol_department(uow, code=code, name=name,
                                             supervisor_code=supervisor, actor=actor,
                                             now=self.now())

    def rotate_key(self, code: str, actor: Actor, revoke_reason: str | None) -> PkiCertRecord:
        with self.writing() as uow:
            return self.pki.rotate_key(uow, code, actor, self.now(), revoke_reason)

    def succeed(self, old: str, new: str, actor: Actor) -> DepartmentRecord:
        with self.writing() as uow:
            self.pki.succeed(uow, old, new, actor, self.now())
            rec = uow.departments.get(old)
        credentials.forget()  # the predecessor's tokens stop now, not in CACHE_SECONDS
        return rec

    def list_departments(self) -> list[DepartmentRecord]:
        with self.store.transaction() as uow:
            return uow.departments.all_departments()

    def list_tokens(self) -> list[TokenRecord]:
        with self.store.transaction() as uow:
            return uow.tokens.all_tokens()

    def create_token(self, *, role: str, dept_code: str | None, holder_code: str | None,
                     label: str, ttl_days: int | None, actor: Actor,
                     operator_id: int | None = None) -> NewToken:
        now = self.now()
        with self.writing() as uow:
            new = create_token(uow, role=role, dept_code=dept_code, holder_code=holder_code,
                               label=label, now=now,
                               ttl_days=ttl_days or self.settings.token_ttl_days,
                               operator_id=operator_id)
            self.audit.record(uow, now=now, actor=actor.name, actor_dept=actor.dept_code,
                              role=actor.role, action="token.create", request_id=actor.request_id,
                              details={"prefix": new.record.prefix, "role": role,
                                       "dept": dept_code,
                                       "operator": new.record.operator_id})
            return new

    def revoke_token(self, token_id: int, actor: Actor) -> TokenRecord:
        now = self.now()
        with self.writing() as uow:
            rec = uow.tokens.revoke(token_id, now)
            self.audit.record(uow, now=now, actor=actor.name, actor_dept=actor.dept_code,
                              role=actor.role, action="token.revoke", request_id=actor.request_id,
                              details={"prefix": rec.prefix})
        credentials.forget()  # committed: this process refuses the token from now on
        return rec

    # -- domain services (built once, on first use; each works in a caller's unit of work) ----
    # The issuing departments' operations that open the transactions are in
    # ecert.services.issuing (routes and the CLI call them).
    @functools.cached_property
    def issuance(self) -> IssuanceService:
        return IssuanceService(self.pki, self.audit)

    @functools.cached_property
    def catalog(self) -> CatalogService:
        return CatalogService(self.audit, face_check=face_problems)

    @functools.cached_property
    def documents(self) -> DocumentService:
        return DocumentService(self.pki, base_url=self.settings.base_url,
                               qr_jws_for=self.issuance.qr_jws,
                               seal_for=lambda uow, code: uow.departments.seal(code))

    @property
    def imports_dir(self) -> Path:
        d = self.settings.data_dir / "imports"
        d.mkdir(parents=True, exist_ok=True, mode=0o700)
        return d
