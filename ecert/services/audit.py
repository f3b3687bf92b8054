"""The audit-log endpoints' work (RFC 6962 §4 shapes, listings, statistics, cosignatures).

Routes call these; each opens one short transaction (a write takes its tree-head decision in
it, `Platform.writing`). Bounds are checked here, not in routes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from audit_log import formats
from audit_log.actor import Actor
from audit_log.errors import TreeSizeError
from audit_log.log import DeptStats, EntryPage
from audit_log.verify import AuditVerification, verify_log
from authority.integrity import PkiReport, check_pki
from ca.certs import describe_cert
from certificate_store.repos.audit import WitnessRecord
from ecert.errors import NotInitialised
from ecert.keyadapters import KeyVerifier
from ecert.services.witness import witness_key_id
from formats import errors as generic
from issuer.integrity import IntegrityReport, check_store

if TYPE_CHECKING:
    from ecert.platform import Platform

MAX_ENTRIES = 1000
MAX_PERIODS = 400


@dataclass(frozen=True)
class FullVerification:
    """`ecert audit verify`: the log itself, the library against it (both directions), and
    the PKI rows and key files against it. Every finding names its row and its check."""

    log: AuditVerification
    library: IntegrityReport
    pki: PkiReport

    @property
    def ok(self) -> bool:
        return self.log.ok and self.library.ok and self.pki.ok

    @property
    def findings(self) -> tuple[str, ...]:
        return (tuple(f"{c.name}: {f}" for c in self.log.checks for f in c.findings)
                + tuple(f"library: {f}" for f in self.library.findings)
                + tuple(f"pki: {f}" for f in self.pki.findings))


def verify_all(p: Platform, *, check_keys: bool = True) -> FullVerification:
    """One read transaction; key files are read through a fresh key store (nothing cached),
    so a damaged or replaced file is seen. An HSM is asked through the platform's own
    session (its keys live on the token; a second PKCS#11 session adds nothing)."""
    from ecert.platform import make_keystore

    keys = None
    if check_keys:
        keys = make_keystore(p.settings) if p.settings.key_backend == "file" else p.keys
    with p.store.transaction() as uow:
        log = verify_log(uow, p.head_verifier(uow), p.now())
        library = check_store(uow)
        pki = check_pki(uow, keys)
    return FullVerification(log, library, pki)


def sth(p: Platform) -> dict[str, Any]:
    with p.store.transaction() as uow:
        head, cosigs = p.audit.head_with_cosignatures(uow)
    return formats.get_sth_json(head, cosigs)


def consistency(p: Platform, first: int, second: int) -> dict[str, Any]:
    if first > second:
        raise TreeSizeError("first must not exceed second")
    with p.store.transaction() as uow:
        if first == 0 or first == second:
            if second > p.audit.size(uow):
                raise TreeSizeError(f"tree size {second} is beyond the log")
            return formats.consistency_json([])
        return formats.consistency_json(p.audit.consistency_proof(uow, first, second))


def proof_by_hash(p: Platform, leaf_hash: bytes, tree_size: int) -> dict[str, Any]:
    with p.store.transaction() as uow:
        proof = p.audit.inclusion_proof(uow, leaf_hash, tree_size)
    return formats.proof_by_hash_json(proof.leaf_index, proof.audit_path)


def entries(p: Platform, start: int, end: int) -> dict[str, Any]:
    """get-entries: `end` is inclusive, and at most MAX_ENTRIES come back per call."""
    end = min(end, start + MAX_ENTRIES - 1)
    with p.store.transaction() as uow:
        rows = p.audit.entries(uow, start, end + 1)
    return formats.entries_json(r.leaf_input for r in rows)


def checkpoint(p: Platform) -> str:
    with p.store.transaction() as uow:
        head, cosigs = p.audit.head_with_cosignatures(uow)
        rec = uow.pki.active("audit")
    if rec is None:
        raise NotInitialised("no audit key; run `ecert init`")
    key_hash = formats.rfc6962_key_hash(p.audit.origin, describe_cert(rec.der).public_key_der)
    return formats.checkpoint(p.audit.origin, head, key_hash, cosigs)


class UnregisteredWitness(generic.Forbidden):
    """见证方未登记 / Only witnesses the platform operator registered may cosign."""

    slug = "witness-not-registered"


class WitnessKeyMismatch(generic.Forbidden):
    """见证方密钥与登记不符 / The cosignature names a key other than the registered one."""

    slug = "witness-key-mismatch"


def add_witness(p: Platform, name: str, public_key_der: bytes, actor: Actor) -> WitnessRecord:
    """Register a witness (operator, CLI); audited. A name is registered once."""
    now = p.now()
    rec = WitnessRecord(name, witness_key_id(public_key_der), public_key_der, now, actor.name)
    with p.store.transaction() as uow:
        uow.audit.add_witness(rec)
        p.audit.record(uow, now=now, actor=actor.name, actor_dept=actor.dept_code,
                       role=actor.role, action="audit.witness.add", request_id=actor.request_id,
                       details={"name": name, "key_id": rec.key_id})
        p.after_write(uow)
    return rec


def list_witnesses(p: Platform) -> list[WitnessRecord]:
    with p.store.transaction() as uow:
        return uow.audit.witnesses()


def store_cosignature(p: Platform, cosig: formats.Cosignature, public_key_der: bytes,
                      actor: Actor) -> None:
    """Keep a cosignature of a registered witness, checked against the registered key only;
    the key the caller supplies must be that key (a witness's own claim proves nothing)."""
    now = p.now()
    with p.writing() as uow:
        witness = uow.audit.witness(cosig.witness_name)
        if witness is None:
            raise UnregisteredWitness()
        if public_key_der != witness.public_key or cosig.witness_key_id != witness.key_id:
            raise WitnessKeyMismatch()
        p.audit.store_cosignature(uow, cosig, KeyVerifier(witness.public_key), now)
        p.audit.record(uow, now=now, actor=actor.name, actor_dept=actor.dept_code,
                       role=actor.role, action="audit.cosign", request_id=actor.request_id,
                       details={"tree_size": cosig.tree_size, "witness": cosig.witness_name})


def list_entries(p: Platform, **filters: Any) -> EntryPage:
    with p.store.transaction() as uow:
        return p.audit.list_entries(uow, **filters)


def periods(since: dt.datetime, until: dt.datetime,
            period: str) -> list[tuple[dt.datetime, dt.datetime]]:
    """[since, until) cut into calendar days or months (or kept whole), at most MAX_PERIODS."""
    if period == "all":
        return [(since, until)]
    out: list[tuple[dt.datetime, dt.datetime]] = []
    cur = since
    while cur < until and len(out) < MAX_PERIODS:
        if period == "day":
            nxt = cur + dt.timedelta(days=1)
        else:
            nxt = (cur.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        out.append((cur, min(nxt, until)))
        cur = nxt
    return out


def statistics(p: Platform, spans: Sequence[tuple[dt.datetime, dt.datetime]],
               dept: str | None) -> list[tuple[DeptStats, str | None]]:
    """Each row with its department's name (people read names, not codes)."""
    with p.store.transaction() as uow:
        names = {d.code: d.name for d in uow.departments.all_departments()}
        return [(row, names.get(row.actor_dept or ""))
                for row in p.audit.statistics(uow, spans, actor_dept=dept)]
