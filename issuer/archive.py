"""Archive export (Art. 19, 20): a self-contained zip that can be checked offline.

Contents (see README.txt inside the zip):
    manifest.json                      what is inside, the signed tree head, counts
    certificates/<base>/vNNN.json      RFC 8785 bytes that were signed (one per version)
    certificates/<base>/vNNN.jws       the compact JWS (header has x5c)
    certificates/<base>/status.json    status history with each event's sha256
    pki/<x5t#S256>.der                 the department signing certificates used
    audit/sth.json                     latest signed tree head, RFC 6962 get-sth shape
    audit/entries.jsonl                every audit entry about these certificates with its
                                       RFC 9162 inclusion proof against that tree head
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audit_log.formats import HeadSigner, TreeHead, get_sth_json
from audit_log.log import AuditLog
from certificate_store.db import UnitOfWork
from certificate_store.records import CertificateRecord
from certificate_store.repos.audit import EntryFilter
from formats.chinatime import utc_z
from formats.identifiers import PREFIX, parse_identifier
from formats.record import canonical_bytes, sha256_hex
from issuer.errors import NotFound

ARCHIVE_SPEC = "ecert/archive/1"

README = """ecert archive — how to verify offline (电子证照归档包离线核验说明)
=====================================================================

1. Records. For every certificates/<base>/vNNN.json: SHA-256 of the file must equal the
   "sha256" given in manifest.json, and vNNN.jws must be a compact JWS (ES256) whose payload
   is exactly those bytes (RFC 8785 canonical JSON). Verify the signature with the public key
   of the certificate in the JWS header "x5c" (also in pki/<x5t#S256>.der), and check that
   certificate against the platform root CA, fetched from the platform itself (PEM at
   /pki/ca.pem, DER at /pki/ca.crt; not taken from this archive), e.g.
       openssl x509 -inform DER -in pki/<x5t#S256>.der -out dept.pem
       openssl verify -CAfile ca.pem dept.pem
   The record's "previous" member links each version to the one it superseded.

2. Status history. certificates/<base>/status.json lists every event (issue, change,
   suspend, ...) with the SHA-256 of its canonical JSON; the same hash appears in the audit
   entry's details ("event_sha256").

3. Audit log (RFC 9162). audit/sth.json is the signed tree head (RFC 6962 get-sth shape,
   base64). For every line of audit/entries.jsonl: leaf hash = SHA-256(0x00 || leaf_input);
   fold the audit_path as RFC 9162 section 2.1.3.2 describes, and compare with
   sha256_root_hash for tree_size. Check the tree head signature with the audit key
   (`ecert audit verify` does all of this; any RFC 9162 client can too). The SHA-256 of the
   "details" text equals details_sha256 inside the leaf. Entries newer than the tree head are
   listed with "proof": null; ask the platform for a newer tree head to prove them.
"""


@dataclass(frozen=True)
class ArchiveResult:
    path: Path
    certificates: int
    versions: int
    audit_entries: int
    proven_entries: int
    tree_size: int | None


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def _certs_for(uow: UnitOfWork, scope: str) -> Iterable[CertificateRecord]:
    if scope.startswith(PREFIX):
        base = scope if scope.count(".") == 7 else parse_identifier(scope).base
        cert = uow.certificates.by_base(base)
        if cert is None:
            raise NotFound(f"no certificate {scope}")
        yield cert
        return
    if uow.departments.find(scope) is None:
        raise NotFound(f"no department {scope}")
    # Art. 9 para 2: a department's archive holds its predecessors' certificates too.
    for code in (scope, *sorted(uow.departments.predecessors(scope))):
        after = 0
        while True:
            page = uow.certificates.page(issuer_code=code, after_id=after, limit=200)
            yield from page
            if len(page) < 200:
                break
            after = page[-1].id


@dataclass
class _Counts:
    certificates: int = 0
    versions: int = 0
    entries: int = 0
    proven: int = 0


def _entries_of(uow: UnitOfWork, audit: AuditLog, head: TreeHead | None, identifier: str,
                counts: _Counts) -> list[str]:
    """The audit entries about one version, each with its proof against `head` if it has one."""
    lines = []
    for e in uow.audit.list_entries(EntryFilter(cert_identifier=identifier), before=None,
                                    limit=10_000):
        counts.entries += 1
        proof = None
        if head is not None and e.idx < head.tree_size:
            p = audit.inclusion_proof(uow, e.idx, head.tree_size)
            proof = {"leaf_index": p.leaf_index, "tree_size": p.tree_size,
                     "audit_path": [_b64(x) for x in p.audit_path]}
            counts.proven += 1
        lines.append(json.dumps(
            {"idx": e.idx, "action": e.action, "cert_identifier": e.cert_identifier,
             "leaf_input": _b64(e.leaf_input), "details": e.details, "proof": proof},
            ensure_ascii=False))
    return lines


def _write_certificate(z: zipfile.ZipFile, uow: UnitOfWork, audit: AuditLog,
                       head: TreeHead | None, cert: CertificateRecord, counts: _Counts,
                       entries_lines: list[str], thumbprints: set[str]) -> dict[str, Any]:
    """One certificate's versions, JWS and status history; returns its manifest entry."""
    counts.certificates += 1
    folder = f"certificates/{cert.base_identifier}"
    versions = []
    for v in uow.certificates.versions(cert.id):
        counts.versions += 1
        z.writestr(f"{folder}/v{v.version:03d}.json", v.canonical)
        z.writestr(f"{folder}/v{v.version:03d}.jws", v.jws)
        thumbprints.add(v.signing_cert)
        versions.append({"identifier": v.identifier, "version": v.version,
                         "sha256": v.sha256, "signing_cert": v.signing_cert,
                         "created_at": utc_z(v.created_at),
                         "superseded_at": None if v.superseded_at is None
                         else utc_z(v.superseded_at)})
        entries_lines += _entries_of(uow, audit, head, v.identifier, counts)
    events = [{"at": utc_z(ev.at), "event": ev.event, "from": ev.from_status,
               "to": ev.to_status, "version": ev.version, "reason": ev.reason,
               "actor": ev.actor, "actor_dept": ev.actor_dept,
               "details": json.loads(ev.details or "{}"), "sha256": ev.sha256}
              for ev in uow.certificates.events(cert.id)]
    z.writestr(f"{folder}/status.json", json.dumps(events, ensure_ascii=False, indent=1))
    return {"base_identifier": cert.base_identifier, "status": cert.status,
            "versions": versions}


def archive(uow: UnitOfWork, scope: str, out_zip: Path | str, audit: AuditLog,
            now: dt.datetime, head_signer: HeadSigner | None = None) -> ArchiveResult:
    """Write the archive of a department (USCC) or one certificate (identifier) to `out_zip`.

    With `head_signer`, a fresh tree head is signed first (in this transaction) so that every
    entry has a proof; otherwise the latest signed head is used.
    """
    head = audit.sign_head(uow, head_signer, now) if head_signer else audit.latest_head(uow)
    out = Path(out_zip)
    manifest: dict[str, Any] = {"spec": ARCHIVE_SPEC, "created_at": utc_z(now), "scope": scope,
                                "certificates": [], "sth": None}
    counts = _Counts()
    thumbprints: set[str] = set()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("README.txt", README)
        entries_lines: list[str] = []
        for cert in _certs_for(uow, scope):
            manifest["certificates"].append(_write_certificate(
                z, uow, audit, head, cert, counts, entries_lines, thumbprints))
        for x5t in sorted(thumbprints):
            rec = uow.pki.by_thumbprint(x5t)
            if rec is not None:
                z.writestr(f"pki/{x5t}.der", rec.der)
        z.writestr("audit/entries.jsonl", "\n".join(entries_lines) + ("\n" if entries_lines
                                                                      else ""))
        if head is not None:
            sth = get_sth_json(head)
            sth["key_id"] = head.key_id
            manifest["sth"] = sth
            z.writestr("audit/sth.json", json.dumps(sth, indent=1))
        manifest["counts"] = {"certificates": counts.certificates, "versions": counts.versions,
                              "audit_entries": counts.entries, "proven_entries": counts.proven}
        z.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
    return ArchiveResult(out, counts.certificates, counts.versions, counts.entries,
                         counts.proven, None if head is None else head.tree_size)


def manifest_sha256(manifest: dict[str, Any]) -> str:
    return sha256_hex(canonical_bytes(manifest))
