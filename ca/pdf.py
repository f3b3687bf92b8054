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
from io import BytesIO
from pathlib import Path
from typing import Any, Literal, TypeVar

from asn1crypto import algos, crl, ocsp
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner
from pyhanko.sign.signers.pdf_cms import Signer as _HankoSigner
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from ca.errors import CaError, MalformedPdf
from ca.signer import Signer

__all__ = ["PadesLevel", "sign_pdf", "DEFAULT_CJK_FONT"]

PadesLevel = Literal["B-B", "B-T", "B-LT", "B-LTA"]
DEFAULT_CJK_FONT = Path("/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf")
_MECHANISM = algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"})


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


class _TimedPdfSigner(PdfSigner):
    """A PdfSigner whose signing time is given, not read from the clock."""

    def __init__(self, now: dt.datetime, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._now = now

    def init_signing_session(self, pdf_out: Any, existing_fields_only: bool = False) -> Any:
        session = super().init_signing_session(pdf_out, existing_fields_only)
        session.system_time = self._now
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


def sign_pdf(
    pdf_bytes: bytes,
    signer: Signer,
    cert_der: bytes,
    chain_ders: Sequence[bytes],
    timestamper: TimeStamper | None,
    ocsp_responses_der: Sequence[bytes],
    crls_der: Sequence[bytes],
    trust_root_der: bytes | None,
    level: PadesLevel,
    field_name: str,
    box: tuple[int, int, int, int] | None,
    stamp_text: str | None,
    now: dt.datetime,
    *,
    page: int = 0,
    font_path: Path | None = DEFAULT_CJK_FONT,
    reason: str | None = None,
    location: str | None = None,
) -> bytes:
    """Sign ``pdf_bytes`` as a PAdES signature at ``level``; return the new PDF.

    ``chain_ders``: issuer certificates (root included), also embedded.
    ``ocsp_responses_der``/``crls_der``: revocation data for the signer and TSA
    certificates, embedded at B-LT and B-LTA (the caller makes them, e.g. with
    :func:`ca.ocsp.ocsp_response_for`). ``trust_root_der`` is required from B-LT
    on: pyHanko validates the chain before embedding it. ``box`` (page points)
    makes the signature visible, with ``stamp_text`` in the CJK font.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if level not in ("B-B", "B-T", "B-LT", "B-LTA"):
        raise ValueError("level must be B-B, B-T, B-LT or B-LTA")
    if level != "B-B" and timestamper is None:
        raise ValueError(f"{level} needs a timestamper")
    long_term = level in ("B-LT", "B-LTA")
    if long_term and trust_root_der is None:
        raise ValueError(f"{level} needs the trust root")
    chain = tuple(chain_ders)
    vc = None
    if long_term:
        assert trust_root_der is not None
        vc = ValidationContext(
            trust_roots=[asn1_x509.Certificate.load(trust_root_der)],
            other_certs=[asn1_x509.Certificate.load(d) for d in chain],
            ocsps=[ocsp.OCSPResponse.load(d) for d in ocsp_responses_der],
            crls=[crl.CertificateList.load(d) for d in crls_der],
            allow_fetching=False,
            revocation_mode="require",
            moment=now,
        )
    meta = PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        embed_validation_info=long_term,
        validation_context=vc,
        use_pades_lta=level == "B-LTA",
        reason=reason,
        location=location,
    )
    style = None
    if box is not None and stamp_text is not None:
        text_style = (
            TextBoxStyle(font=_font(font_path)) if font_path is not None else TextBoxStyle()
        )
        style = TextStampStyle(stamp_text=stamp_text, text_box_style=text_style,
                               border_width=1)
    pdf_signer = _TimedPdfSigner(
        now,
        meta,
        signer=_adapter(signer, cert_der, chain),  # type: ignore[arg-type]
        timestamper=timestamper if level != "B-B" else None,
        stamp_style=style,
        new_field_spec=fields.SigFieldSpec(field_name, on_page=page, box=box),
    )
    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf_bytes), strict=False)
    except (PdfError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise MalformedPdf("not a readable PDF") from exc
    try:
        out = run_sync(
            pdf_signer.async_sign_pdf(
                writer,
                bytes_reserved=_reserve(cert_der, chain, level != "B-B"),
                appearance_text_params=None,
            )
        )
    except (PdfError, KeyError, IndexError) as exc:
        raise MalformedPdf("PDF could not be signed") from exc
    except SigningError as exc:
        raise CaError(f"PDF signing failed: {exc}") from exc
    data: bytes = out.getvalue()
    return data
