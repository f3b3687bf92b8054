"""Verification of a citizen QR (``https://…/v/<identifier>#<jws>``): offline against the
root-signed trust list and the status list or the one status shard the QR names, or online
against the store. Three QR specs (docs/formats.md): ``ecert/qr/3`` as issued now (packed,
with the status index ``si``), ``ecert/qr/2`` and legacy ``ecert/qr/1`` still on paper."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import urllib.parse
from collections.abc import Iterable, Mapping
from typing import Any

from ca.errors import CaError
from ca.jws import ParsedJws, parse_jws
from certificate_store import UnitOfWork
from formats.errors import MalformedIdentifier
from formats.identifiers import Identifier, parse_identifier
from formats.keyids import is_kid
from formats.qr import QR1_TYP, QR2_SPEC, QR2_TYP, QR3_SPEC, QR3_TYP, fragment_typ, unpack_fragment
from formats.statuslist import shard_of
from verifier.bitstring import StatusShard
from verifier.display import display_fields
from verifier.errors import MalformedInput
from verifier.evidence import Evidence, StatusInfo, decode_claims
from verifier.gather import (
    locate,
    not_found,
    require_aware,
    signed_at,
    store_status,
    store_vouches,
)
from verifier.lists import StatusList, TrustList
from verifier.policy import QR_OFFLINE_POLICY, QR_ONLINE_POLICY
from verifier.results import VerificationResult, make_result
from verifier.trustcache import Trust

MAX_QR_CHARS = 4096
_PATH_RE = re.compile(r"(?:.*/)?v/([^/?#]+)/?")
_NOT_QR = "不是本平台的证照二维码 / not an ecert QR code"


def parse_qr(text: object) -> tuple[str | None, str]:
    """Split a citizen QR: ``https://…/v/<identifier>#<jws>``, ``/v/<id>#<jws>``, or ``#<jws>``.

    Returns (identifier from the path or None, compact JWS). Raises :class:`MalformedInput`.
    """
    if not isinstance(text, str) or not text or len(text) > MAX_QR_CHARS:
        raise MalformedInput(_NOT_QR)
    text = text.strip()
    if "#" not in text:
        raise MalformedInput(_NOT_QR)
    before, _, fragment = text.partition("#")
    ident: str | None = None
    if before:
        scheme, path, query = _url_parts(before)
        if scheme and scheme not in ("https", "http"):
            raise MalformedInput(_NOT_QR)
        m = _PATH_RE.fullmatch(path)
        if m is None or query:
            raise MalformedInput(_NOT_QR)
        ident = urllib.parse.unquote(m.group(1))
    if not fragment or not fragment.isascii() or fragment.count(".") != 2:
        raise MalformedInput(_NOT_QR)
    return ident, fragment


# A printed code's URL as ecert makes it: lower-case scheme, a plain host name, a path of
# URL-safe characters, nothing else. For such text `urlsplit` gives exactly these parts; every
# other URL goes through `urlsplit` (tests/verifier/test_qr_golden.py compares the two).
_PLAIN_URL = re.compile(r"(https?)://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)")


def _url_parts(before: str) -> tuple[str, str, str]:
    """(scheme, path, query) of the URL before the fragment; raises :class:`MalformedInput`."""
    m = _PLAIN_URL.fullmatch(before)
    if m is not None:
        return m.group(1), m.group(2), ""
    try:
        parts = urllib.parse.urlsplit(before)
    except ValueError as exc:
        raise MalformedInput(_NOT_QR) from exc
    return parts.scheme, parts.path, parts.query


def _qr_input(
    url_or_fragment: object,
) -> tuple[Identifier, str, ParsedJws, Mapping[str, Any] | None]:
    path_id, jws = parse_qr(url_or_fragment)
    if fragment_typ(jws) == QR3_TYP:
        try:  # the signed JWS, rebuilt from the packed claims and the path (formats.qr)
            jws = unpack_fragment(path_id, jws)
        except ValueError as exc:
            raise MalformedInput(_NOT_QR) from exc
    try:
        parsed = parse_jws(jws, MAX_QR_CHARS)
    except CaError as exc:
        raise MalformedInput(_NOT_QR) from exc
    claims = decode_claims(parsed.payload)
    raw_id = path_id if path_id is not None else (claims or {}).get("id")
    ident = parse_identifier(raw_id)
    return ident, jws, parsed, claims


def qr_claims_view(claims: Mapping[str, Any] | None) -> tuple[str, Mapping[str, Any] | None]:
    """(expected ``typ``, claims as the policy reads them) for any QR spec.

    ``ecert/qr/2`` and ``/3`` do not repeat the type and issuer codes: they are read here from the
    signed ``id`` (so they are exactly as bound as before); names it never carries are dropped.
    An ``id`` that does not parse leaves them out, and the issuer check then fails.
    """
    if claims is None or claims.get("spec") not in (QR2_SPEC, QR3_SPEC):
        return QR1_TYP, claims
    typ = QR3_TYP if claims.get("spec") == QR3_SPEC else QR2_TYP
    view = dict(claims)
    for name in ("t", "iss", "tn", "in"):
        view.pop(name, None)
    try:
        signed_id = parse_identifier(claims.get("id"))
    except MalformedIdentifier:
        return typ, view
    view["t"] = signed_id.type_code
    view["iss"] = signed_id.issuer_code
    return typ, view


def _qr_kid(parsed: ParsedJws) -> str | None:
    kid = parsed.header.get("kid")
    return kid if is_kid(kid) else None


def _by_kid(thumbprints: Iterable[object], kid: str | None) -> str | None:
    """The one thumbprint that starts with ``kid`` (None if none or, never seen, several)."""
    if kid is None:
        return None
    found = [t for t in thumbprints if isinstance(t, str) and t.startswith(kid)]
    return found[0] if len(found) == 1 else None


def _named(parsed: ParsedJws, x5t: str | None) -> ParsedJws:
    """``parsed`` with the thumbprint its ``kid`` resolved to, for the signature check."""
    if x5t is None or parsed.x5t_s256 is not None:
        return parsed
    return parsed.naming(x5t)


def _shard_status(claims: Mapping[str, Any] | None, ident: Identifier,
                  shards: Mapping[int, StatusShard]) -> tuple[StatusInfo, StatusShard] | None:
    """The status the shard named by the claims' ``si`` records (None without one).

    A shard keeps two bits per certificate, no version: the version is taken as current
    (docs/verifying.md; the status list and the online check tell a superseded version)."""
    si = (claims or {}).get("si")
    if type(si) is not int or si < 0:
        return None
    number, entry = shard_of(si)
    shard = shards.get(number)
    if shard is None:
        return None
    info = StatusInfo(shard.status_code(entry), ident.version, None, None, "status-shard")
    return info, shard


def _offline_evidence(
    url_or_fragment: str, trust_list: TrustList, status_list: StatusList | None,
    now: dt.datetime, shards: Mapping[int, StatusShard],
) -> tuple[Evidence, str | None]:
    """The evidence an offline QR check reads, and the trust list's name of its department."""
    ident, jws, parsed, raw_claims = _qr_input(url_or_fragment)
    expected_typ, claims = qr_claims_view(raw_claims)
    when = signed_at(claims)
    if parsed.x5t_s256 is None:
        kid = _qr_kid(parsed)
        parsed = _named(parsed, None if kid is None else trust_list.by_kid.get(kid))
    trusted = trust_list.keys.get(parsed.x5t_s256 or "")
    note = None
    if trusted is None:
        older = when is not None and when > trust_list.issued_at
        note = "trust-list-older" if older else "unknown-signer"
    entry = status_list.entries.get(ident.base) if status_list is not None else None
    status = None
    lists = [trust_list.info] + ([status_list.info] if status_list is not None else [])
    if entry is not None:
        status = StatusInfo(entry.status, entry.version, entry.valid_to, None, "status-list")
    from_shard = _shard_status(claims, ident, shards)
    if from_shard is not None:  # the shard is the fresher, smaller source; the list adds version
        lists.append(from_shard[1].info)
        code = from_shard[0].code
        status = from_shard[0] if status is None else dataclasses.replace(status, code=code)
    ev = Evidence(
        now=now, identifier=ident, jws=jws, parsed=parsed, expected_typ=expected_typ,
        key=trusted.key if trusted else None, claims=claims, signed_at=when, status=status,
        lists=tuple(lists), key_lookup_note=note,
    )
    return ev, trusted.dept_name if trusted else None


def verify_qr(
    url_or_fragment: str, trust_list: TrustList, status_list: StatusList | None,
    now: dt.datetime, shards: Mapping[int, StatusShard] | None = None,
) -> VerificationResult:
    """Offline: the claim set's signature against the trust list; the status from the shard
    an ``ecert/qr/3`` code names (when given: ``shards`` by number, ``verifier.bitstring``),
    else from the status list. With neither, the status is unknown and so is the verdict."""
    now = require_aware(now)
    ev, dept_name = _offline_evidence(url_or_fragment, trust_list, status_list, now,
                                      shards or {})
    assert ev.identifier is not None  # _qr_input parsed it
    ident = ev.identifier
    ages = {info.name: (now - info.issued_at).total_seconds() for info in ev.lists}
    entry = status_list.entries.get(ident.base) if status_list is not None else None
    current = None
    if entry is not None and entry.version > ident.version:
        current = f"{ident.base}.{entry.version:03d}"  # check char unknown offline
    return make_result(
        QR_OFFLINE_POLICY.evaluate(ev),
        identifier=ident.text,
        checked_at=now,
        status_code=ev.status.code if ev.status else None,
        current_identifier=current,
        display=display_fields(ev.claims, dept_name),
        list_ages=ages,
        check_standard=ident.check_standard,
    )


def verify_qr_online(
    uow: UnitOfWork, url: str, now: dt.datetime, *, root_der: bytes | None = None,
    trust: Trust | None = None,
) -> VerificationResult:
    """Online: the claim set against the store's signing certificate and live status.
    ``trust``: where the key rows come from (default: read from ``uow``)."""
    now = require_aware(now)
    ident, jws, parsed, raw_claims = _qr_input(url)
    expected_typ, claims = qr_claims_view(raw_claims)
    found = locate(uow, ident)
    if found is None:
        return not_found(ident, now)
    version, cert = found
    if parsed.x5t_s256 is None and _qr_kid(parsed) is not None:
        certs = [r.x5t_s256 for r in uow.pki.certs(kind="department")]
        parsed = _named(parsed, _by_kid(certs, _qr_kid(parsed)))
    status = store_status(uow, cert, version)
    key = (trust or Trust.fresh(uow)).department_key(parsed.x5t_s256, root_der)
    vouched = store_vouches(uow, version, key, (claims or {}).get("rh"))
    ev = Evidence(
        now=now, identifier=ident, jws=jws, parsed=parsed, expected_typ=expected_typ,
        key=key, claims=claims, signed_at=signed_at(claims), stored_sha256=version.sha256,
        stored_canonical=version.canonical, status=status, store_vouches=vouched,
    )
    return make_result(
        QR_ONLINE_POLICY.evaluate(ev),
        identifier=ident.text,
        checked_at=now,
        status_code=cert.status,
        current_identifier=status.current_identifier,
        display=display_fields(claims, _dept_name(uow, claims)),
        check_standard=ident.check_standard,
    )


def _dept_name(uow: UnitOfWork, claims: Mapping[str, Any] | None) -> str | None:
    code = claims.get("iss") if claims else None
    dept = uow.departments.find(code) if isinstance(code, str) else None
    return None if dept is None else dept.name
