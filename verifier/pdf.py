"""Verification of a signed certificate PDF (PAdES), offline or against the store.

``ca.pdf_validate.validate_pdf`` does the cryptography (signature intact, chain to our root,
signing certificate valid and not revoked at the time-stamped time, from embedded
revocation data). Here: a PDF without a signature is ``not_original``; a broken or partial
signature is ``invalid`` with the failing check named; the identifier is read from the
*signed* bytes (the face builder puts it in the document info ``/Subject`` and in the text),
and online the store's version of it is verified as well (record signature, hash, status,
validity, superseded) and bound to the PDF signer's department.
"""

from __future__ import annotations

import datetime as dt
import re

from ca.errors import CaError, MalformedPdf
from ca.pdf_validate import SignatureReport, validate_pdf
from certificate_store import UnitOfWork
from formats.identifiers import Identifier, parse_identifier
from formats.status import Verdict
from verifier.errors import MalformedInput
from verifier.lists import StatusList
from verifier.results import Check, VerificationResult, make_result

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


def _signature_checks(sig: SignatureReport) -> list[Check]:
    checks: list[Check] = []
    if not sig.intact:
        checks.append(Check.fail("pdf-integrity", "altered", "文件签名后被修改（摘要不符）"))
        return checks
    checks.append(Check.ok("pdf-integrity", "签名覆盖的内容未被修改"))
    if not sig.whole_document:
        checks.append(Check.fail("pdf-coverage", "not-whole-document", "签名后文件被追加修改"))
    else:
        checks.append(Check.ok("pdf-coverage", "签名覆盖整个文件"))
    if sig.valid is True:
        checks.append(
            Check.ok("pdf-signature", "电子签名有效，签名证书由本平台根证书签发，签名时有效")
        )
    elif sig.valid is False:
        checks.append(Check.fail("pdf-signature", "signature-invalid", "电子签名或签名证书无效"))
    else:
        checks.append(
            Check.undecided(
                "pdf-signature", "indeterminate", "无法确认签名证书状态（缺少时间戳或吊销信息）"
            )
        )
    return checks


_CHANGE_WORDS = {"info": "文档信息", "xmp-metadata": "XMP 元数据", "trailing-bytes": "文件末尾追加的数据"}


def modification_check(sig: SignatureReport) -> Check:
    """Art. 14: a file changed after its signature (beyond PAdES LTV updates: DSS, document
    time stamps) is not the signed document; the verdict is ``invalid``, whatever the signed
    revision itself says, and the reason names the change."""
    if not sig.modified_after_signing:
        return Check.ok("pdf-modification", "签名后除长期验证数据外未作修改")
    what = [_CHANGE_WORDS.get(c, "新增修订版本") for c in sig.post_signing_changes]
    level = sig.modification_level or sig.coverage
    return Check.fail("pdf-modification", "modified-after-signing",
                      f"签名后文件被修改（{'、'.join(dict.fromkeys(what)) or level}），"
                      "修改的内容不受签名保护")


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
    if not isinstance(pdf_bytes, bytes | bytearray):
        raise MalformedInput("not a PDF")
    try:
        report = validate_pdf(bytes(pdf_bytes), trust_root_der, now)
    except MalformedPdf as exc:
        raise MalformedInput("文件不是可读取的 PDF / not a readable PDF") from exc
    except CaError as exc:
        raise MalformedInput("文件无法校验 / PDF could not be validated") from exc
    if not report.signatures:
        check = Check.fail(
            "pdf-signature-present",
            "no-signature",
            "文件不含电子签名：不是电子证照原件",
            Verdict.NOT_ORIGINAL,
        )
        return make_result([check], identifier=None, checked_at=now)
    checks: list[Check] = []
    for sig in report.signatures[:-1]:
        if not sig.intact or sig.valid is False:
            checks.append(Check.fail("pdf-earlier-signature", "altered", "文件中的早期签名无效"))
    last = report.signatures[-1]
    checks.extend(_signature_checks(last))
    if last.intact:
        checks.append(modification_check(last))
    ident = identifier_in_signed_bytes(last.signed_content)
    if ident is None:
        checks.append(Check.fail("identifier", "no-identifier", "签名内容中找不到证照标识"))
        return make_result(checks, identifier=None, checked_at=now)
    signer_dept = last.signer.uscc if last.signer is not None else None
    # A department that succeeded the issuer may sign later versions: checked online.
    binding = "pdf-signer" if signer_dept != ident.issuer_code else ""
    if uow is None:
        if binding:
            checks.append(Check.fail("issuer", "issuer-mismatch", "签名部门与证照签发部门不符"))
        else:
            checks.append(Check.ok("issuer", "签名部门与证照签发部门一致"))
        entry = status_list.entries.get(ident.base) if status_list is not None else None
        if status_list is None or entry is None or status_list.stale:
            checks.append(
                Check.undecided(
                    "status", "status-unavailable", "离线核验：无法确认证照当前状态，请联网核验"
                )
            )
            return make_result(
                checks, identifier=ident.text, checked_at=now, check_standard=ident.check_standard
            )
        from verifier.policy import Evidence, NotSupersededCheck, StatusCheck, StatusInfo

        ev = Evidence(
            now=now,
            identifier=ident,
            status=StatusInfo(entry.status, entry.version, entry.valid_to, None, "status-list"),
            lists=(status_list.info,),
        )
        checks += [StatusCheck().check(ev), NotSupersededCheck().check(ev)]
        return make_result(
            checks,
            identifier=ident.text,
            checked_at=now,
            status_code=entry.status,
            check_standard=ident.check_standard,
        )
    # online: the store's version of this identifier, verified in full
    from verifier.verify import verify_stored_version

    version = uow.certificates.version_by_identifier(ident.text)
    if version is None:
        checks.append(Check.fail("exists", "not-found", "本平台无此证照（标识不存在）"))
        return make_result(
            checks, identifier=ident.text, checked_at=now, check_standard=ident.check_standard
        )
    cert = uow.certificates.get(version.certificate_id)
    stored = verify_stored_version(uow, ident, version, cert, now, root_der=trust_root_der)
    signer_x5t = last.signer.x5t_s256 if last.signer is not None else None
    rec = uow.pki.by_thumbprint(signer_x5t) if signer_x5t else None
    acting = uow.departments.current_holder(cert.issuer_code)
    if rec is None or rec.kind != "department" or rec.dept_code not in (cert.issuer_code, acting):
        checks.append(Check.fail("issuer", "issuer-mismatch", "PDF 签名部门与证照签发部门不符"))
    elif rec.revoked_at is not None and (
        last.signing_time is None or rec.revoked_at <= last.signing_time
    ):
        checks.append(Check.fail("issuer", "key-revoked", "PDF 签名证书已被吊销"))
    else:
        checks.append(Check.ok("issuer", "PDF 签名部门与证照签发部门一致"))
    return make_result(
        checks + list(stored.checks),
        identifier=ident.text,
        checked_at=now,
        status_code=stored.status_code,
        current_identifier=stored.current_identifier,
        display=dict(stored.display),
        check_standard=ident.check_standard,
    )
