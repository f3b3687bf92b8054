"""Checking the co-signatures of a stored version (see `issuer.cosign`): each must be a valid
JWS of exactly the version's record bytes, by a department key of the co-signing department
that chains to the platform root and was in force (not revoked) when it signed; and every
department the type names must have co-signed."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from ca.errors import CaError
from ca.jws import verify_jws_with_cert
from certificate_store.db import UnitOfWork
from certificate_store.records import CertificateRecord, CoSignatureRecord, VersionRecord
from verifier.results import Check
from verifier.trustcache import Trust

NAME = "co-signatures"


@dataclass(frozen=True)
class CoSignatureCheck:
    dept_code: str
    ok: bool
    reason: str  # valid | missing | bad-signature | wrong-record | wrong-department | key-*


def _check(uow: UnitOfWork, ver: VersionRecord, row: CoSignatureRecord,
           trust: Trust) -> CoSignatureCheck:
    rec = uow.pki.by_thumbprint(row.signing_cert)
    if rec is None:
        return CoSignatureCheck(row.dept_code, False, "key-unknown")
    try:
        payload = verify_jws_with_cert(row.jws, rec.der)
    except CaError:
        return CoSignatureCheck(row.dept_code, False, "bad-signature")
    if payload != ver.canonical:
        return CoSignatureCheck(row.dept_code, False, "wrong-record")
    key = trust.department_key(row.signing_cert, None)
    if key is None or (key.dept_code != row.dept_code and row.dept_code not in key.acts_for):
        return CoSignatureCheck(row.dept_code, False, "wrong-department")
    if not key.chain_ok:
        return CoSignatureCheck(row.dept_code, False, "key-untrusted")
    if not key.not_before <= row.created_at <= key.not_after:
        return CoSignatureCheck(row.dept_code, False, "key-not-in-force")
    if key.revoked_at is not None and key.revoked_at <= row.created_at:
        return CoSignatureCheck(row.dept_code, False, "key-revoked")
    return CoSignatureCheck(row.dept_code, True, "valid")


def check_cosignatures(uow: UnitOfWork, cert: CertificateRecord, ver: VersionRecord,
                       required: Iterable[str],
                       trust: Trust | None = None) -> tuple[CoSignatureCheck, ...]:
    """One check per required co-signing department (and per other co-signature found)."""
    trust = trust or Trust.fresh(uow)
    rows = {r.dept_code: r for r in uow.cosignatures.for_version(cert.id, ver.version)}
    out = []
    for dept in required:
        row = rows.pop(dept, None)
        out.append(_check(uow, ver, row, trust) if row
                   else CoSignatureCheck(dept, False, "missing"))
    out.extend(_check(uow, ver, r, trust) for r in rows.values())
    return tuple(out)


def _required(trust: Trust, cert: CertificateRecord) -> tuple[str, ...]:
    rec = trust.catalog_type(cert.type_code, cert.type_version)
    if rec is None:  # no catalog entry: nothing is required
        return ()
    co = json.loads(rec.definition).get("co_signers") or ()
    return tuple(str(c) for c in co)


def cosign_check(uow: UnitOfWork, cert: CertificateRecord, ver: VersionRecord,
                 trust: Trust | None = None) -> Check | None:
    """The verification check of a type with co-signing departments (None: it has none).
    Not yet co-signed: undecided (not valid); a co-signature that fails: invalid."""
    trust = trust or Trust.fresh(uow)
    required = _required(trust, cert)
    if not required:
        return None
    bad = [c for c in check_cosignatures(uow, cert, ver, required, trust) if not c.ok]
    if not bad:
        return Check.ok(NAME, "共同签署部门的签名均有效")
    if all(c.reason == "missing" for c in bad):
        return Check.undecided(NAME, "co-signature-missing", "尚待共同签署部门签署")
    return Check.fail(NAME, bad[0].reason, "共同签署部门的签名无效")
