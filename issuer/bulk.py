"""Bulk issuance for digitising certificates in force (Art. 9): the same rows, records and
audit entries as one `IssuanceService.issue` per request, with a constant number of statements
per batch.

`BulkIssuer` shares the `issuer.ledger.Ledger` of the `IssuanceService` that owns it, and falls
back to that service's `issue` (a `SingleIssuer`) when the fast path cannot be taken.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from jsonschema.validators import Draft202012Validator

from audit_log.actor import Actor
from audit_log.append import AuditEntryInput
from ca.jws import sign_jws
from certificate_store import errors as store_errors
from certificate_store.db import UnitOfWork
from formats.chinatime import china_date, require_utc, utc_z
from formats.record import RECORD_TYP, canonical_bytes, sha256_hex
from formats.status import VALID
from formats.statuslist import SHARD_SIZE
from issuer.drafts import Draft, DraftContext, Drafted, draft
from issuer.errors import InvalidCertificateData
from issuer.ledger import Ledger, issued_from
from issuer.rules import audit_detail
from issuer.views import IssuedCertificate

Outcome = IssuedCertificate | InvalidCertificateData | ValueError
Request = tuple[Mapping[str, Any], str | None]  # (data, source_key)


@dataclass
class _Made:
    """A certificate of a bulk issue between its row insert and its version/event/audit."""

    issued: IssuedCertificate
    payload: bytes
    signing_cert: str
    type_code: str
    type_version: int
    source_key: str | None
    cert_id: int = 0
    overrides: dict[str, Any] = field(default_factory=dict)  # issuance.overrides_detail


_MARK = "\x00certificate\x00"  # never in an identifier, actor name or department code


def _issue_event_canon(actor: Actor, now: dt.datetime) -> Callable[[str], bytes]:
    """canonical_bytes of the `issue` event body `_event` hashes, as a function of the base
    identifier (the only part that varies within a batch): one canonicalisation per batch."""

    def body(certificate: str) -> dict[str, Any]:
        return {"certificate": certificate, "event": "issue", "from": None,
                "to": VALID, "version": 1, "reason": "", "actor": actor.name,
                "actor_dept": actor.dept_code, "at": utc_z(now), "details": {}}

    parts = canonical_bytes(body(_MARK)).split(canonical_bytes(_MARK))
    if len(parts) != 2:  # the marker turned up elsewhere: canonicalise each body in full
        return lambda certificate: canonical_bytes(body(certificate))
    head, tail = parts
    return lambda certificate: head + canonical_bytes(certificate) + tail


class SingleIssuer(Protocol):
    """One certificate per call (`IssuanceService.issue`): the fallback of a batch."""

    def issue(self, uow: UnitOfWork, actor: Actor, type_code: str, data: Mapping[str, Any],
              now: dt.datetime, idempotency_key: str | None = None,
              source_key: str | None = None) -> IssuedCertificate: ...


@dataclass
class _Sorted:
    """The requests of a batch after lookups and validation (see `BulkIssuer._sort`)."""

    out: list[Any]  # position -> outcome; None: still to issue, or a repeat of a source_key
    first_of: dict[str, int]  # source_key -> position of the request that issues it
    todo: list[tuple[int, Draft, str | None]]
    ctx: DraftContext | None


class BulkIssuer:
    def __init__(self, ledger: Ledger, single: SingleIssuer) -> None:
        self._ledger = ledger
        self._single = single

    def issue_many(self, uow: UnitOfWork, actor: Actor, type_code: str,
                   requests: Sequence[Request], now: dt.datetime,
                   drafted: tuple[DraftContext, Sequence[Drafted]] | None = None
                   ) -> list[Outcome]:
        """`issue` for each (data, source_key) in order, in the caller's unit of work.

        Stores exactly what calling `issue` once per request would (same serials,
        identifiers, records, rows and audit entries, in the same order), with a constant
        number of statements per batch: one source_key lookup, one counter update, one bulk
        insert per table and one audit append. A request that `issue` would refuse with
        InvalidCertificateData or ValueError gets that exception in its place in the result;
        other errors (Forbidden, NotFound) propagate. Anything unusual (a concurrent insert of
        the same source_key, a record that cannot be canonicalised) makes the batch fall back to
        one `issue` per request, undoing the fast path's writes first.

        `drafted`: the requests already drafted (`issuer.drafts.draft_all`, one per request,
        e.g. in another process) for a context; used when it is this batch's context.
        """
        require_utc(now)
        dept = self._ledger.issuer_dept(uow, actor)
        s = self._sort(uow, dept, type_code, requests, china_date(now), drafted)
        if s.todo:
            assert s.ctx is not None
            try:
                with uow.certificates.savepoint():
                    made = self._create_many(uow, s.ctx, [(d, sk) for _, d, sk in s.todo], now)
            except (store_errors.Conflict, ValueError):
                return self.issue_each(uow, actor, type_code, requests, now)
            self._store_many(uow, actor, made, now)
            for (pos, _, _), m in zip(s.todo, made, strict=True):
                s.out[pos] = m.issued
        for pos, (_, sk) in enumerate(requests):
            if s.out[pos] is None:
                assert sk is not None
                s.out[pos] = dataclasses.replace(s.out[s.first_of[sk]], skipped=True)
        return s.out

    def draft_context(self, uow: UnitOfWork, dept: str, type_code: str, today: dt.date
                      ) -> tuple[DraftContext, Draft202012Validator]:
        """The context the drafts of a batch issued today are made for (Forbidden, NotFound
        as `issue`)."""
        ctype, validator = self._ledger.issuable_type(uow, dept, type_code)
        return DraftContext(ctype, dept, uow.departments.get(dept).name, today), validator

    def _sort(self, uow: UnitOfWork, dept: str, type_code: str,
              requests: Sequence[Request], today: dt.date,
              drafted: tuple[DraftContext, Sequence[Drafted]] | None) -> _Sorted:
        """Already issued (by source_key), refused by validation, or to issue."""
        certs = uow.certificates
        existing = certs.by_sources(dept, {sk for _, sk in requests if sk is not None})
        stored = certs.current_versions(existing.values())
        s = _Sorted([None] * len(requests), {}, [], None)
        validator: Draft202012Validator | None = None
        ready: Sequence[Drafted] | None = None
        for pos, (data, sk) in enumerate(requests):
            if sk is not None and sk in existing:
                cert = existing[sk]
                s.out[pos] = issued_from(cert, stored[cert.id], skipped=True)
                continue
            if sk is not None and sk in s.first_of:
                continue  # resolved by issue_many: skipped, as the first one is issued
            if s.ctx is None:
                s.ctx, validator = self.draft_context(uow, dept, type_code, today)
                if drafted is not None and drafted[0] == s.ctx:
                    ready = drafted[1]
            try:
                if ready is None:
                    d = draft(s.ctx, data, validator)
                elif isinstance(ready[pos], Draft):
                    d = ready[pos]  # type: ignore[assignment]
                else:
                    raise ready[pos]  # type: ignore[misc]
            except (InvalidCertificateData, ValueError) as exc:
                s.out[pos] = exc
                continue
            s.todo.append((pos, d, sk))
            if sk is not None:
                s.first_of[sk] = pos
        return s

    def issue_each(self, uow: UnitOfWork, actor: Actor, type_code: str,
                   requests: Sequence[Request], now: dt.datetime) -> list[Outcome]:
        """The per-request path: one `issue` each (the behaviour `issue_many` must match)."""
        out: list[Outcome] = []
        for data, sk in requests:
            try:
                out.append(self._single.issue(uow, actor, type_code, data, now, source_key=sk))
            except (InvalidCertificateData, ValueError) as exc:
                out.append(exc)
        return out

    def _create_many(self, uow: UnitOfWork, ctx: DraftContext,
                     items: Sequence[tuple[Draft, str | None]], now: dt.datetime
                     ) -> list[_Made]:
        """Serials, signed records and certificate rows for drafted `items` (see `issue`)."""
        ctype, dept = ctx.ctype, ctx.dept
        first = uow.counters.take(f"cert:{dept}:{ctype.type_code}:{ctx.today.year}", len(items))
        key = self._ledger.signing_key(uow, dept)
        made: list[_Made] = []
        rows: list[dict[str, Any]] = []
        indexes = uow.status_index.pick(len(items), SHARD_SIZE)  # in this transaction
        for k, (d, sk) in enumerate(items):
            fv, payload = d.complete(ctx, first + k, now, indexes[k])
            jws = sign_jws(payload, key.signer, key.cert_der, typ=RECORD_TYP, include_x5c=True)
            issued = IssuedCertificate(identifier=fv.identifier, base_identifier=fv.base,
                                       version=1, status=VALID,
                                       sha256=sha256_hex(payload), jws=jws, record=fv.record)
            made.append(_Made(issued, payload, key.x5t_s256, ctype.type_code, ctype.version, sk,
                              overrides=audit_detail(d.data.overrides)))
            rows.append({**fv.row(ctype, dept, uow.holder_hash(d.data.holder_code), sk, now),
                         "created_at": now, "updated_at": now})
        for m, cert_id in zip(made, uow.certificates.create_many(rows), strict=True):
            m.cert_id = cert_id
        return made

    def _store_many(self, uow: UnitOfWork, actor: Actor, made: Sequence[_Made],
                    now: dt.datetime) -> None:
        """Versions, `issue` events and audit entries of `_create_many`'s certificates."""
        no_details = canonical_bytes({}).decode("utf-8")
        event_bytes = _issue_event_canon(actor, now)
        versions, events, entries = [], [], []
        for m in made:
            c = m.issued
            versions.append({"certificate_id": m.cert_id, "version": 1,
                             "identifier": c.identifier, "canonical": m.payload, "jws": c.jws,
                             "sha256": c.sha256, "signing_cert": m.signing_cert,
                             "created_at": now})
            ev_sha = sha256_hex(event_bytes(c.base_identifier))
            events.append({"certificate_id": m.cert_id, "at": now, "event": "issue",
                           "from_status": None, "to_status": VALID, "version": 1,
                           "reason": "", "actor": actor.name, "actor_dept": actor.dept_code,
                           "details": no_details, "sha256": ev_sha})
            entries.append(AuditEntryInput(
                now=now, actor=actor.name, actor_dept=actor.dept_code, role=actor.role,
                action="certificate.issue", cert_identifier=c.identifier, purpose=None,
                request_id=actor.request_id,
                details={"type_code": m.type_code, "type_version": m.type_version,
                         "version": 1, "sha256": c.sha256, "event_sha256": ev_sha,
                         "signing_cert": m.signing_cert, "source_key": m.source_key,
                         **m.overrides}))
        uow.certificates.add_first_versions(versions)
        uow.certificates.add_events_many(events)
        audit = self._ledger.audit
        record_many = getattr(audit, "record_many", None)
        if record_many is not None:
            record_many(uow, entries)
        else:  # a recorder without batch appends
            for e in entries:
                audit.record(uow, now=e.now, actor=e.actor, actor_dept=e.actor_dept,
                             role=e.role, action=e.action, cert_identifier=e.cert_identifier,
                             purpose=e.purpose, request_id=e.request_id, details=e.details)
