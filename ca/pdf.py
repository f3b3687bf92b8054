"""PAdES signing of PDFs (B-B, B-T, B-LT, B-LTA) with any :class:`Signer`.

pyHanko does the PDF work; ``_PyHankoSigner`` adapts our signer (``async_sign_raw``)
and is cached per (signer, certificate, chain) so certificates are parsed once.
B-LT embeds the chain and the OCSP responses / CRLs the caller passes (no network:
``allow_fetching=False``); B-LTA adds a document time stamp. The signing time is
the caller's ``now``; time stamps come from the caller's ``TimeStamper`` (see
:class:`ca.tsa.InProcessTimeStamper`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import functools
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any, Literal, TypeVar

from asn1crypto import algos, cms, crl, ocsp
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields
from pyhanko.sign.attributes import CMSAttributeProvider, SigningCertificateV2Provider
from pyhanko.sign.general import SigningError, as_signing_certificate_v2, simple_cms_attribute
from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner
from pyhanko.sign.signers.pdf_cms import Signer as _HankoSigner
from pyhanko.sign.signers.pdf_signer import DSSContentSettings, SigDSSPlacementPreference
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from ca.errors import CaError, MalformedPdf, TimestampUnavailable
from ca.pdf_presign import KeptValidation, ValidationKeeper, keeper
from ca.signer import Signer

__all__ = ["PadesLevel", "PadesOptions", "sign_pdf", "DEFAULT_CJK_FONT"]

PadesLevel = Literal["B-B", "B-T", "B-LT", "B-LTA"]
DEFAULT_CJK_FONT = Path("/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf")
_MECHANISM = algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"})
_ONE_REVISION = DSSContentSettings(placement=SigDSSPlacementPreference.TOGETHER_WITH_SIGNATURE,
                                   include_vri=False)


class _KeptAttribute(CMSAttributeProvider):
    """A signed attribute that is the same in every signature (signing-certificate-v2),
    kept as DER: asn1crypto re-serialises one built from Python values on every dump."""

    attribute_type = "signing_certificate_v2"

    def __init__(self, der: bytes) -> None:
        self._der = der

    async def get_attribute(self, dry_run: bool = False) -> cms.CMSAttribute:
        return cms.CMSAttribute.load(self._der)


class _PyHankoSigner(_HankoSigner):
    """pyHanko ``Signer`` over our :class:`Signer` (ECDSA P-256 / SHA-256)."""

    def __init__(self, signer: Signer, cert_der: bytes, chain_ders: tuple[bytes, ...]):
        cert = asn1_x509.Certificate.load(cert_der)
        registry = SimpleCertificateStore.from_certs(  # type: ignore[no-untyped-call]
            [asn1_x509.Certificate.load(d) for d in chain_ders]
        )
        super().__init__(
            signing_cert=cert,
            cert_registry=registry,
            signature_mechanism=_MECHANISM,
            embed_roots=True,
        )
        self._ours = signer
        attr = simple_cms_attribute(  # type: ignore[no-untyped-call]
            "signing_certificate_v2", as_signing_certificate_v2(cert))
        self._cert_attr = bytes(attr.dump())

    def _signed_attr_providers(self, *args: Any, **kwargs: Any) -> Any:
        for provider in super()._signed_attr_providers(*args, **kwargs):
            if isinstance(provider, SigningCertificateV2Provider):
                yield _KeptAttribute(self._cert_attr)
            else:
                yield provider

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
        if digest_algorithm != "sha256":
            raise SigningError("only SHA-256 is supported")
        if dry_run:
            return bytes(72)
        return self._ours.sign(data)


@functools.lru_cache(maxsize=64)
def _adapter(signer: Any, cert_der: bytes, chain_ders: tuple[bytes, ...]) -> _PyHankoSigner:
    return _PyHankoSigner(signer, cert_der, chain_ders)


@functools.lru_cache(maxsize=4)
def _font(path: Path) -> Any:
    # pyHanko's OpenType engine needs uharfbuzz (pyHanko[opentype]); import it
    # only when a visible stamp is asked for.
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory

    return GlyphAccumulatorFactory(str(path))


@dataclass(frozen=True)
class _Keeping:
    """Where a B-LT signature finds or keeps its pre-signing validation (ca/pdf_presign.py)."""

    keeper: ValidationKeeper
    key: bytes
    hit: KeptValidation | None
    cert_ders: tuple[bytes, ...]
    ocsp_ders: tuple[bytes, ...]
    crl_ders: tuple[bytes, ...]


class _TimedPdfSigner(PdfSigner):
    """A PdfSigner whose signing time is given, not read from the clock, and whose
    pre-signing validation may be a kept one."""

    def __init__(self, now: dt.datetime, keeping: _Keeping | None, *args: Any,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._now = now
        self._keeping = keeping

    def init_signing_session(self, pdf_out: Any, existing_fields_only: bool = False) -> Any:
        session = super().init_signing_session(pdf_out, existing_fields_only)
        session.system_time = self._now
        keeping, now, context = self._keeping, self._now, self.signature_meta.validation_context
        if keeping is not None:
            validate = session.perform_presign_validation

            async def presign(out: Any = None) -> Any:
                if keeping.hit is not None:
                    return keeping.hit.status
                status = await validate(out)
                keeping.keeper.put(keeping.key, status, context, now, keeping.cert_ders,
                                   keeping.ocsp_ders, keeping.crl_ders)
                return status

            setattr(session, "perform_presign_validation", presign)  # noqa: B010 (one session)
        return session


_T = TypeVar("_T")


def run_sync(coro: Coroutine[Any, Any, _T]) -> _T:
    """Run a pyHanko coroutine to completion, also from inside a running loop
    (then in a short-lived worker thread, so the caller's loop is not re-entered)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _reserve(cert_der: bytes, chain_ders: Sequence[bytes], timestamped: bool) -> int:
    size = 4096 + len(cert_der) + sum(len(d) for d in chain_ders)
    if timestamped:
        size += 8192 + 2 * sum(len(d) for d in chain_ders)
    return size + size % 2


@dataclass(frozen=True)
class PadesOptions:
    """How :func:`sign_pdf` signs: the PAdES level, what it embeds, and the visible stamp.

    ``chain_ders``: issuer certificates (root included), also embedded.
    ``ocsp_responses_der``/``crls_der``: revocation data for the signer and TSA
    certificates, embedded at B-LT and B-LTA (the caller makes them, e.g. with
    :func:`ca.ocsp.ocsp_response_for`). ``trust_root_der`` is required from B-LT
    on: pyHanko validates the chain before embedding it. ``timestamper`` is required
    from B-T on. ``box`` (page points) makes the signature visible, with
    ``stamp_text`` in the CJK font at ``font_path``; ``stamp_text=""`` draws only a frame
    (the caller printed the words on the page: pyHanko embeds a new subset of the stamp
    font in every signature, a third of the CPU of a B-LT signature).
    """

    level: PadesLevel
    field_name: str
    chain_ders: Sequence[bytes] = ()
    timestamper: TimeStamper | None = None
    ocsp_responses_der: Sequence[bytes] = ()
    crls_der: Sequence[bytes] = ()
    trust_root_der: bytes | None = None
    box: tuple[int, int, int, int] | None = None
    stamp_text: str | None = None
    page: int = 0
    font_path: Path | None = DEFAULT_CJK_FONT
    reason: str | None = None
    location: str | None = None


def _check(options: PadesOptions, now: dt.datetime) -> None:
    level = options.level
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if level not in ("B-B", "B-T", "B-LT", "B-LTA"):
        raise ValueError("level must be B-B, B-T, B-LT or B-LTA")
    if level != "B-B" and options.timestamper is None:
        raise ValueError(f"{level} needs a timestamper")
    if level in ("B-LT", "B-LTA") and options.trust_root_der is None:
        raise ValueError(f"{level} needs the trust root")


def _keeping(options: PadesOptions, cert_der: bytes, now: dt.datetime) -> _Keeping | None:
    """B-LT with the in-process TSA: the validation of the same inputs may be reused."""
    tsa_der = getattr(options.timestamper, "cert_der", None)
    if options.level != "B-LT" or not isinstance(tsa_der, bytes):
        return None
    assert options.trust_root_der is not None
    certs = (cert_der, tsa_der, options.trust_root_der, *options.chain_ders)
    ocsps, crls = tuple(options.ocsp_responses_der), tuple(options.crls_der)
    key = keeper.key(certs, ocsps, crls)
    return _Keeping(keeper, key, keeper.get(key, now), certs, ocsps, crls)


def _validation_context(options: PadesOptions, now: dt.datetime,
                        keeping: _Keeping | None) -> ValidationContext | None:
    """What B-LT and B-LTA embed, offline: the caller's chain, OCSP responses and CRLs."""
    if options.level not in ("B-LT", "B-LTA"):
        return None
    if keeping is not None and keeping.hit is not None:
        context: ValidationContext = keeping.hit.context
        return context
    assert options.trust_root_der is not None
    return ValidationContext(
        trust_roots=[asn1_x509.Certificate.load(options.trust_root_der)],
        other_certs=[asn1_x509.Certificate.load(d) for d in options.chain_ders],
        ocsps=[ocsp.OCSPResponse.load(d) for d in options.ocsp_responses_der],
        crls=[crl.CertificateList.load(d) for d in options.crls_der],
        allow_fetching=False,
        revocation_mode="require",
        moment=now,
    )


def _stamp_style(options: PadesOptions) -> TextStampStyle | None:
    if options.box is None or options.stamp_text is None:
        return None
    if not options.stamp_text:  # a frame only: the words are on the page under it
        return TextStampStyle(stamp_text="", border_width=1)
    font_path = options.font_path
    text_style = TextBoxStyle(font=_font(font_path)) if font_path is not None else TextBoxStyle()
    return TextStampStyle(stamp_text=options.stamp_text, text_box_style=text_style,
                          border_width=1)


def sign_pdf(pdf_bytes: bytes, signer: Signer, cert_der: bytes, options: PadesOptions,
             now: dt.datetime) -> bytes:
    """Sign ``pdf_bytes`` with ``signer`` (certificate ``cert_der``) as a PAdES signature
    at ``options.level``, signing time ``now``; return the new PDF."""
    _check(options, now)
    level = options.level
    chain = tuple(options.chain_ders)
    keeping = _keeping(options, cert_der, now)
    meta = PdfSignatureMetadata(
        field_name=options.field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        embed_validation_info=level in ("B-LT", "B-LTA"),
        validation_context=_validation_context(options, now, keeping),
        use_pades_lta=level == "B-LTA",
        # the DSS goes into the signed revision (one revision, not two; the validation data
        # is known before signing): without the deprecated VRI, which needs the signature
        dss_settings=_ONE_REVISION,
        reason=options.reason,
        location=options.location,
    )
    pdf_signer = _TimedPdfSigner(
        now,
        keeping,
        meta,
        signer=_adapter(signer, cert_der, chain),  # type: ignore[arg-type]
        timestamper=options.timestamper if level != "B-B" else None,
        stamp_style=_stamp_style(options),
        new_field_spec=fields.SigFieldSpec(options.field_name, on_page=options.page,
                                           box=options.box),
    )
    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf_bytes), strict=False)
    except (PdfError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise MalformedPdf("not a readable PDF") from exc
    out = run_pdf_job(pdf_signer.async_sign_pdf(
        writer, bytes_reserved=_reserve(cert_der, chain, level != "B-B"),
        appearance_text_params=None), "PDF signing")
    data: bytes = out.getvalue()
    return data


def run_pdf_job(coro: Coroutine[Any, Any, _T], what: str) -> _T:
    """Run a pyHanko signing or time-stamping coroutine; its errors as ours: no answer from
    the TSA → TimestampUnavailable, a broken file → MalformedPdf, the rest → CaError."""
    try:
        return run_sync(coro)
    except TimestampRequestError as exc:
        raise TimestampUnavailable(f"no time stamp: {exc}; {exc.__cause__ or ''}") from exc
    except (PdfError, KeyError, IndexError) as exc:
        raise MalformedPdf(f"{what}: the PDF could not be processed") from exc
    except SigningError as exc:
        if isinstance(exc.__cause__, TimestampRequestError):
            raise TimestampUnavailable(f"no time stamp: {exc.__cause__}") from exc
        raise CaError(f"{what} failed: {exc}") from exc
