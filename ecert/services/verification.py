"""Glue between the HTTP edge and the verifier: lookups, verification, lists, holders, objections.

Every function takes the :class:`~ecert.platform.Platform` and an :class:`Actor`, opens its
own transactions, audits and signs tree heads (``after_write``); routes stay thin. Read-only
answers go through ``p.reads`` (the read replica when caught up; ``services/reading.py``).

Key choices (documented in docs/verifying.md):

* trust and status lists are signed by the list-signing key, ``x5c`` up to the root, and
  cached per platform, keyed by the list's generation in the database (every worker sees a
  change at its next request), re-signed at least every ``LIST_CACHE_SECONDS``;
* presentation tokens (亮证) are signed by the key of the department that acts for the
  certificate's issuer (the key that signs its QR), typed ``ecert-presentation+jws``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from audit_log.actor import Actor
from ca.certs import describe_cert
from ca.documents import sign_document
from certificate_store import UnitOfWork
from ecert.services.reading import confirmed, current_read, reads_for
from formats.errors import DomainError, Kind
from formats.identifiers import parse_identifier
from formats.status import Verdict
from verifier import bitstring
from verifier import lists as vlists
from verifier import lookup as vlookup
from verifier.catalog import granted, type_view
from verifier.errors import Forbidden, MalformedInput, NotFound, NotGranted, VerifierError
from verifier.pdf import verify_pdf
from verifier.qr import verify_qr_online
from verifier.results import VerificationResult
from verifier.trustcache import kept_for
from verifier.verify import verify_identifier

if TYPE_CHECKING:
    from ecert.platform import Platform

LIST_CACHE_SECONDS = 60
ANNOTATED_PERIOD = dt.timedelta(days=30)
MAX_PDF_BYTES = 5 * 1024 * 1024
PUBLIC_ACTOR = Actor(name="anonymous", role="public")


class CapReached(VerifierError):
    """本证照加注件数量已达上限 / The annotated-copy cap for this certificate is reached."""

    slug = "cap-reached"
    kind = Kind.RATE_LIMITED


class PresentationExpired(VerifierError):
    """亮证二维码已过期 / The presentation token has expired."""

    slug = "expired"
    kind = Kind.GONE


# ---------------------------------------------------------------------------- lists


@dataclass(frozen=True)
class _Cached:
    made_at: dt.datetime
    generation: int
    jws: str


class _ListCache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.items: dict[str, _Cached] = {}


_CACHES: weakref.WeakKeyDictionary[Any, _ListCache] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def _cache(p: Platform) -> _ListCache:
    with _CACHES_LOCK:
        c = _CACHES.get(p)
        if c is None:
            c = _CACHES[p] = _ListCache()
        return c


def signed_list(p: Platform, kind: str) -> str:
    """The root-signed trust list (``kind="trust"``) or status list.

    Cached per process, keyed by the list's generation in the database (bumped in the same
    transaction as any change the list reflects), so a key rotation or status change shows
    on every worker at its next request; re-signed at least every ``LIST_CACHE_SECONDS``
    so ``issued_at`` stays fresh.
    """
    now = p.now()
    cache = _cache(p)
    with cache.lock:
        with p.store.transaction() as uow:
            generation = uow.list_generations()["trust" if kind == "trust" else "status"]
        hit = cache.items.get(kind)
        if hit is not None and hit.generation == generation and dt.timedelta(0) <= (
                now - hit.made_at) < dt.timedelta(seconds=LIST_CACHE_SECONDS):
            return hit.jws
        ttl = dt.timedelta(seconds=p.settings.list_ttl_seconds)
        with current_read(p) as uow:  # the replica when caught up (services/reading.py)
            # the generation read with the data: a change committed in between re-signs next time
            generation = uow.list_generations()["trust" if kind == "trust" else "status"]
            build = vlists.build_trust_list if kind == "trust" else vlists.build_status_list
            payload = build(uow, now, ttl)
            signer, cert_der, chain = p.pki.list_signer(uow)
        jws = sign_document(payload, signer, cert_der, chain)
        cache.items[kind] = _Cached(now, generation, jws)
        return jws


def invalidate_lists(p: Platform) -> None:
    """Drop this process's cached lists (not needed for changes made through the store)."""
    with _cache(p).lock:
        _cache(p).items.clear()


@dataclass(frozen=True)
class SignedShard:
    jws: str  # the root-signed description (ecert/status-shard/2), served in a header
    gz: bytes  # the gzip bytes it describes, served as the body
    etag: str
    generation: int
    digest: str
    made_at: dt.datetime


_SHARDS: weakref.WeakKeyDictionary[Any, dict[int, SignedShard]] = weakref.WeakKeyDictionary()


def signed_shard(p: Platform, shard: int) -> SignedShard:
    """One root-signed bitstring status shard (verifier.bitstring) with its ETag.

    Rebuilt only when the status generation moved; re-signed only when an entry of this
    shard changed (or half its lifetime has passed, so it never goes stale while served).
    """
    now = p.now()
    ttl = dt.timedelta(seconds=p.settings.list_ttl_seconds)
    cache = _cache(p)
    with cache.lock:
        shards = _SHARDS.setdefault(p, {})
        hit = shards.get(shard)
        with current_read(p) as uow:
            generation = uow.list_generations()["status"]
            fresh = hit is not None and dt.timedelta(0) <= now - hit.made_at < ttl / 2
            if fresh and hit is not None and hit.generation == generation:
                return hit
            entries = uow.status_index.shard(shard, bitstring.SHARD_SIZE)
            signer, cert_der, chain = p.pki.list_signer(uow)
        body = bitstring.build_shard(shard, entries, now, ttl)
        digest = str(body.meta["sha256"])
        if fresh and hit is not None and hit.digest == digest:
            out = dataclasses.replace(hit, generation=generation)
        else:
            jws = sign_document(body.meta, signer, cert_der, chain)
            etag = '"' + hashlib.sha256(jws.encode()).hexdigest()[:32] + '"'
            out = SignedShard(jws, body.gz, etag, generation, digest, now)
        shards[shard] = out
        return out


@dataclass(frozen=True)
class RootKey:
    jwk: Mapping[str, str]
    x5t_s256: str


def root_key(p: Platform) -> RootKey:
    """The root's public key as a JWK, embedded in the citizen page to check the trust list."""
    with p.store.transaction() as uow:
        der = p.pki.root_cert(uow)
    info = describe_cert(der)
    return RootKey(vlists.jwk_from_spki(info.public_key_der), info.x5t_s256)


# ---------------------------------------------------------------------------- status / verify


@dataclass(frozen=True)
class PublicStatus:
    verdict: str
    status: str | None
    checked_at: dt.datetime
    identifier: str
    current_identifier: str | None
    display: Mapping[str, str]
    qr_checked: bool = False
    """The answer covers the QR's own claims, not only the live status."""


def public_status(p: Platform, identifier: str) -> PublicStatus:
    """Live status for a bare identifier: verdict and status code only, no display fields.

    Identifiers are sequential with a computable check character, so anything more (even a
    masked name) would let anyone list the register, including holders whose identity must
    stay confidential; display fields need proof of holding the document
    (:func:`public_status_for_qr`).
    """
    now = p.now()
    with p.reads.read() as read:  # the replica when caught up (services/reading.py)
        res = verify_identifier(read.uow, identifier, now, trust=kept_for(p).view(read.uow))
    verdict, code = confirmed(read.confirmed, res.verdict, res.status_code)
    return PublicStatus(verdict, code, now, res.identifier or identifier,
                        res.current_identifier, {})


def public_status_for_qr(p: Platform, identifier: str, jws: str) -> PublicStatus:
    """Live status for a caller presenting the QR's signed fragment (proof of holding it).

    The claim set is verified online against the store (signature, signing key, status); the
    masked display fields come back only when the signature holds, so a guessed identifier
    with a made-up fragment learns no more than the bare-identifier answer. Later checks of
    the presented JWS belong in this one function: `verify_qr_online` compares its claims with
    the stored record, so a key revoked for compromise forges nothing (issue #9 §1).
    """
    now = p.now()
    with p.reads.read() as read:
        uow, trust = read.uow, kept_for(p).view(read.uow)
        res = verify_qr_online(uow, f"/v/{identifier}#{jws}", now, root_der=p.pki.root_cert(uow),
                               trust=trust)
        # forged, tampered, another certificate's fragment or undecidable: nothing to show
        signed = res.verdict not in (Verdict.INVALID, Verdict.UNKNOWN) and any(
            c.name == "signature" and c.passed for c in res.checks)
        display: dict[str, str] = {}
        if signed:  # the stored record's masked fields (names ecert/qr/2 does not carry)
            display = dict(verify_identifier(uow, res.identifier or identifier, now, trust=trust).display)
            for key, value in res.display:
                display.setdefault(key, value)
    verdict, code = confirmed(read.confirmed, res.verdict, res.status_code)
    return PublicStatus(verdict, code, now, res.identifier or identifier,
                        res.current_identifier, display, qr_checked=True)


def verify_by_identifier(p: Platform, actor: Actor, identifier: str,
                         purpose: str | None) -> VerificationResult:
    now = p.now()
    with reads_for(p, actor).transaction() as uow:  # audit entry: always the primary
        res = verify_identifier(uow, identifier, now, trust=kept_for(p).view(uow))
        action = "certificate.use" if actor.role == "user" else "certificate.verify"
        p.audit.record_by(uow, actor, now=now, action=action,
                          cert_identifier=res.identifier, purpose=_clip(purpose),
                          details={"by": "verify", "verdict": res.verdict.value})
        p.after_write(uow)
    return res


def verify_pdf_upload(p: Platform, actor: Actor, data: bytes,
                      purpose: str | None) -> VerificationResult:
    """Every PDF check is ``verifier.pdf``'s policy; here: the root, the store, the audit."""
    now = p.now()
    with p.store.transaction() as uow:
        root_der = p.pki.root_cert(uow)
        res = verify_pdf(uow, data, root_der, now)
        p.audit.record_by(uow, actor, now=now, action="certificate.use",
                          cert_identifier=res.identifier, purpose=_clip(purpose),
                          details={"by": "pdf", "verdict": res.verdict.value,
                                   "sha256": hashlib.sha256(data).hexdigest()})
        p.after_write(uow)
    return res


def _clip(value: str | None) -> str | None:
    return value.strip()[:200] if isinstance(value, str) and value.strip() else None


# ---------------------------------------------------------------------------- lookup


def lookup(p: Platform, actor: Actor, identifier: str, purpose: str | None) -> vlookup.LookupResult:
    res = vlookup.lookup(reads_for(p, actor), actor, identifier, purpose or "", p.now(), audit=p.audit,
                         trust=kept_for(p))
    _sign_head(p)
    return res


def lookup_by_holder(p: Platform, actor: Actor, holder_code: str, type_code: str,
                     purpose: str | None) -> tuple[vlookup.LookupResult, ...]:
    res = vlookup.lookup_by_holder(reads_for(p, actor), actor, holder_code, type_code, purpose or "",
                                   p.now(), audit=p.audit)
    _sign_head(p)
    return res


def _sign_head(p: Platform) -> None:
    with p.store.transaction() as uow:
        p.after_write(uow)


def lookup_json(res: vlookup.LookupResult) -> dict[str, Any]:
    return {
        "identifier": res.identifier, "current_identifier": res.current_identifier,
        "type_code": res.type_code, "type_name": res.type_name, "status": res.status,
        "record": json.loads(json.dumps(dict(res.record), default=str)),
        "personal_visible": res.personal_visible,
        "versions": [dataclasses.asdict(v) for v in res.versions],
        "verification": res.verification.to_dict(), "labels": dict(res.labels),
    }


# ---------------------------------------------------------------------------- annotated copies


@dataclass(frozen=True)
class AnnotatedCopy:
    identifier: str
    pdf: bytes
    sha256: str
    expires_at: dt.datetime
    used: int
    cap: int


def _deny(p: Platform, actor: Actor, now: dt.datetime, identifier: str | None, purpose: str | None,
          err: VerifierError | DomainError) -> None:
    with p.store.transaction() as uow:
        p.audit.record_by(uow, actor, now=now, action="certificate.annotated_copy_denied",
                          cert_identifier=identifier, purpose=_clip(purpose),
                          details={"reason": err.slug})
        p.after_write(uow)
    err.audited = True  # type: ignore[union-attr]  # the edge logs no second refusal
    raise err


def _annotated_check(uow: UnitOfWork, actor: Actor, identifier: str, purpose: str,
                     now: dt.datetime) -> tuple[int, str, str, int, int, int]:
    """(certificate id, current identifier, department name, version, cap, used)."""
    if actor.role != "user" or not actor.dept_code:
        raise Forbidden()
    ident = parse_identifier(identifier)
    cert = uow.certificates.by_base(ident.base)
    if cert is None:
        raise NotFound()
    view = type_view(uow.catalog.get(cert.type_code, cert.type_version))
    if granted(uow, view, actor.dept_code, purpose) is None:
        raise NotGranted()
    used = uow.certificates.count_annotated_copies(cert.id, now - ANNOTATED_PERIOD)
    if used >= view.annotated_copy_cap:
        raise CapReached(f"每 30 天最多 {view.annotated_copy_cap} 份加注件 / "
                         f"at most {view.annotated_copy_cap} annotated copies per 30 days")
    current = uow.certificates.version(cert.id, cert.current_version).identifier
    dept = uow.departments.find(actor.dept_code)
    return (cert.id, current, dept.name if dept else actor.dept_code, cert.current_version,
            view.annotated_copy_cap, used)


def annotated_copy(p: Platform, actor: Actor, identifier: str, purpose: str | None,
                   expires_in_days: int) -> AnnotatedCopy:
    """加注件: grant checked, cap per certificate per 30 days, signed anew, recorded, audited."""
    now = p.now()
    try:
        clean = vlookup.normalise_purpose(purpose)
        if len(clean) > 60:
            raise MalformedInput("用证事由过长（加注件最多 60 字）/ purpose too long for a copy")
        with p.store.transaction() as uow:
            cert_id, current, dept_name, _v, _cap, _used = _annotated_check(
                uow, actor, identifier, clean, now)
    except (VerifierError, DomainError) as err:
        _deny(p, actor, now, identifier if len(identifier) <= 130 else None, purpose, err)
        raise AssertionError("unreachable") from None
    expires = now + dt.timedelta(days=expires_in_days)
    with p.store.transaction() as uow:  # what the face needs; its QR URL is kept
        pending = p.documents.prepare_annotated(uow, current, clean, dept_name, expires, now)
    pdf = pending.render()  # slow: no txn
    digest = hashlib.sha256(pdf).hexdigest()
    try:
        with p.store.transaction() as uow:
            cert_id, current, _n, version, cap, used = _annotated_check(uow, actor, current,
                                                                        clean, now)
            uow.certificates.add_annotated_copy(certificate_id=cert_id, version=version,
                                                using_dept=actor.dept_code or "", purpose=clean,
                                                expires_at=expires, sha256=digest, now=now)
            p.audit.record_by(uow, actor, now=now, action="certificate.annotated_copy",
                              cert_identifier=current, purpose=clean,
                              details={"sha256": digest, "expires_at": expires.isoformat(),
                                       "count": used + 1, "cap": cap})
            p.after_write(uow)
    except (VerifierError, DomainError) as err:  # a concurrent copy took the last slot
        _deny(p, actor, now, current, clean, err)
        raise AssertionError("unreachable") from None
    return AnnotatedCopy(current, pdf, digest, expires, used + 1, cap)


__all__ = ["signed_list", "invalidate_lists", "root_key", "public_status", "lookup",
           "lookup_by_holder", "lookup_json", "annotated_copy", "verify_pdf_upload",
           "verify_by_identifier", "CapReached", "PresentationExpired",
           "MAX_PDF_BYTES", "PUBLIC_ACTOR"]
