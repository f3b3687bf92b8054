"""Certificates with several issuing departments (共同签署, e.g. the kindergarten handover
acceptance signed jointly by the education and housing departments).

A type names its co-signing departments (`co_signers` in the catalog). The issuing department
issues and signs as usual; each co-signing department then signs the very same record bytes
of the current version with its own key (`cosign`, one audited write). Each co-signature is
stored beside the version; the verifier checks them (`verifier.cosign`). A co-signing
department may read the certificate as the issuer does. A new version (a change) needs the
co-signatures anew: each is bound to one version's record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from audit_log.actor import Actor
from ca.jws import sign_jws
from certificate_store.db import UnitOfWork
from formats.record import RECORD_TYP
from formats.status import VALID
from issuer.errors import Conflict, Forbidden
from issuer.ledger import Ledger, Loaded


@dataclass(frozen=True)
class CoSigned:
    identifier: str
    version: int
    dept_code: str
    jws: str
    signing_cert: str
    created_at: dt.datetime
    fresh: bool


def co_signers(ledger: Ledger, uow: UnitOfWork, loaded: Loaded) -> tuple[str, ...]:
    ctype, _ = ledger.certificate_type(uow, loaded.cert.type_code, loaded.cert.type_version)
    return tuple(ctype.definition.get("co_signers") or ())


def may_read(ledger: Ledger, uow: UnitOfWork, actor: Actor, loaded: Loaded) -> bool:
    """A co-signing department (or its successor) reads the certificate as its issuer does."""
    if actor.role != "issuer" or actor.dept_code is None:
        return False
    return any(uow.departments.current_holder(c) == actor.dept_code
               for c in co_signers(ledger, uow, loaded))


def cosign(ledger: Ledger, uow: UnitOfWork, actor: Actor, identifier: str,
           now: dt.datetime) -> CoSigned:
    """The actor's department co-signs the current version (again: answers the first)."""
    loaded = ledger.load(uow, identifier)
    if not may_read(ledger, uow, actor, loaded):
        raise Forbidden("只有共同签署部门可以会签此证照 / only a co-signing department of "
                        "this type may co-sign")
    dept = str(actor.dept_code)
    cert, ver = loaded.cert, loaded.version
    for done in uow.cosignatures.for_version(cert.id, ver.version):
        if done.dept_code == dept:
            return CoSigned(ver.identifier, ver.version, dept, done.jws, done.signing_cert,
                            done.created_at, fresh=False)
    if cert.status != VALID:
        raise Conflict("证照非有效状态，不能会签 / only a valid certificate is co-signed")
    key = ledger.signing_key(uow, dept)
    jws = sign_jws(ver.canonical, key.signer, key.cert_der, typ=RECORD_TYP, include_x5c=True)
    rec = uow.cosignatures.add(certificate_id=cert.id, version=ver.version, dept_code=dept,
                               jws=jws, sha256=ver.sha256, signing_cert=key.x5t_s256, now=now)
    ledger.record(uow, actor, now, "certificate.cosign", ver.identifier,
                  {"version": ver.version, "sha256": ver.sha256,
                   "signing_cert": key.x5t_s256, "dept": dept})
    return CoSigned(ver.identifier, ver.version, dept, jws, key.x5t_s256, rec.created_at,
                    fresh=True)
