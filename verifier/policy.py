"""Composable verification policies (after sigstore-python's ``verify/policy.py``).

Each check object reads what a path gathered (an :class:`~verifier.evidence.Evidence`, or a
:class:`~verifier.pdf.PdfEvidence`) and returns one :class:`~verifier.results.Check`.
:class:`AllOf` runs several and never raises: a check that errors becomes an undecided check,
so the verdict fails closed to ``unknown``. Every path (identifier, QR offline and online,
PDF, presentation token) is one ``AllOf`` of these objects; there is no other way to a verdict.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from typing import Generic, Protocol, TypeVar

from ca.errors import CaError
from ca.jws import verify_parsed_jws
from formats.chinatime import CHINA
from formats.qr import build_qr_claims, record_hash_claim
from formats.status import VERDICT_TEXT, Verdict, status_verdict
from verifier.evidence import (
    Evidence,
    SigningKeyInfo,
    claim_identifier,
    claim_issuer,
    claim_validity,
    decode_claims,
    parse_date,
)
from verifier.results import Check

CLOCK_SKEW = dt.timedelta(minutes=5)
PRESENTATION_SKEW = dt.timedelta(seconds=30)
_E_contra = TypeVar("_E_contra", contravariant=True)
_E = TypeVar("_E")


class Policy(Protocol[_E_contra]):
    name: str

    def check(self, ev: _E_contra) -> Check: ...


class AllOf(Generic[_E]):
    """Every policy must pass; returns all their checks (never raises)."""

    def __init__(self, *policies: Policy[_E]) -> None:
        if not policies:
            raise ValueError("AllOf needs at least one policy")
        self.policies = policies

    def __add__(self, more: Policy[_E]) -> AllOf[_E]:
        """This policy with one more check (e.g. a deployment's own rule)."""
        return AllOf(*self.policies, more)

    def evaluate(self, ev: _E) -> tuple[Check, ...]:
        out: list[Check] = []
        for p in self.policies:
            try:
                out.append(p.check(ev))
            except Exception:  # noqa: BLE001 - fail closed, never valid on a bug
                out.append(Check.undecided(p.name, "internal-error", "检查出错，无法判定"))
        return out and tuple(out) or (Check.undecided("policy", "no-checks", "无检查"),)


class Renamed(Generic[_E]):
    """``inner`` under another name: the same check applied to a second signed object."""

    def __init__(self, name: str, inner: Policy[_E]) -> None:
        self.name, self.inner = name, inner

    def check(self, ev: _E) -> Check:
        return dataclasses.replace(self.inner.check(ev), name=self.name)


# ------------------------------------------------------------------ checks

# The passed checks of the common paths, made once (immutable; Check.ok would give equal ones).
_SIGNATURE_OK = Check.ok("signature", "电子签名有效")
_TRUST_OK = Check.ok("trust", "签名证书由本平台根证书签发，签名时有效")
_ISSUER_OK = Check.ok("issuer", "签发部门与签名证书一致")
_IDENTIFIER_OK = Check.ok("identifier", "证照标识与签名内容一致")
_STATUS_OK = Check.ok("status", "证照状态：有效")
_CURRENT_OK = Check.ok("current-version", "为最新版本")
_VALID_OK = Check.ok("validity", "在有效期内")
_VALID_OPEN_OK = Check.ok("validity", "长期有效")
_LISTS_OK = Check.ok("list-freshness", "信任列表和状态列表在有效期内")


class SignatureCheck:
    """The JWS verifies (ES256) with the key its ``x5t#S256`` names, with the expected typ."""

    name = "signature"

    def check(self, ev: Evidence) -> Check:
        if ev.jws is None or ev.parsed is None:
            return Check.fail(self.name, "malformed", "签名数据格式错误")
        if ev.parsed.header.get("typ") != ev.expected_typ:
            return Check.fail(self.name, "wrong-type", "签名数据类型不符")
        if ev.key is None:
            if ev.key_lookup_note == "trust-list-older":
                return Check.undecided(
                    self.name,
                    "trust-list-older",
                    "签名证书不在当前信任列表中，请更新信任列表或联网核验",
                )
            return Check.fail(self.name, "unknown-signer", "签名证书不属于本平台登记的签发部门")
        if ev.parsed.x5t_s256 != ev.key.x5t_s256:
            return Check.fail(self.name, "key-mismatch", "签名证书不符")
        try:
            verify_parsed_jws(ev.parsed, ev.key.public_key_der)
        except CaError:
            return Check.fail(self.name, "bad-signature", "电子签名校验不通过")
        if ev.claims is None:
            return Check.fail(self.name, "malformed", "签名内容格式错误")
        return _SIGNATURE_OK


class TrustCheck:
    """The signing certificate chains to our root, was valid at signing time, not revoked then."""

    name = "trust"

    def check(self, ev: Evidence) -> Check:
        k = ev.key
        if k is None:
            return Check.not_run(self.name)
        if k.chain_ok is None:
            return Check.undecided(self.name, "chain-unknown", "无法确认签名证书的信任链")
        if not k.chain_ok:
            return Check.fail(self.name, "untrusted-chain", "签名证书不是本平台根证书签发的")
        if ev.signed_at is None:
            return Check.fail(self.name, "no-signing-time", "缺少签名时间")
        if not k.not_before - CLOCK_SKEW <= ev.signed_at <= k.not_after:
            return Check.fail(self.name, "key-not-valid-at-signing", "签名时签名证书不在有效期内")
        if ev.signed_at > ev.now + CLOCK_SKEW:
            return Check.fail(self.name, "signed-in-future", "签名时间晚于当前时间")
        if k.state == "revoked" or k.revoked_at is not None:
            if is_compromised(k):
                # Whatever time the claims state: only the store can vouch (docs/security.md).
                if not ev.store_vouches:
                    return Check.fail(self.name, "key-compromised", "签名密钥已泄露，签名不可信")
                return Check.ok(self.name, "签名密钥已泄露，但库中记录在泄露前签发且与之一致")
            if k.revoked_at is None or k.revoked_at <= ev.signed_at:
                return Check.fail(self.name, "key-revoked", "签名证书已被吊销")
        return _TRUST_OK


def is_compromised(k: SigningKeyInfo) -> bool:
    """Revoked for key (or CA) compromise: its signatures prove nothing by themselves."""
    why = (k.revocation_reason or "").replace("_", "").lower()
    return why in ("keycompromise", "cacompromise")


class IssuerBindingCheck:
    """The department named in the signed data is the one whose key signed it."""

    name = "issuer"

    def check(self, ev: Evidence) -> Check:
        if ev.claims is None or ev.key is None:
            return Check.not_run(self.name)
        issuer = claim_issuer(ev.claims)
        if ev.key.dept_code is None:
            return Check.fail(self.name, "issuer-mismatch", "签发部门与签名证书不符")
        if issuer == ev.key.dept_code:
            return _ISSUER_OK
        if issuer in ev.key.acts_for:
            return Check.ok(self.name, "由承继签发部门职责的部门签名（机构改革）")
        return Check.fail(self.name, "issuer-mismatch", "签发部门与签名证书不符")


class IdentifierMatchCheck:
    """The signed data is about the identifier asked for (URL path, lookup, PDF metadata)."""

    name = "identifier"

    def check(self, ev: Evidence) -> Check:
        if ev.claims is None or ev.identifier is None:
            return Check.not_run(self.name)
        if claim_identifier(ev.claims) != ev.identifier.text:
            return Check.fail(self.name, "identifier-mismatch", "证照标识与签名内容不符")
        return _IDENTIFIER_OK


class RecordHashCheck:
    """The signed payload is byte for byte the stored version (its SHA-256 matches)."""

    name = "record-hash"

    def check(self, ev: Evidence) -> Check:
        if ev.parsed is None or ev.stored_sha256 is None:
            return Check.not_run(self.name)
        digest = hashlib.sha256(ev.parsed.payload).hexdigest()
        if digest != ev.stored_sha256 or (
            ev.stored_canonical is not None
            and hashlib.sha256(ev.stored_canonical).hexdigest() != ev.stored_sha256
        ):
            return Check.fail(self.name, "record-hash-mismatch", "证照数据与库中记录不一致")
        return Check.ok(self.name, "证照数据与库中记录一致")


class QrRecordHashCheck:
    """Online QR: the claim set's ``rh`` matches the stored version's record hash."""

    name = "record-hash"

    def check(self, ev: Evidence) -> Check:
        if ev.claims is None or ev.stored_sha256 is None:
            return Check.not_run(self.name)
        if ev.claims.get("rh") != record_hash_claim(ev.stored_sha256):
            return Check.fail(self.name, "record-hash-mismatch", "二维码内容与库中记录不一致")
        return Check.ok(self.name, "二维码内容与库中记录一致")


class QrStoredClaimsCheck:
    """Online QR: every claim the QR states equals the stored version's (``iat`` aside), so a
    copied ``rh`` under invented claims is caught."""

    name = "stored-claims"

    def check(self, ev: Evidence) -> Check:
        if ev.claims is None or ev.stored_canonical is None or ev.stored_sha256 is None:
            return Check.not_run(self.name)
        record = decode_claims(ev.stored_canonical)
        if record is None:
            return Check.undecided(self.name, "record-unreadable", "库中记录无法读取")
        expected = build_qr_claims(record, ev.stored_sha256, ev.now)
        differ = [k for k, v in ev.claims.items()
                  if k in expected and k not in ("iat", "spec") and expected[k] != v]
        if differ:
            return Check.fail(self.name, "claims-differ-from-store", "二维码内容与库中记录不一致")
        return Check.ok(self.name, "二维码内容与库中记录一致")


class StatusCheck:
    """The current status is 01 (valid); other codes map per docs/formats.md."""

    name = "status"

    def check(self, ev: Evidence) -> Check:
        st = ev.status
        if st is None:
            return Check.undecided(self.name, "status-unavailable", "无法获取证照当前状态")
        if st.code == "01":
            return _STATUS_OK
        verdict = status_verdict(st.code)
        if verdict is None:
            return Check.undecided(self.name, "status-unrecognised", "证照状态无法识别")
        return Check.fail(
            self.name, f"status-{st.code}", f"证照状态：{VERDICT_TEXT[verdict].summary}", verdict
        )


class NotSupersededCheck:
    """This version is the current one (a change 变更 makes a new version)."""

    name = "current-version"

    def check(self, ev: Evidence) -> Check:
        if ev.identifier is None or ev.status is None:
            return Check.not_run(self.name)
        cur = ev.status.current_version
        if ev.identifier.version < cur:
            return Check.fail(self.name, "superseded", "此版本已被新版本取代", Verdict.SUPERSEDED)
        if ev.identifier.version > cur:
            return Check.fail(self.name, "version-unknown", "该版本不存在")
        return _CURRENT_OK


class ValidityCheck:
    """Today (Beijing time) lies within the validity period (store's, if extended)."""

    name = "validity"

    def check(self, ev: Evidence) -> Check:
        if ev.claims is None:
            return Check.not_run(self.name)
        try:
            vf_raw, vt_raw = claim_validity(ev.claims)
            vf = parse_date(vf_raw)
            vt = parse_date(vt_raw)
        except ValueError:
            return Check.fail(self.name, "bad-validity", "有效期格式错误")
        if ev.status is not None and ev.status.source == "store":
            vt = ev.status.valid_to  # extensions (延期) move the end without a new version
        elif ev.status is not None and ev.status.valid_to is not None:
            vt = ev.status.valid_to
        today = ev.now.astimezone(CHINA).date()
        if vf is not None and today < vf:
            return Check.undecided(self.name, "not-yet-valid", "尚未到有效期起始日")
        if vt is not None and today > vt:
            return Check.fail(self.name, "expired", f"已于 {vt.isoformat()} 到期", Verdict.EXPIRED)
        return _VALID_OK if vt else _VALID_OPEN_OK


_LIST_WORDS = {"trust-list": "信任列表", "status-list": "状态列表"}


class FreshnessCheck:
    """Offline lists are used only before their ``next_update`` (stale → unknown)."""

    name = "list-freshness"

    def check(self, ev: Evidence) -> Check:
        if not ev.lists:
            return Check.undecided(self.name, "no-list", "缺少信任列表或状态列表")
        for lst in ev.lists:
            if ev.now >= lst.next_update:
                return Check.undecided(
                    self.name, "stale-list", f"{_LIST_WORDS.get(lst.name, lst.name)} 已过期，请联网更新后核验"
                )
            if lst.issued_at > ev.now + CLOCK_SKEW:
                word = _LIST_WORDS.get(lst.name, lst.name)
                return Check.undecided(self.name, "list-from-future", f"{word} 时间异常")
        return _LISTS_OK


class SignerInServiceCheck:
    """A token signed *now* (presentation) needs the department's key in service now: a
    retired or revoked key signs nothing more, whatever time the token claims."""

    name = "presentation-key-state"

    def check(self, ev: Evidence) -> Check:
        k = ev.key
        if k is None:
            return Check.not_run(self.name)
        if k.state != "active" or k.revoked_at is not None:
            return Check.fail(self.name, f"key-{k.state}", "签名密钥已停用或被吊销")
        if not k.not_before - CLOCK_SKEW <= ev.now <= k.not_after:
            return Check.fail(self.name, "key-not-valid-now", "签名证书不在有效期内")
        return Check.ok(self.name, "签名密钥在用")


class TokenLifetimeCheck:
    """A short-lived token (presentation) is used between its ``iat`` and ``exp``."""

    name = "presentation-time"

    def check(self, ev: Evidence) -> Check:
        if ev.signed_at is None or ev.expires_at is None:
            return Check.fail(self.name, "malformed", "亮证码缺少时间")
        if ev.now >= ev.expires_at:
            return Check.fail(self.name, "expired", "亮证二维码已过期")
        if ev.now < ev.signed_at - PRESENTATION_SKEW:
            return Check.fail(self.name, "not-yet-valid", "亮证二维码时间异常")
        return Check.ok(self.name, "亮证二维码在有效期内")


IDENTIFIER_POLICY: AllOf[Evidence] = AllOf(
    SignatureCheck(),
    TrustCheck(),
    IssuerBindingCheck(),
    IdentifierMatchCheck(),
    RecordHashCheck(),
    StatusCheck(),
    NotSupersededCheck(),
    ValidityCheck(),
)
QR_OFFLINE_POLICY: AllOf[Evidence] = AllOf(
    FreshnessCheck(),
    SignatureCheck(),
    TrustCheck(),
    IssuerBindingCheck(),
    IdentifierMatchCheck(),
    StatusCheck(),
    NotSupersededCheck(),
    ValidityCheck(),
)
QR_ONLINE_POLICY: AllOf[Evidence] = AllOf(
    SignatureCheck(),
    TrustCheck(),
    IssuerBindingCheck(),
    IdentifierMatchCheck(),
    QrRecordHashCheck(),
    QrStoredClaimsCheck(),
    StatusCheck(),
    NotSupersededCheck(),
    ValidityCheck(),
)
# The token itself; the certificate it names then goes through IDENTIFIER_POLICY as well.
PRESENTATION_POLICY: AllOf[Evidence] = AllOf(
    Renamed("presentation-signature", SignatureCheck()),
    Renamed("presentation-trust", TrustCheck()),
    SignerInServiceCheck(),
    Renamed("presentation-issuer", IssuerBindingCheck()),
    TokenLifetimeCheck(),
)
