"""Trust list and status list for offline verifiers (docs/formats.md).

``build_*`` return the payload dicts; the caller signs them with the list-signing key through
``ca.documents.sign_document(obj, signer, cert_der, chain)`` (x5c up to the root) and serves
the compact JWS. ``load_*`` verify the signature, the chain to the pinned root and freshness:
a list past its ``next_update`` raises :class:`StaleList`, or with ``allow_stale=True`` comes
back flagged so that every verification using it ends ``unknown`` (never ``valid``).
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from ca.certs import CertInfo, describe_cert, verify_chain
from ca.documents import verify_document
from ca.errors import CaError
from ca.jws import b64url
from certificate_store import UnitOfWork
from certificate_store.records import PkiCertRecord
from formats.chinatime import parse_utc_z, utc_z, valid_to_date
from formats.keyids import KID_CHARS, kid_of
from verifier.errors import ListInvalid, MalformedInput, StaleList
from verifier.evidence import ListInfo, SigningKeyInfo

TRUST_SPEC = "ecert/trust-list/1"
STATUS_SPEC = "ecert/status-list/1"
_P256_SPKI_PREFIX = bytes.fromhex("3059301306072a8648ce3d020106082a8648ce3d030107034200")


def jwk_from_spki(spki_der: bytes) -> dict[str, str]:
    if not spki_der.startswith(_P256_SPKI_PREFIX) or len(spki_der) != len(_P256_SPKI_PREFIX) + 65:
        raise ValueError("not an uncompressed P-256 public key")
    point = spki_der[len(_P256_SPKI_PREFIX) :]
    return {"kty": "EC", "crv": "P-256", "x": b64url(point[1:33]), "y": b64url(point[33:])}


def _date_cst(t: dt.datetime | None) -> str | None:
    d = valid_to_date(t)
    return None if d is None else d.isoformat()


# ------------------------------------------------------------------ build


def _department_certs(uow: UnitOfWork) -> list[PkiCertRecord]:
    return [r for r in uow.pki.certs(kind="department")]


def build_trust_list(uow: UnitOfWork, now: dt.datetime, ttl: dt.timedelta) -> dict[str, Any]:
    """Payload of ``GET /pki/trust-list``: every department signing certificate, any state,
    and (``cas``) every issuing CA certificate the root signed, so verifiers build chains."""
    root = uow.pki.active("root")
    if root is None:
        raise LookupError("no active root certificate")
    keys = []
    names: dict[str, str] = {}
    acts: dict[str, list[str]] = {}
    for rec in sorted(_department_certs(uow), key=lambda r: r.id):
        info = describe_cert(rec.der)
        code = rec.dept_code or info.uscc or ""
        if code not in names:
            dept = uow.departments.find(code)
            names[code] = dept.name if dept is not None else (info.common_name or "")
            acts[code] = sorted(uow.departments.predecessors(code))
        keys.append(
            {
                "x5t#S256": rec.x5t_s256,
                "dept": code,
                "dept_name": names[code],
                # Art. 9: predecessors whose certificates this department now seals
                "acts_for": acts[code],
                "jwk": jwk_from_spki(info.public_key_der),
                "not_before": utc_z(rec.not_before),
                "not_after": utc_z(rec.not_after),
                "state": rec.state,
                "revoked_at": utc_z(rec.revoked_at) if rec.revoked_at else None,
                # key_compromise: nothing it signed proves anything, whatever time it claims
                "revocation_reason": rec.revocation_reason,
                "cert": base64.b64encode(rec.der).decode("ascii"),
            }
        )
    return {
        "spec": TRUST_SPEC,
        "issued_at": utc_z(now),
        "next_update": utc_z(now + ttl),
        "root": {"x5t#S256": root.x5t_s256},
        "keys": keys,
        **_cas(uow),
    }


def _cas(uow: UnitOfWork) -> dict[str, list[str]]:
    """Absent on platforms without an issuing CA: their lists stay as they were."""
    cas = [base64.b64encode(r.der).decode("ascii") for r in uow.pki.certs(kind="issuing")]
    return {"cas": cas} if cas else {}


def build_status_list(uow: UnitOfWork, now: dt.datetime, ttl: dt.timedelta) -> dict[str, Any]:
    """Payload of ``GET /pki/status-list``: base identifier, current version, status, end date."""
    entries: list[dict[str, Any]] = []
    after = 0
    while True:
        page = uow.certificates.page(after_id=after, limit=1000)
        if not page:
            break
        for c in page:
            entries.append(
                {
                    "id": c.base_identifier,
                    "v": c.current_version,
                    "s": c.status,
                    "vt": _date_cst(c.valid_to),
                }
            )
        after = page[-1].id
    entries.sort(key=lambda e: e["id"])
    return {
        "spec": STATUS_SPEC,
        "issued_at": utc_z(now),
        "next_update": utc_z(now + ttl),
        "entries": entries,
    }


# ------------------------------------------------------------------ load


@dataclass(frozen=True)
class TrustedKey:
    key: SigningKeyInfo
    dept_name: str
    cert_der: bytes


@dataclass(frozen=True)
class TrustList:
    issued_at: dt.datetime
    next_update: dt.datetime
    root_x5t: str
    keys: Mapping[str, TrustedKey]
    stale: bool

    @functools.cached_property  # read on every offline verification
    def info(self) -> ListInfo:
        return ListInfo("trust-list", self.issued_at, self.next_update)

    @functools.cached_property
    def by_kid(self) -> Mapping[str, str]:
        """The thumbprint a short ``kid`` (`formats.keyids`) names: the one key whose
        thumbprint starts with it (a kid that two keys share names neither)."""
        found: dict[str, list[str]] = {}
        for t in self.keys:
            found.setdefault(kid_of(t), []).append(t)
        return MappingProxyType({k: ts[0] for k, ts in found.items()
                                 if len(ts) == 1 and len(k) == KID_CHARS})


@dataclass(frozen=True)
class StatusEntry:
    version: int
    status: str
    valid_to: dt.date | None


@dataclass(frozen=True)
class StatusList:
    issued_at: dt.datetime
    next_update: dt.datetime
    entries: Mapping[str, StatusEntry]
    stale: bool

    @functools.cached_property  # read on every offline verification
    def info(self) -> ListInfo:
        return ListInfo("status-list", self.issued_at, self.next_update)


def _verified_payload(jws: str, root_der: bytes, now: dt.datetime, spec: str,
                      root_crl: bytes | None = None) -> dict[str, Any]:
    try:
        obj = verify_document(jws, root_der, now, root_crl)
    except CaError as exc:
        raise ListInvalid("列表签名无效 / list not signed by the trusted root") from exc
    if not isinstance(obj, dict) or obj.get("spec") != spec:
        raise ListInvalid("列表格式错误 / not a " + spec)
    return obj


def _times(
    obj: Mapping[str, Any], now: dt.datetime, allow_stale: bool
) -> tuple[dt.datetime, dt.datetime, bool]:
    try:
        issued, nxt = parse_utc_z(obj.get("issued_at")), parse_utc_z(obj.get("next_update"))
    except ValueError as exc:
        raise ListInvalid("列表时间格式错误 / bad list times") from exc
    stale = now >= nxt
    if stale and not allow_stale:
        raise StaleList(f"列表已于 {utc_z(nxt)} 过期 / list expired at {utc_z(nxt)}")
    return issued, nxt, stale


def _reason(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise ValueError("revocation_reason must be a string")


def _chain_ok(info: CertInfo, root_der: bytes, root: CertInfo,
              cas: tuple[bytes, ...] = ()) -> bool:
    at = max(info.not_before, root.not_before)
    try:
        verify_chain(info.der, root_der, at, cas)
    except CaError:
        return False
    return True


def _intermediates(obj: Mapping[str, Any]) -> tuple[bytes, ...]:
    try:
        return tuple(base64.b64decode(c, validate=True) for c in obj.get("cas", ()))
    except (TypeError, ValueError) as exc:
        raise ListInvalid("信任列表格式错误 / bad cas") from exc


def load_trust_list(
    jws: str, root_der: bytes, now: dt.datetime, *, allow_stale: bool = False,
    root_crl: bytes | None = None,
) -> TrustList:
    """``root_crl``: the root's CRL where the verifier has it (an issuing CA it lists fails
    the list's own chain)."""
    if not isinstance(jws, str):
        raise MalformedInput("list must be a compact JWS string")
    obj = _verified_payload(jws.strip(), root_der, now, TRUST_SPEC, root_crl)
    cas = _intermediates(obj)
    issued, nxt, stale = _times(obj, now, allow_stale)
    root = describe_cert(root_der)
    if not isinstance(obj.get("root"), dict) or obj["root"].get("x5t#S256") != root.x5t_s256:
        raise ListInvalid("信任列表根证书不符 / trust list names another root")
    keys: dict[str, TrustedKey] = {}
    raw_keys = obj.get("keys")
    if not isinstance(raw_keys, list):
        raise ListInvalid("信任列表格式错误 / keys missing")
    for k in raw_keys:
        try:
            der = base64.b64decode(k["cert"], validate=True)
            info = describe_cert(der)
            if info.x5t_s256 != k["x5t#S256"] or jwk_from_spki(info.public_key_der) != k["jwk"]:
                raise ValueError("key entry does not match its certificate")
            revoked_at = parse_utc_z(k["revoked_at"]) if k.get("revoked_at") else None
            state = str(k["state"])
            key = SigningKeyInfo(
                x5t_s256=info.x5t_s256,
                dept_code=str(k["dept"]),
                public_key_der=info.public_key_der,
                not_before=info.not_before,
                not_after=info.not_after,
                state=state,
                revoked_at=revoked_at,
                revocation_reason=_reason(k.get("revocation_reason")),
                chain_ok=_chain_ok(info, root_der, root, cas),
                acts_for=frozenset(str(c) for c in k.get("acts_for", ())),
            )
        except (KeyError, TypeError, ValueError, CaError) as exc:
            raise ListInvalid("信任列表条目无效 / bad trust list entry") from exc
        keys[info.x5t_s256] = TrustedKey(key, str(k.get("dept_name", "")), der)
    return TrustList(issued, nxt, root.x5t_s256, MappingProxyType(keys), stale)


def load_status_list(
    jws: str, root_der: bytes, now: dt.datetime, *, allow_stale: bool = False,
    root_crl: bytes | None = None,
) -> StatusList:
    if not isinstance(jws, str):
        raise MalformedInput("list must be a compact JWS string")
    obj = _verified_payload(jws.strip(), root_der, now, STATUS_SPEC, root_crl)
    issued, nxt, stale = _times(obj, now, allow_stale)
    raw = obj.get("entries")
    if not isinstance(raw, list):
        raise ListInvalid("状态列表格式错误 / entries missing")
    entries: dict[str, StatusEntry] = {}
    try:
        for e in raw:
            vt = dt.date.fromisoformat(e["vt"]) if e.get("vt") else None
            v = e["v"]
            if not isinstance(v, int) or isinstance(v, bool) or not isinstance(e["s"], str):
                raise ValueError("bad entry")
            entries[str(e["id"])] = StatusEntry(v, e["s"], vt)
    except (KeyError, TypeError, ValueError) as exc:
        raise ListInvalid("状态列表条目无效 / bad status list entry") from exc
    return StatusList(issued, nxt, MappingProxyType(entries), stale)
