"""Cross-check the central library against the audit log (Art. 19, 20).

Every certificate version's bytes must hash to its recorded SHA-256, its JWS must sign exactly
those bytes, and both the version hash and every status event's hash must appear in the audit
log, whose own integrity `audit_log.verify` proves. An insider who edits a version or an event
row in the database is caught here, by name.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from certificate_store import UnitOfWork
from formats.chinatime import utc_z
from formats.record import canonical_bytes, sha256_hex

LOGGED_VERSION_ACTIONS = ("certificate.issue", "certificate.change")


@dataclass(frozen=True)
class IntegrityReport:
    versions_checked: int
    events_checked: int
    findings: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.findings


def _jws_payload(jws: str) -> bytes | None:
    parts = jws.split(".")
    if len(parts) != 3:
        return None
    try:
        return base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
    except (binascii.Error, ValueError):
        return None


def check_store(uow: UnitOfWork, limit_findings: int = 200) -> IntegrityReport:
    logged_versions: set[tuple[str, str]] = set()
    logged_events: set[str] = set()
    for entry in uow.audit.iter_entries():
        if not entry.action.startswith("certificate."):
            continue
        try:
            details = json.loads(entry.details)
        except ValueError:
            continue  # the audit verifier reports entries whose details are damaged
        if entry.action in LOGGED_VERSION_ACTIONS and entry.cert_identifier:
            logged_versions.add((entry.cert_identifier, str(details.get("sha256"))))
        if isinstance(details.get("event_sha256"), str):
            logged_events.add(details["event_sha256"])

    findings: list[str] = []
    n_versions = n_events = 0
    bases: dict[int, str] = {}
    for ver in uow.certificates.iter_versions():
        n_versions += 1
        where = f"version {ver.identifier}"
        if sha256_hex(ver.canonical) != ver.sha256:
            findings.append(f"{where}: stored data does not match its SHA-256")
        if _jws_payload(ver.jws) != ver.canonical:
            findings.append(f"{where}: signed JWS payload differs from the stored data")
        if (ver.identifier, ver.sha256) not in logged_versions:
            findings.append(f"{where}: hash not found in the audit log")
        if len(findings) >= limit_findings:
            break
    for ev in uow.certificates.iter_events():
        n_events += 1
        base = bases.get(ev.certificate_id)
        if base is None:
            base = bases[ev.certificate_id] = uow.certificates.get(ev.certificate_id).base_identifier
        body = {"certificate": base, "event": ev.event, "from": ev.from_status,
                "to": ev.to_status, "version": ev.version, "reason": ev.reason, "actor": ev.actor,
                "actor_dept": ev.actor_dept, "at": utc_z(ev.at), "details": json.loads(ev.details)}
        where = f"status event {ev.id} ({ev.event}) of {base}"
        if sha256_hex(canonical_bytes(body)) != ev.sha256:
            findings.append(f"{where}: fields do not match its SHA-256")
        if ev.sha256 not in logged_events:
            findings.append(f"{where}: hash not found in the audit log")
        if len(findings) >= limit_findings:
            break
    return IntegrityReport(n_versions, n_events, tuple(findings))
