"""Verification of a signed certificate PDF (PAdES), offline or against the store.

``ca.pdf_validate.validate_pdf`` does the cryptography (signature intact, chain to our root,
signing certificate valid and not revoked at the time-stamped time, from embedded
revocation data). Here, as check objects composed with :class:`~verifier.policy.AllOf`: a
PDF without a signature is ``not_original``; a broken or partial signature is ``invalid``
with the failing check named; the identifier is read from the *signed* bytes (the face
builder puts it in the document info ``/Subject`` and in the text), and online the store's
version of it is verified as well (record signature, hash, status, validity, superseded)
and bound to the PDF signer's department. A further PDF rule is one more check class
reading :class:`PdfEvidence`, added to the two policies below.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ca.errors import CaError, MalformedPdf
from ca.pdf_validate import PdfValidation, SignatureReport, validate_pdf
from certificate_store import UnitOfWork
from certificate_store.records import PkiCertRecord
from formats.identifiers import Identifier, parse_identifier
from formats.status import Verdict
from verifier.errors import MalformedInput
from verifier.evidence import Evidence, StatusInfo
from verifier.gather import locate
from verifier.lists import StatusList
from verifier.policy import AllOf, NotSupersededCheck, Policy, StatusCheck
from verifier.results import Check, VerificationResult, make_result
from verifier.verify import verify_stored_version

_SUBJECT_RE = re.compile(rb"/Subject\s*\((1\.2\.156\.3005\.2\.[0-9A-Z.]{30,120})\)")
_ANY_ID_RE = re.compile(
    rb"1\.2\.156\.3005\.2\.[0-9A-Z]{21}\.[0-9A-Z]{18}\.[0-9A-Z]{1,40}\.[0-9]{3}\.[0-9A-Z]"
)
_XMP_RE = re.compile(rb"ecert[.:]identifier[^0-9]{0,40}(1\.2\.156\.3005\.2\.[0-9A-Z.]{30,120})")


def identifier_in_signed_bytes(content: bytes) -> Identifier | None:
    """The certificate identifier in the signed content: /Subject, XMP, else the first one."""
    for rx in (_SUBJECT_RE, _XMP_RE, _ANY_ID_RE):
        m = rx.search(content)
        if m:
            raw = (m.group(1) if m.groups() else m.group(0)).decode("ascii")
            try:
                return parse_identifier(raw)
            except MalformedInput:
                continue
    return None


@dataclass(frozen=True)
class PdfEvidence:
    """What a PDF check reads: the validation report and what its last signature names."""

    now: dt.datetime
    report: PdfValidation
    identifier: Identifier | None
    status_list: StatusList | None = None
    """Offline only: the root-signed status list, if the caller has one."""
    signer_key: PkiCertRecord | None = None
    """Online only: the store's record of the last signature's certificate."""
    issuers: frozenset[str] = frozenset()
    """Online only: the certificate's issuer and the department acting for it now."""

    @property
    def last(self) -> SignatureReport:
        return self.report.signatures[-1]

    def record_evidence(self) -> Evidence:
        """Offline: the status list's word on the identifier, for the record checks."""
        lst, ident = self.status_list, self.identifier
        entry = lst.entries.get(ident.base) if lst and ident and not lst.stale else None
        status = None
        if entry is not None:
            status = StatusInfo(entry.status, entry.version, entry.valid_to, None, "status-list")
        return Evidence(now=self.now, identifier=ident, status=status,
                        lists=(lst.info,) if lst else ())


class EarlierSignaturesCheck:
    name = "pdf-earlier-signature"

    def check(self, ev: PdfEvidence) -> Check:
        if any(not s.intact or s.valid is False for s in ev.report.signatures[:-1]):
            return Check.fail(self.name, "altered", "文件中的早期签名无效")
        return Check.ok(self.name, "无早期签名或早期签名有效")


class IntegrityCheck:
    name = "pdf-integrity"

    def check(self, ev: PdfEvidence) -> Check:
        if not ev.last.intact:
            return Check.fail(self.name, "altered", "文件签名后被修改（摘要不符）")
        return Check.ok(self.name, "签名覆盖的内容未被修改")


class CoverageCheck:
    name = "pdf-coverage"

    def check(self, ev: PdfEvidence) -> Check:
        if not ev.last.intact:
            return Check.not_run(self.name)
        if not ev.last.whole_document:
            return Check.fail(self.name, "not-whole-document", "签名后文件被追加修改")
        return Check.ok(self.name, "签名覆盖整个文件")


class PdfSignatureCheck:
    name = "pdf-signature"

    def check(self, ev: PdfEvidence) -> Check:
        sig = ev.last
        if not sig.intact:
            return Check.not_run(self.name)
        if sig.valid is True:
            return Check.ok(self.name, "电子签名有效，签名证书由本平台根证书签发，签名时有效")
        if sig.valid is False:
            return Check.fail(self.name, "signature-invalid", "电子签名或签名证书无效")
        return Check.undecided(
            self.name, "indeterminate", "无法确认签名证书状态（缺少时间戳或吊销信息）"
        )


class SignedIdentifierCheck:
    name = "identifier"

    def check(self, ev: PdfEvidence) -> Check:
        if ev.identifier is None:
            return Check.fail(self.name, "no-identifier", "签名内容中找不到证照标识")
        return Check.ok(self.name, "签名内容含证照标识")


class SignerIssuerCheck:
    """Offline: the PDF signer's department is the identifier's issuer (a successor signing
    later versions is recognised online only)."""

    name = "issuer"

    def check(self, ev: PdfEvidence) -> Check:
        if ev.identifier is None:
            return Check.not_run(self.name)
        signer_dept = ev.last.signer.uscc if ev.last.signer is not None else None
        if signer_dept != ev.identifier.issuer_code:
            return Check.fail(self.name, "issuer-mismatch", "签名部门与证照签发部门不符")
        return Check.ok(self.name, "签名部门与证照签发部门一致")


class SignerKeyCheck:
    """Online: the PDF was signed by a department key of the issuer (or the department now
    acting for it), not revoked at the signing time."""

    name = "issuer"

    def check(self, ev: PdfEvidence) -> Check:
        rec = ev.signer_key
        if ev.identifier is None:
            return Check.not_run(self.name)
        if rec is None or rec.kind != "department" or rec.dept_code not in ev.issuers:
            return Check.fail(self.name, "issuer-mismatch", "PDF 签名部门与证照签发部门不符")
        at = ev.last.signing_time
        if rec.revoked_at is not None and (at is None or rec.revoked_at <= at):
            return Check.fail(self.name, "key-revoked", "PDF 签名证书已被吊销")
        return Check.ok(self.name, "PDF 签名部门与证照签发部门一致")


class OfflineStatusCheck:
    """Offline: the status list's status; undecided without a fresh list naming it."""

    name = "status"

    def check(self, ev: PdfEvidence) -> Check:
        if ev.identifier is None:
            return Check.not_run(self.name)
        rec = ev.record_evidence()
        if rec.status is None:
            return Check.undecided(
                self.name, "status-unavailable", "离线核验：无法确认证照当前状态，请联网核验"
            )
        return StatusCheck().check(rec)


_CHANGE_WORDS = {"info": "文档信息", "xmp-metadata": "XMP 元数据", "trailing-bytes": "文件末尾追加的数据"}


class ModificationCheck:
    """Art. 14: a file changed after its signature (beyond PAdES LTV updates: DSS, document
    time stamps) is not the signed document; the verdict is ``invalid``, whatever the signed
    revision itself says, and the reason names the change."""

    name = "pdf-modification"

    def check(self, ev: PdfEvidence) -> Check:
        sig = ev.last
        if not sig.intact:
            return Check.not_run(self.name)
        if not sig.modified_after_signing:
            return Check.ok(self.name, "签名后除长期验证数据外未作修改")
        what = [_CHANGE_WORDS.get(c, "新增修订版本") for c in sig.post_signing_changes]
        level = sig.modification_level or sig.coverage
        return Check.fail(self.name, "modified-after-signing",
                          f"签名后文件被修改（{'、'.join(dict.fromkeys(what)) or level}），"
                          "修改的内容不受签名保护")


_SIGNATURE_CHECKS: tuple[Policy[PdfEvidence], ...] = (
    EarlierSignaturesCheck(), IntegrityCheck(), CoverageCheck(), ModificationCheck(),
    PdfSignatureCheck(), SignedIdentifierCheck(),
)
PDF_OFFLINE_POLICY: AllOf[PdfEvidence] = AllOf(
    *_SIGNATURE_CHECKS, SignerIssuerCheck(), OfflineStatusCheck()
)
# offline, once the status list names the certificate: is this version the current one
LISTED_VERSION_POLICY: AllOf[Evidence] = AllOf(NotSupersededCheck())
# online, the stored version named then runs IDENTIFIER_POLICY too (verify_stored_version)
PDF_ONLINE_POLICY: AllOf[PdfEvidence] = AllOf(*_SIGNATURE_CHECKS, SignerKeyCheck())


def _validate(pdf_bytes: bytes, trust_root_der: bytes, now: dt.datetime) -> PdfValidation:
    if not isinstance(pdf_bytes, bytes | bytearray) or not pdf_bytes.startswith(b"%PDF-"):
        raise MalformedInput("文件不是 PDF / not a PDF")
    try:
        return validate_pdf(bytes(pdf_bytes), trust_root_der, now)
    except MalformedPdf as exc:
        raise MalformedInput("文件不是可读取的 PDF / not a readable PDF") from exc
    except CaError as exc:
        raise MalformedInput("文件无法校验 / PDF could not be validated") from exc


def _not_original(now: dt.datetime) -> VerificationResult:
    check = Check.fail("pdf-signature-present", "no-signature",
                       "文件不含电子签名：不是电子证照原件", Verdict.NOT_ORIGINAL)
    return make_result([check], identifier=None, checked_at=now)


def _offline(ev: PdfEvidence) -> VerificationResult:
    checks = PDF_OFFLINE_POLICY.evaluate(ev)
    ident = ev.identifier
    rec = ev.record_evidence()
    status = rec.status
    if status is not None:
        checks += LISTED_VERSION_POLICY.evaluate(rec)
    return make_result(checks, identifier=ident.text if ident else None, checked_at=ev.now,
                       status_code=status.code if status else None,
                       check_standard=ident.check_standard if ident else None)


def _online(uow: UnitOfWork, ev: PdfEvidence, trust_root_der: bytes) -> VerificationResult:
    ident = ev.identifier
    found = locate(uow, ident) if ident is not None else None
    if ident is None or found is None:
        checks = PDF_ONLINE_POLICY.evaluate(ev)
        if ident is None:
            return make_result(checks, identifier=None, checked_at=ev.now)
        missing = Check.fail("exists", "not-found", "本平台无此证照（标识不存在）")
        return make_result([*checks, missing], identifier=ident.text, checked_at=ev.now,
                           check_standard=ident.check_standard)
    version, cert = found
    signer = ev.last.signer
    ev = PdfEvidence(
        ev.now, ev.report, ident,
        signer_key=uow.pki.by_thumbprint(signer.x5t_s256) if signer is not None else None,
        issuers=frozenset({cert.issuer_code, uow.departments.current_holder(cert.issuer_code)}),
    )
    stored = verify_stored_version(uow, ident, version, cert, ev.now, root_der=trust_root_der)
    return make_result(
        PDF_ONLINE_POLICY.evaluate(ev) + stored.checks,
        identifier=ident.text, checked_at=ev.now, status_code=stored.status_code,
        current_identifier=stored.current_identifier, display=dict(stored.display),
        check_standard=ident.check_standard,
    )


def verify_pdf(
    uow: UnitOfWork | None,
    pdf_bytes: bytes,
    trust_root_der: bytes,
    now: dt.datetime,
    *,
    status_list: StatusList | None = None,
) -> VerificationResult:
    """Verify a certificate PDF. ``uow`` None = offline (status from ``status_list`` if given,
    else undecided, so the verdict is at best ``unknown``)."""
    report = _validate(pdf_bytes, trust_root_der, now)
    if not report.signatures:
        return _not_original(now)
    ident = identifier_in_signed_bytes(report.signatures[-1].signed_content)
    ev = PdfEvidence(now, report, ident, status_list=status_list)
    return _offline(ev) if uow is None else _online(uow, ev, trust_root_der)
