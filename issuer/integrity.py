"""Cross-check the central library against the audit log (Art. 19, 20).

Every certificate version's bytes must hash to its recorded SHA-256, its JWS must sign exactly
those bytes, and both the version hash and every status event's hash must appear in the audit
log, whose own integrity `audit_log.verify` proves. An insider who edits a version or an event
row in the database is caught here, by name.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from ca.errors import CaError
from ca.jws import verify_jws_with_cert
from certificate_store import UnitOfWork
from certificate_store import errors as store_errors
from certificate_store.records import VersionRecord
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


@dataclass(frozen=True)
class _VersionEntry:
    idx: int
    action: str
    created_at: dt.datetime
    details: dict[str, Any]


@dataclass
class _Logged:
    """What the audit log says the library holds: version hashes and status-event hashes,
    each with the index of the entry that recorded it."""

    versions: dict[tuple[str, str], _VersionEntry] = field(default_factory=dict)
    events: dict[str, int] = field(default_factory=dict)


def _logged(uow: UnitOfWork) -> _Logged:
    out = _Logged()
    for entry in uow.audit.iter_entries():
        if not entry.action.startswith("certificate."):
            continue
        try:
            details = json.loads(entry.details)
        except ValueError:
            continue  # the audit verifier reports entries whose details are damaged
        if not isinstance(details, dict):
            continue
        if entry.action in LOGGED_VERSION_ACTIONS and entry.cert_identifier:
            out.versions[(entry.cert_identifier, str(details.get("sha256")))] = _VersionEntry(
                entry.idx, entry.action, entry.created_at, details)
        if isinstance(details.get("event_sha256"), str):
            out.events[details["event_sha256"]] = entry.idx
    return out


class _Out:
    def __init__(self, limit: int) -> None:
        self.items: list[str] = []
        self.limit = limit

    def add(self, text: str) -> None:
        if len(self.items) < self.limit:
            self.items.append(text)

    @property
    def full(self) -> bool:
        return len(self.items) >= self.limit


def check_store(uow: UnitOfWork, limit_findings: int = 200) -> IntegrityReport:
    """Both directions: every stored version and event is in the log (and intact), and every
    issuance, change and status entry of the log still has its version or event row; each
    certificate row agrees with its newest version and its last status event."""
    logged = _logged(uow)
    out = _Out(limit_findings)
    seen_versions: set[tuple[str, str]] = set()
    seen_events: set[str] = set()
    latest: dict[int, int] = {}
    n_versions = _check_versions(uow, logged, out, seen_versions, latest)
    last_status: dict[int, str] = {}
    n_events = _check_events(uow, logged, out, seen_events, last_status)
    for (ident, digest), ve in logged.versions.items():
        if (ident, digest) not in seen_versions:
            out.add(f"entry {ve.idx} (version {ident}): version row missing")
    for digest, idx in logged.events.items():
        if digest not in seen_events:
            out.add(f"entry {idx}: status event {digest[:16]}… missing")
    _check_certificates(uow, out, latest, last_status)
    return IntegrityReport(n_versions, n_events, tuple(out.items))


def _check_versions(uow: UnitOfWork, logged: _Logged, out: _Out,
                    seen: set[tuple[str, str]], latest: dict[int, int]) -> int:
    n = 0
    signing = {c.x5t_s256: c.der for c in uow.pki.certs(kind="department")}
    for ver in uow.certificates.iter_versions():
        n += 1
        where = f"version {ver.identifier}"
        seen.add((ver.identifier, ver.sha256))
        latest[ver.certificate_id] = max(latest.get(ver.certificate_id, 0), ver.version)
        if sha256_hex(ver.canonical) != ver.sha256:
            out.add(f"{where}: stored data does not match its SHA-256")
        if _jws_payload(ver.jws) != ver.canonical:
            out.add(f"{where}: signed JWS payload differs from the stored data")
        if not _jws_verifies(ver.jws, signing.get(ver.signing_cert)):
            out.add(f"{where}: JWS signature does not verify with its signing certificate")
        entry = logged.versions.get((ver.identifier, ver.sha256))
        if entry is None:
            out.add(f"{where}: hash not found in the audit log")
            continue
        for finding in _against_entry(ver, entry):
            out.add(f"{where}: {finding} (entry {entry.idx})")
    return n


def _jws_verifies(jws: str, cert_der: bytes | None) -> bool:
    if cert_der is None:
        return False
    try:
        verify_jws_with_cert(jws, cert_der)
    except (CaError, ValueError):
        return False
    return True


def _against_entry(ver: VersionRecord, entry: _VersionEntry) -> list[str]:
    """The version row's unsigned columns against what its issue/change entry recorded."""
    d = entry.details
    found = []
    if d.get("version") != ver.version:
        found.append("version number differs from the audit log")
    if d.get("signing_cert") != ver.signing_cert:
        found.append("signing certificate differs from the audit log")
    reason = d.get("reason") if entry.action == "certificate.change" else None
    if reason != ver.change_reason:
        found.append("change reason differs from the audit log")
    if entry.created_at != ver.created_at:
        found.append("creation time differs from the audit log")
    return found


def _check_events(uow: UnitOfWork, logged: _Logged, out: _Out, seen: set[str],
                  last_status: dict[int, str]) -> int:
    n = 0
    bases: dict[int, str | None] = {}
    for ev in uow.certificates.iter_events():
        n += 1
        seen.add(ev.sha256)
        last_status[ev.certificate_id] = ev.to_status
        if ev.certificate_id not in bases:
            try:
                bases[ev.certificate_id] = uow.certificates.get(ev.certificate_id).base_identifier
            except store_errors.NotFound:
                bases[ev.certificate_id] = None
        base = bases[ev.certificate_id]
        where = f"status event {ev.id} ({ev.event}) of {base or f'certificate {ev.certificate_id}'}"
        if base is None:
            out.add(f"{where}: its certificate row is missing")
            continue
        try:
            extra = json.loads(ev.details)
        except ValueError:
            extra = None
        body = {"certificate": base, "event": ev.event, "from": ev.from_status,
                "to": ev.to_status, "version": ev.version, "reason": ev.reason, "actor": ev.actor,
                "actor_dept": ev.actor_dept, "at": utc_z(ev.at), "details": extra}
        if extra is None or sha256_hex(canonical_bytes(body)) != ev.sha256:
            out.add(f"{where}: fields do not match its SHA-256")
        if ev.sha256 not in logged.events:
            out.add(f"{where}: hash not found in the audit log")
    return n


def _check_certificates(uow: UnitOfWork, out: _Out, latest: dict[int, int],
                        last_status: dict[int, str]) -> None:
    for cert in uow.certificates.iter_certificates():
        where = f"certificate {cert.base_identifier} (row {cert.id})"
        if latest.get(cert.id) != cert.current_version:
            out.add(f"{where}: current version {cert.current_version} is not its newest "
                    f"stored version ({latest.get(cert.id)})")
        if last_status.get(cert.id) != cert.status:
            out.add(f"{where}: status {cert.status} differs from its last status event "
                    f"({last_status.get(cert.id)})")
        if out.full:
            return
