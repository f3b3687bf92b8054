"""The offline root: what its machine does, and what the online platform keeps of it.

On the root's machine (an ecert data dir of its own, or an HSM token, never networked) the
root key signs an issuing CA from the platform's request and a *series* of CRLs in advance,
each valid for ``validity`` and starting ``step`` after the previous one, so that one is
always valid until the series ends. The online platform stores the series
(:class:`RootCrlSeries`, files under the data dir) and serves the one valid now, without the
root key. Ceremony: docs/pki.md.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from audit_log.actor import Actor
from audit_log.log import AuditLog
from ca import crl as ca_crl
from ca import hierarchy as ca_hierarchy
from ca.errors import CaError
from ca.revocation import Reason, Revoked
from ca.signer import Signer
from certificate_store import UnitOfWork
from certificate_store.records import PkiCertRecord
from formats.errors import Conflict, InvalidInput, NotFound, Unavailable

REVOCATION_REASONS = {r.name.lower(): r for r in Reason if r is not Reason.REMOVE_FROM_CRL}

ELSEWHERE = ""
"""``key_label`` of a certificate whose private key is on another machine: the root's on
the online platform, an issuing CA's on the root's machine."""
OFFLINE = ELSEWHERE


class RootOffline(Unavailable):
    """根CA密钥离线 / The root key is offline: do this on the root's machine (`ecert root`)."""

    slug = "root-offline"


class NoRootCrl(Unavailable):
    """没有当前有效的根CRL / No root CRL is valid now: sign a new series on the root's machine
    (`ecert root sign-crls`) and import it (`ecert root import-crls`)."""

    slug = "root-crl-missing"


class RootCrlSeries:
    """Root CRLs signed in advance, one file per CRL (``<crl number>.crl``, DER)."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory

    def _files(self) -> list[Path]:
        if self.directory is None or not self.directory.is_dir():
            return []
        return sorted(self.directory.glob("*.crl"))

    def add(self, ders: list[bytes], root_der: bytes) -> list[ca_crl.CrlInfo]:
        """Check every CRL is the root's, then store them (all or none)."""
        if self.directory is None:
            raise InvalidInput("no directory for root CRLs")
        infos = []
        for der in ders:
            try:
                info = ca_crl.describe_crl(der, root_der)
            except CaError as exc:
                raise InvalidInput(f"not a CRL of this platform's root: {exc}") from exc
            if info.crl_number is None or info.next_update is None:
                raise InvalidInput("root CRLs need a CRL number and a nextUpdate")
            infos.append(info)
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        for der, info in zip(ders, infos, strict=True):
            path = self.directory / f"{info.crl_number:012d}.crl"
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(der)
            os.replace(tmp, path)
        return infos

    def infos(self, root_der: bytes) -> list[tuple[ca_crl.CrlInfo, bytes]]:
        out = []
        for path in self._files():
            der = path.read_bytes()
            try:
                out.append((ca_crl.describe_crl(der, root_der), der))
            except CaError:
                continue  # another root's: never served
        return out

    def current(self, root_der: bytes, now: dt.datetime) -> bytes:
        """The valid CRL with the highest number (the newest revocations)."""
        valid = [(info.crl_number or 0, der) for info, der in self.infos(root_der)
                 if info.this_update <= now and info.next_update is not None
                 and now < info.next_update]
        if not valid:
            raise NoRootCrl()
        return max(valid)[1]

    def covered_until(self, root_der: bytes) -> dt.datetime | None:
        ends = [i.next_update for i, _d in self.infos(root_der) if i.next_update is not None]
        return max(ends, default=None)


# ------------------------------------------------------------------ on the root's machine


def _audit(audit: AuditLog, uow: UnitOfWork, actor: Actor, action: str, now: dt.datetime,
           details: dict[str, object]) -> None:
    audit.record(uow, now=now, actor=actor.name, actor_dept=actor.dept_code, role=actor.role,
                 action=action, request_id=actor.request_id, details=details)


def sign_issuing_ca(uow: UnitOfWork, audit: AuditLog, root: tuple[Signer, bytes],
                    request_der: bytes, base_url: str, actor: Actor, now: dt.datetime,
                    years: int = 5) -> PkiCertRecord:
    """The root signs an issuing CA for the key that signed ``request_der``; recorded (the
    key stays on the platform) so its CRLs can list it."""
    from ca import certs as ca_certs

    try:
        req = ca_hierarchy.read_issuing_request(request_der)
    except CaError as exc:
        raise InvalidInput(str(exc)) from exc
    signer, root_der = root
    der = ca_hierarchy.issue_issuing_ca(signer, root_der, req, base_url, now, years=years)
    info = ca_certs.describe_cert(der)
    rec = uow.pki.add(kind="issuing", dept_code=None, key_label=ELSEWHERE, serial=info.serial,
                      x5t_s256=info.x5t_s256, der=der, not_before=info.not_before,
                      not_after=info.not_after, now=now)
    _audit(audit, uow, actor, "pki.issuing.sign", now,
           {"serial": str(info.serial), "subject": info.subject, "x5t#S256": info.x5t_s256})
    return rec


def revoke_issuing_ca(uow: UnitOfWork, audit: AuditLog, serial: int, reason: str,
                      actor: Actor, now: dt.datetime) -> None:
    """Compromise or retirement of an issuing CA: listed by every CRL signed afterwards."""
    if reason not in REVOCATION_REASONS:
        raise InvalidInput(f"unknown revocation reason {reason!r}")
    rec = uow.pki.by_serial(serial)
    if rec is None or rec.kind != "issuing":
        raise NotFound(f"no issuing CA with serial {serial}")
    if rec.state == "revoked":
        raise Conflict("issuing CA already revoked")
    uow.pki.revoke(serial, reason, now)
    _audit(audit, uow, actor, "pki.issuing.revoke", now, {"serial": str(serial), "reason": reason})


def sign_crl_series(uow: UnitOfWork, audit: AuditLog, root: tuple[Signer, bytes],
                    start: dt.datetime, until: dt.datetime, actor: Actor, now: dt.datetime,
                    validity: dt.timedelta = dt.timedelta(days=14),
                    step: dt.timedelta = dt.timedelta(days=7)) -> list[bytes]:
    """CRLs valid from ``start`` until at least ``until``: the i-th covers
    [start + i·step, start + i·step + validity); overlapping, so a late import still finds
    one valid. They list every revoked issuing CA."""
    if not dt.timedelta(0) < step <= validity or until <= start:
        raise InvalidInput("need 0 < step ≤ validity and until after start")
    if (until - start) / step > 1000:
        raise InvalidInput("at most 1000 CRLs per series")
    revoked = [Revoked(r.serial, r.revoked_at or r.created_at,
                       REVOCATION_REASONS.get(r.revocation_reason or "", Reason.UNSPECIFIED))
               for r in uow.pki.revoked() if r.kind == "issuing"]
    signer, root_der = root
    out, at = [], start
    while at < until:
        number = uow.pki.next_crl_number("root", now)
        out.append(ca_crl.build_crl(signer, root_der, revoked, number, at, at + validity))
        at += step
    _audit(audit, uow, actor, "pki.root.crl_series", now, {
        "count": len(out), "from": start.isoformat(), "until": (at - step + validity).isoformat(),
        "revoked": [str(r.serial) for r in revoked]})
    return out
