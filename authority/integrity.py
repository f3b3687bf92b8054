"""Cross-check the platform's PKI rows and key files against the audit log.

Every stored certificate of the platform CA (root, TSA, OCSP, audit, department, client) must
parse, agree with its own columns (serial, thumbprint, validity, department), be issued by a
stored root, and have its serial written in the audit log when it was made. Every key a
certificate names must load from the key store and carry the certificate's public key. An
insider who edits a certificate row or a key file is named here (row id, which check).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from authority.hierarchy import ELSEWHERE
from ca import certs as ca_certs
from ca.errors import CaError
from ca.keystore import KeyStore
from certificate_store import UnitOfWork
from certificate_store.records import PkiCertRecord

_SERIAL_KEYS = ("serial", "new_serial")


@dataclass(frozen=True)
class PkiReport:
    certificates_checked: int
    keys_checked: int
    findings: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.findings


def _logged_serials(uow: UnitOfWork) -> tuple[set[str], set[str]]:
    serials: set[str] = set()
    thumbprints: set[str] = set()
    for entry in uow.audit.iter_entries():
        if not entry.action.startswith(("pki.", "key.")):
            continue
        try:
            details = json.loads(entry.details)
        except ValueError:
            continue  # the audit verifier names an entry whose details are damaged
        if not isinstance(details, dict):
            continue
        for k in _SERIAL_KEYS:
            if details.get(k) is not None:
                serials.add(str(details[k]))
        if isinstance(details.get("x5t#S256"), str):
            thumbprints.add(details["x5t#S256"])
    return serials, thumbprints


def _row_findings(rec: PkiCertRecord, roots: list[bytes], issuing: list[bytes],
                  serials: set[str], thumbprints: set[str]) -> Iterable[str]:
    try:
        info = ca_certs.describe_cert(rec.der)
    except (CaError, ValueError):
        yield "DER does not parse"
        return
    if info.serial != rec.serial:
        yield "serial column differs from the certificate"
    if info.x5t_s256 != rec.x5t_s256:
        yield "thumbprint column differs from the certificate"
    if (info.not_before, info.not_after) != (rec.not_before, rec.not_after):
        yield "validity columns differ from the certificate"
    if rec.kind == "department" and info.uscc != rec.dept_code:
        yield "department column differs from the certificate"
    if not any(_issued_by(rec.der, root, info, issuing) for root in roots):
        yield "not issued by a stored root"
    if str(rec.serial) not in serials:
        yield "serial not found in the audit log"
    if rec.kind == "department" and rec.x5t_s256 not in thumbprints:
        yield "thumbprint not found in the audit log"


def _issued_by(der: bytes, root_der: bytes, info: ca_certs.CertInfo,
               issuing: list[bytes]) -> bool:
    """Directly by the root (platforms made before the issuing CA, and the issuing CAs
    themselves) or through one of the stored issuing CAs (docs/pki.md)."""
    try:
        ca_certs.verify_chain(der, root_der, info.not_before,
                              [d for d in issuing if d != der])
    except (CaError, ValueError):
        return False
    return True


def _key_findings(keys: KeyStore, rec: PkiCertRecord) -> Iterable[str]:
    try:
        signer = keys.load(rec.key_label)
        public = ca_certs.describe_cert(rec.der).public_key_der
    except (CaError, ValueError, OSError) as exc:
        yield f"key {rec.key_label}: cannot be loaded ({type(exc).__name__})"
        return
    if signer.public_key_der != public:
        yield f"key {rec.key_label}: public key differs from the certificate"


def check_pki(uow: UnitOfWork, keys: KeyStore | None, limit_findings: int = 200) -> PkiReport:
    """`keys`: a fresh key store (no cached keys), or None to skip the key files."""
    serials, thumbprints = _logged_serials(uow)
    rows = sorted(uow.pki.certs(), key=lambda r: r.id)
    roots = [r.der for r in rows if r.kind == "root"]
    issuing = [r.der for r in rows if r.kind == "issuing"]
    findings: list[str] = []
    n_keys = 0
    for rec in rows:
        where = f"pki certificate {rec.id} ({rec.kind}{' ' + rec.dept_code if rec.dept_code else ''})"
        findings.extend(f"{where}: {f}" for f in _row_findings(rec, roots, issuing, serials,
                                                                thumbprints))
        # client certificates' keys belong to the departments, a key kept ELSEWHERE to another
        # machine (an offline root's, docs/pki.md); only the platform's online keys are here
        if keys is not None and not rec.kind.startswith("client") and rec.key_label != ELSEWHERE:
            n_keys += 1
            findings.extend(f"{where}: {f}" for f in _key_findings(keys, rec))
        if len(findings) >= limit_findings:
            break
    return PkiReport(len(rows), n_keys, tuple(findings[:limit_findings]))
