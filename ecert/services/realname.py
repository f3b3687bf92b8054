"""Real-name authentication of holders (持证主体实名认证): an adapter, chosen by settings.

A holder proves who they are to a :class:`RealNameAuthenticator`; on success the platform
gives them a short-lived holder token (see ``ecert.services.holder.holder_login``). The platform
itself never decides identity.

Production adapter (to be written for a deployment): the Tibet Autonomous Region's unified
identity service for government services (西藏政务服务统一身份认证, part of the national
integrated online government service platform), reached through OpenID Connect. Its
``authenticate`` would take a :class:`LoginClaim` carrying the authorisation code of the
OIDC redirect, exchange it at the provider's token endpoint, validate the ID token (issuer,
audience, nonce, signature against the provider's JWKS, ``at`` against ``exp``) and return
the verified ID number / USCC from the provider's claims. Nothing else in the platform
changes: the session route, tokens, audit and the holder page stay as they are.

:class:`DevelopmentRealName` is **NOT real authentication**. It accepts anyone who knows a
holder's name and ID number (or an organisation's name and USCC) of a certificate in the
store — data printed on the certificate itself and known to many people. It exists so that
``ecert demo`` and the tests can exercise the holder flow; it is on only when
``ECERT_REALNAME=development`` and never by default.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import Protocol

from certificate_store import Store
from ecert.errors import UsageError
from formats.idnumber import citizen_id_problems
from formats.uscc import uscc_problems

log = logging.getLogger("ecert.realname")

CITIZEN, ORGANISATION = "111", "001"
MODES = ("none", "development")
_DOTS = re.compile(r"[·•‧・∙⋅.．]")  # middle dots in transliterated (e.g. Tibetan) names
_SPACE = re.compile(r"\s+")
MAX_CERTIFICATES_CHECKED = 50


@dataclass(frozen=True)
class LoginClaim:
    """What the holder typed (development) or what the identity provider sent back."""

    name: str
    code: str  # citizen ID number (GB 11643) or organisation USCC (GB 32100)


@dataclass(frozen=True)
class VerifiedHolder:
    """An identity the authenticator vouches for; only ``code`` reaches the token (hashed)."""

    code: str
    code_kind: str  # "111" citizen | "001" organisation
    method: str  # "development" | e.g. "xizang-oidc"


class RealNameAuthenticator(Protocol):
    """Vouches for a holder's identity, or answers None (never says why)."""

    method: str

    def authenticate(self, claim: LoginClaim, now: dt.datetime) -> VerifiedHolder | None: ...


def normalise_code(code: str) -> tuple[str, tuple[str, ...]]:
    """(code, kinds it is well-formed as); `UsageError` when it is neither an ID number nor a USCC.

    The check characters say only that the number is well-formed, nothing about whether it
    exists, so a malformed number may be told apart from a wrong one.
    """
    clean = _SPACE.sub("", unicodedata.normalize("NFKC", code)).upper()
    kinds = tuple(k for k, problems in ((CITIZEN, citizen_id_problems(clean)),
                                        (ORGANISATION, uscc_problems(clean))) if not problems)
    if not kinds:
        raise UsageError("身份证号码或统一社会信用代码格式不正确 / "
                         "not a well-formed ID number or unified social credit code")
    return clean, kinds


def normalise_name(name: str) -> str:
    """NFKC, no spaces, one kind of middle dot: 次仁 · 多吉 = 次仁·多吉."""
    return _DOTS.sub("·", _SPACE.sub("", unicodedata.normalize("NFKC", name)))


class DevelopmentRealName:
    """DEVELOPMENT ONLY — NOT real authentication (see the module docstring).

    Succeeds when the store holds at least one certificate (any status) of the holder whose
    current version's signed record names the holder with this name and this kind of code.
    """

    method = "development"

    def __init__(self, store: Store) -> None:
        self._store = store

    def authenticate(self, claim: LoginClaim, now: dt.datetime) -> VerifiedHolder | None:
        try:
            code, kinds = normalise_code(claim.code)
        except UsageError:
            return None
        want = normalise_name(claim.name)
        if not want:
            return None
        with self._store.transaction() as uow:
            for cert in uow.certificates.by_holder(uow.holder_hash(code),
                                                   limit=MAX_CERTIFICATES_CHECKED):
                version = uow.certificates.version(cert.id, cert.current_version)
                holder = json.loads(version.canonical).get("holder") or {}
                kind = holder.get("code_kind")
                if (str(holder.get("code", "")).upper() == code and kind in kinds
                        and normalise_name(str(holder.get("name", ""))) == want):
                    return VerifiedHolder(code, kind, self.method)
        return None


def authenticator_for(mode: str, store: Store) -> RealNameAuthenticator | None:
    """The configured adapter, or None when holder login is off (the default)."""
    if mode == "development":
        return DevelopmentRealName(store)
    return None

