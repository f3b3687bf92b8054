"""Offline validation of PAdES signatures with pyHanko's AdES engine.

Nothing is fetched: trust comes from the root the caller passes, revocation data
from what the PDF embeds (DSS, revocation-info archival). Each signature gets a
:class:`SignatureReport` with AdES indication PASSED / FAILED / INDETERMINATE;
``valid`` is ``True`` only for PASSED, ``False`` for FAILED or a broken digest,
and ``None`` when the validator cannot decide (never "valid" by default).

Policy, in order:
1. ETSI EN 319 102-1 long-term validation (``ades_lta_validation``) at ``at``:
   signer chain must carry revocation data (REQUIRE_REVINFO, default freshness),
   so an expired signing certificate is judged by past-signature validation.
2. If (1) is INDETERMINATE and the signature carries a signature time stamp that
   validates, validate again at the time stamp's time (the time-of-timestamp
   LTV model). ``validation_model`` says which model decided.
TSA certificates are checked with their embedded revocation data of any age:
offline there is nothing fresher. Live status is the caller's separate concern.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESStatus
from pyhanko.sign.validation import ades
from pyhanko.sign.validation.policy_decl import (
    CertificateFetchingRule,
    LocalKnowledge,
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
from pyhanko_certvalidator.policy_decl import (
    REQUIRE_REVINFO,
    CertRevTrustPolicy,
    FreshnessReqType,
)
from pyhanko_certvalidator.registry import SimpleTrustManager

from ca.certs import CertInfo, describe_cert, load_cert
from ca.errors import MalformedPdf
from ca.pdf import run_sync
from ca.pdf_changes import post_signing_changes

__all__ = ["PdfValidation", "SignatureReport", "validate_pdf", "MAX_PDF_BYTES"]

MAX_PDF_BYTES = 64 * 1024 * 1024
_ANY_AGE = dt.timedelta(days=365 * 200)


@dataclass(frozen=True)
class SignatureReport:
    field_name: str
    intact: bool
    """The digest over the signed byte ranges matches the CMS signature."""
    valid: bool | None
    """True: AdES PASSED; False: FAILED or not intact; None: cannot decide."""
    indication: str
    """PASSED, FAILED or INDETERMINATE (ETSI EN 319 102-1)."""
    sub_indication: str | None
    validation_model: str
    """``"current-time"`` or ``"signature-timestamp-time"``."""
    validated_at: dt.datetime
    signing_time: dt.datetime | None
    """Time proven by a valid signature time stamp (None without one)."""
    claimed_signing_time: dt.datetime | None
    """Signer's own claim (CMS signing-time); not evidence."""
    timestamped: bool
    signer: CertInfo | None
    coverage: str
    whole_document: bool
    """Covers the whole file, or only PAdES LTA updates (DSS, document time
    stamps) were appended after it."""
    modification_level: str | None
    docmdp_ok: bool | None
    revocation_data_embedded: bool
    signed_content_sha256: str
    signed_content: bytes = field(repr=False)
    """The bytes covered by /ByteRange."""
    cms_der: bytes = field(repr=False)
    """The CMS SignedData (from /Contents, padding stripped)."""
    message: str | None = None
    """Validator diagnostics, for logs; not for end users."""
    post_signing_changes: tuple[str, ...] = ()
    """What changed after this signature beyond PAdES LTV material (``ca.pdf_changes``):
    ``revision-N``, ``info``, ``xmp-metadata``, ``trailing-bytes``."""
    trailing_bytes: int = 0

    @property
    def modified_after_signing(self) -> bool:
        """Anything but LTV updates was changed or added after the signature (Art. 14)."""
        return not self.whole_document or bool(self.post_signing_changes)


@dataclass(frozen=True)
class PdfValidation:
    signatures: tuple[SignatureReport, ...]
    document_timestamps: int

    @property
    def valid(self) -> bool | None:
        """True if there is at least one signature, all are valid and intact and
        the last covers the whole document; False if any is invalid; else None."""
        if not self.signatures:
            return None
        if any(s.valid is False or not s.intact for s in self.signatures):
            return False
        if all(s.valid is True for s in self.signatures) and self.signatures[-1].whole_document:
            return True
        return None


def _policies(root: asn1_x509.Certificate) -> SignatureValidationSpec:
    trust = SimpleTrustManager.build(trust_roots=[root])
    signer_policy = CertValidationPolicySpec(
        trust_manager=trust, revinfo_policy=CertRevTrustPolicy(REQUIRE_REVINFO)
    )
    tsa_policy = CertValidationPolicySpec(
        trust_manager=trust,
        revinfo_policy=CertRevTrustPolicy(
            REQUIRE_REVINFO,
            freshness=_ANY_AGE,
            freshness_req_type=FreshnessReqType.MAX_DIFF_REVOCATION_VALIDATION,
        ),
    )
    return SignatureValidationSpec(
        cert_validation_policy=signer_policy,
        ts_cert_validation_policy=tsa_policy,
        revinfo_gathering_policy=RevocationInfoGatheringSpec(
            online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY,
            certificate_fetching_rule=CertificateFetchingRule.NEVER_FETCH,
        ),
    )


def _knowledge(reader: Any, sig: Any, at: dt.datetime) -> tuple[LocalKnowledge, bool]:
    """Proof of existence at ``at`` for everything the file carries (we hold it
    now), so pyHanko does not fall back to the wall clock."""
    # pyHanko 0.38 internal helper; it reads DSS certs, OCSPs and CRLs.
    dss = ades._dss_to_local_knowledge(reader=reader)
    certs = list(dss.known_certs)
    for choice in sig.signed_data["certificates"] or []:
        if choice.name == "certificate":
            certs.append(choice.chosen)
    for tst in _timestamp_tokens(sig):
        for choice in tst["content"]["certificates"] or []:
            if choice.name == "certificate":
                certs.append(choice.chosen)
    everything = dataclasses.replace(dss, known_certs=certs)
    poes = list(everything.assert_existence_known_at(at))
    embedded = bool(dss.known_ocsps or dss.known_crls)
    return dataclasses.replace(everything, known_poes=poes), embedded


def _timestamp_tokens(sig: Any) -> list[Any]:
    attrs = sig.signer_info["unsigned_attrs"]
    out = []
    if attrs:
        for attr in attrs:
            if attr["type"].native == "signature_time_stamp_token":
                out.extend(attr["values"])
    return out


async def _run(sig: Any, spec: SignatureValidationSpec, when: dt.datetime) -> Any:
    return await ades.ades_lta_validation(
        sig,
        PdfSignatureValidationSpec(spec),
        timing_info=ValidationTimingInfo(when, when, True),
    )


async def _trusted_timestamp_time(
    sig: Any, spec: SignatureValidationSpec, at: dt.datetime
) -> dt.datetime | None:
    """genTime of the first signature time stamp that validates at ``at``."""
    signature = bytes(sig.signer_info["signature"].native)
    for token in _timestamp_tokens(sig):
        signed_data = token["content"]
        result = await ades.ades_timestamp_validation(
            signed_data,
            spec,
            lambda algo: hashlib.new(algo, signature).digest(),
            timing_info=ValidationTimingInfo(at, at, True),
        )
        if result.ades_subindic.status is AdESStatus.PASSED:
            tst_info = signed_data["encap_content_info"]["content"].parsed
            gen_time: dt.datetime = tst_info["gen_time"].native
            return gen_time
    return None


def _signed_content(pdf_bytes: bytes, byte_range: Any) -> bytes:
    a, b, c, d = (int(x) for x in byte_range)
    return pdf_bytes[a : a + b] + pdf_bytes[c : c + d]


@dataclass(frozen=True)
class _Outcome:
    """What the AdES engine decided for one signature (or that it could not decide)."""

    indication: str
    sub_indication: str | None
    message: str | None
    intact: bool
    coverage: SignatureCoverageLevel | None
    modification: Any
    docmdp_ok: bool | None
    signing_time: dt.datetime | None
    model: str
    when: dt.datetime


def _outcome(reader: Any, sig: Any, spec: SignatureValidationSpec, at: dt.datetime) -> _Outcome:
    """Policy (1), then (2) if (1) is INDETERMINATE (see the module docstring)."""
    model = "current-time"
    when = at
    try:
        result = run_sync(_run(sig, spec, at))
        if result.ades_subindic.status is AdESStatus.INDETERMINATE:
            ts_time = run_sync(_trusted_timestamp_time(sig, spec, at))
            if ts_time is not None:
                knowledge2, _ = _knowledge(reader, sig, ts_time)
                spec2 = dataclasses.replace(spec, local_knowledge=knowledge2)
                retry = run_sync(_run(sig, spec2, ts_time))
                if retry.ades_subindic.status is AdESStatus.PASSED:
                    result, model, when = retry, "signature-timestamp-time", ts_time
        status = result.api_status
        ts_ok = (
            result.signature_timestamp_status is not None
            and result.signature_timestamp_status.ades_subindic.status is AdESStatus.PASSED
        )
        return _Outcome(
            indication=result.ades_subindic.status.name,
            sub_indication=getattr(result.ades_subindic, "standard_name", None),
            message=result.failure_msg,
            intact=bool(status.intact and status.valid),
            coverage=status.coverage,
            modification=status.modification_level,
            docmdp_ok=status.docmdp_ok,
            signing_time=result.best_signature_time if ts_ok else None,
            model=model,
            when=when,
        )
    except Exception as exc:  # noqa: BLE001 - untrusted input: any failure is "cannot decide"
        # The validator itself failed on this signature: nothing is proven.
        return _Outcome("INDETERMINATE", None, f"{type(exc).__name__}: {exc}", False, None,
                        None, None, None, model, when)


def _verdict(o: _Outcome) -> bool | None:
    if o.indication == "INDETERMINATE" and o.message and o.coverage is None:
        return None
    if not o.intact or o.indication == "FAILED":
        return False
    if o.indication == "PASSED":
        return True
    return None


def _report(pdf_bytes: bytes, reader: Any, sig: Any, root: asn1_x509.Certificate,
            at: dt.datetime) -> SignatureReport:
    knowledge, embedded = _knowledge(reader, sig, at)
    spec = dataclasses.replace(_policies(root), local_knowledge=knowledge)
    o = _outcome(reader, sig, spec, at)
    try:
        signer: CertInfo | None = describe_cert(sig.signer_cert.dump())
    except Exception:  # noqa: BLE001
        signer = None
    content = _signed_content(pdf_bytes, sig.byte_range)
    coverage, modification = o.coverage, o.modification
    coverage_name = coverage.name if coverage is not None else "UNKNOWN"
    mod_name = modification.name if modification is not None else None
    whole = coverage is SignatureCoverageLevel.ENTIRE_FILE or (
        coverage is SignatureCoverageLevel.ENTIRE_REVISION
        and mod_name in ("NONE", "LTA_UPDATES")
    )
    claimed = sig.self_reported_timestamp
    later = post_signing_changes(pdf_bytes, reader, sig)
    return SignatureReport(
        field_name=str(sig.field_name),
        intact=o.intact,
        valid=_verdict(o),
        indication=o.indication,
        sub_indication=o.sub_indication,
        validation_model=o.model,
        validated_at=o.when,
        signing_time=o.signing_time,
        claimed_signing_time=claimed,
        timestamped=bool(_timestamp_tokens(sig)),
        signer=signer,
        coverage=coverage_name,
        whole_document=whole,
        modification_level=mod_name,
        docmdp_ok=o.docmdp_ok,
        revocation_data_embedded=embedded,
        signed_content_sha256=hashlib.sha256(content).hexdigest(),
        signed_content=content,
        cms_der=_cms_bytes(sig),
        message=o.message,
        post_signing_changes=later.changes,
        trailing_bytes=later.trailing_bytes,
    )


def _cms_bytes(sig: Any) -> bytes:
    return bytes(cms.ContentInfo({"content_type": "signed_data",
                                  "content": sig.signed_data}).dump())


def validate_pdf(pdf_bytes: bytes, trust_root_der: bytes, at: dt.datetime) -> PdfValidation:
    """Validate every signature of ``pdf_bytes`` offline against ``trust_root_der``
    as of ``at`` (aware UTC). Unreadable input raises :class:`MalformedPdf`."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("at must be timezone-aware")
    load_cert(trust_root_der)
    if not pdf_bytes.startswith(b"%PDF-") and b"%PDF-" not in pdf_bytes[:1024]:
        raise MalformedPdf("not a PDF")
    if len(pdf_bytes) > MAX_PDF_BYTES:
        raise MalformedPdf("PDF too large")
    try:
        reader = PdfFileReader(BytesIO(pdf_bytes), strict=False)
        sigs = list(reader.embedded_regular_signatures)
        doc_ts = len(list(reader.embedded_timestamp_signatures))
    except Exception as exc:  # noqa: BLE001 - any parser failure on untrusted bytes
        raise MalformedPdf("PDF could not be read") from exc
    root = asn1_x509.Certificate.load(trust_root_der)
    try:
        reports = tuple(_report(pdf_bytes, reader, s, root, at) for s in sigs)
    except Exception as exc:  # noqa: BLE001 - a signature dictionary we cannot read
        raise MalformedPdf("PDF signature could not be read") from exc
    return PdfValidation(signatures=reports, document_timestamps=doc_ts)

