"""Checking the co-signatures of a stored version (see `issuer.cosign`): each must be a valid
JWS of exactly the version's record bytes, by a department key of the co-signing department
that chains to the platform root and was in force (not revoked) when it signed; and every
department the type names must have co-signed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ca.errors import CaError
from ca.jws import verify_jws_with_cert
from certificate_store.db import UnitOfWork
from certificate_store.records import CertificateRecord, CoSignatureRecord, VersionRecord
from verifier.gather import department_key


@dataclass(frozen=True)
class CoSignatureCheck:
    dept_code: str
    ok: bool
    reason: str  # valid | missing | bad-signature | wrong-record | wrong-department | key-*


def _check(uow: UnitOfWork, ver: VersionRecord, row: CoSignatureRecord) -> CoSignatureCheck:
    rec = uow.pki.by_thumbprint(row.signing_cert)
    if rec is None:
        return CoSignatureCheck(row.dept_code, False, "key-unknown")
    try:
        payload = verify_jws_with_cert(row.jws, rec.der)
    except CaError:
        return CoSignatureCheck(row.dept_code, False, "bad-signature")
    if payload != ver.canonical:
        return CoSignatureCheck(row.dept_code, False, "wrong-record")
    key = department_key(uow, row.signing_cert, None)
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
                       required: Iterable[str]) -> tuple[CoSignatureCheck, ...]:
    """One check per required co-signing department (and per other co-signature found)."""
    rows = {r.dept_code: r for r in uow.cosignatures.for_version(cert.id, ver.version)}
    out = []
    for dept in required:
        row = rows.pop(dept, None)
        out.append(_check(uow, ver, row) if row else CoSignatureCheck(dept, False, "missing"))
    out.extend(_check(uow, ver, r) for r in rows.values())
    return tuple(out)
