"""Printable documents of a certificate, made when first asked for and cached.

QR images (PNG, SVG) and the signed PDF of a certificate's current version are rendered on
the first request and kept in the store's blob cache under
``doc/<layout>/<identifier>/<variant>`` (the identifier names the version), so bulk issuance
never renders anything and later requests are served byte-identical. Annotated copies
(加注件) are made anew every time and never cached.

PDFs are signed PAdES through :func:`ca.pdf.sign_pdf` with the issuing (or succeeding)
department's key at B-LT (time stamp from the platform TSA, chain and OCSP response embedded),
with a visible signature in the face's reserved box. Archived copies (B-LTA) are that PDF with
archive time stamps appended, kept apart (`issuer.pdfarchive`).

Every method works in the caller's unit of work. Making a document is split in two so that
slow work (rendering, PAdES signing, time stamping) can run outside any transaction (SQLite
allows one writer): `prepare_*` looks everything up (and signs and keeps the version's QR URL)
in one unit of work and returns a `Pending` document; the caller runs `Pending.render()` with
no transaction open and stores the result with `keep` in the next one. `pdf`, `qr_png`,
`qr_svg` and `annotated_pdf` do all three in one unit of work.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from ca.pdf import PadesOptions, sign_pdf
from certificate_store.db import UnitOfWork
from formats.chinatime import beijing_text, china_date
from formats.identifiers import parse_identifier
from issuer import cosign_pdf, qr
from issuer.catalog import CertificateType
from issuer.errors import MalformedIdentifier, NotFound
from issuer.face import SIGNATURE_BOX, chinese_date, render_face
from issuer.faceview import DocumentError, FaceIssuer, face_input_from_record, specimen_input
from issuer.pdfarchive import PdfArchiver, archive_key
from issuer.seal import make_seal
from issuer.signing_material import SigningKeyLike, SigningMaterialLike, SigningMaterialSource

__all__ = [
    "LAYOUT",
    "SigningKeyLike",
    "SigningMaterialLike",
    "SigningMaterialSource",
    "Pending",
    "DocumentError",
    "DocumentService",
    "face_input_from_record",
]

LAYOUT = "f5"
"""Version of the face layout; part of every cache key, bump it when the face changes."""
SIGNATURE_FIELD = "ecert-signature"
PdfLevel = Literal["B-LT", "B-LTA"]
_STAMP_WORDS = "电子签名"


@dataclass(frozen=True)
class _Loaded:
    identifier: str
    issuer_code: str
    record: dict[str, Any]
    ctype: CertificateType


def _wrap(text: str, width: int) -> list[str]:
    return [text[i:i + width] for i in range(0, len(text), width)] or [""]


@dataclass(frozen=True)
class Pending:
    """A document looked up in one unit of work: served from the cache (`data`), or made by
    `render()` (slow; needs no database) and then stored with `DocumentService.keep`."""

    identifier: str  # of the current version
    key: str | None  # in the blob cache; None: never cached (annotated copies)
    content_type: str
    data: bytes | None
    render: Callable[[], bytes]
    store: Callable[[UnitOfWork, bytes, dt.datetime], bytes] | None = None
    """How `keep` stores what `render` made, if not in the blob cache (archived copies)."""


def _cached(data: bytes) -> Callable[[], bytes]:
    return lambda: data


QrJwsSource = Callable[[UnitOfWork, str, dt.datetime], str]
"""``(uow, identifier, now)`` → a new compact QR JWS (`IssuanceService.qr_jws`)."""
_Maker = Callable[[UnitOfWork, _Loaded, str], Callable[[], bytes]]


class DocumentService:
    """QR images and signed PDFs of certificates, rendered lazily and cached."""

    def __init__(
        self,
        material: SigningMaterialSource,
        *,
        base_url: str,
        qr_jws_for: QrJwsSource,
        seal_for: Callable[[UnitOfWork, str], bytes | None] | None = None,
        location: str = "西藏自治区",
    ) -> None:
        """``qr_jws_for(uow, identifier, now)`` gives the compact QR JWS of the current version;
        ``seal_for(uow, dept_code)`` an uploaded seal PNG or None, in which case a seal is
        drawn from the department and seal names."""
        self._material = material
        self._base_url = base_url.rstrip("/")
        # every cached document names the site whose QR it carries: a PDF made for one base
        # URL is never served by an instance with another
        self._site = hashlib.sha256(self._base_url.encode()).hexdigest()[:16]
        self._qr_jws_for = qr_jws_for
        self._seal_for = seal_for
        self._location = location
        self._lock = threading.Lock()
        self.archiver = PdfArchiver(material, LAYOUT)
        self.renders = 0
        """Faces and QR images rendered by this instance (cache misses); for tests/metrics."""

    # -- helpers --------------------------------------------------------------------------
    def _counted(self, render: Callable[[], bytes]) -> Callable[[], bytes]:
        def run() -> bytes:
            with self._lock:
                self.renders += 1
            return render()
        return run

    @staticmethod
    def _current(uow: UnitOfWork, identifier: str) -> _Loaded:
        ident = identifier.strip()
        try:
            base = ident if ident.count(".") == 7 else parse_identifier(ident).base
        except MalformedIdentifier as exc:
            raise NotFound("no such certificate") from exc
        cert = uow.certificates.by_base(base)
        if cert is None:
            raise NotFound(f"证照不存在 / no certificate {identifier}")
        ver = uow.certificates.version(cert.id, cert.current_version)
        try:
            record = json.loads(ver.canonical)
        except ValueError as exc:
            raise DocumentError("stored record is not JSON") from exc
        ctype = CertificateType.from_record(uow.catalog.get(cert.type_code, cert.type_version))
        return _Loaded(ver.identifier, cert.issuer_code, record, ctype)

    def _key(self, identifier: str, variant: str) -> str:
        return f"doc/{LAYOUT}/{identifier}/{self._site}/{variant}"

    @staticmethod
    def _put(uow: UnitOfWork, key: str, content_type: str, data: bytes,
             now: dt.datetime) -> bytes:
        """Store unless present; return what is stored (the first writer wins)."""
        try:
            with uow.certificates.savepoint():
                existing = uow.certificates.blob(key)
                if existing is not None:
                    return existing[1]
                uow.certificates.put_blob(key, content_type, data, now)
                return data
        except Exception:  # a concurrent writer won the insert race (PostgreSQL)
            existing = uow.certificates.blob(key)
            if existing is None:
                raise
            return existing[1]

    def _url(self, uow: UnitOfWork, identifier: str, now: dt.datetime) -> str:
        """The citizen URL of this version, made once and cached, so that the PNG, the SVG
        and the PDF of a version all carry the same QR (the JWS's ``iat`` is the first
        request's time)."""
        key = self._key(identifier, "qr-url.txt")
        hit = uow.certificates.blob(key)
        if hit is not None:
            return hit[1].decode("utf-8")
        url = f"{self._base_url}/v/{identifier}#{self._qr_jws_for(uow, identifier, now)}"
        return self._put(uow, key, "text/plain; charset=utf-8", url.encode("utf-8"),
                         now).decode("utf-8")

    def _prepare(self, uow: UnitOfWork, identifier: str,
                 variant: str | Callable[[UnitOfWork, _Loaded], str], content_type: str,
                 make: _Maker, now: dt.datetime) -> Pending:
        loaded = self._current(uow, identifier)
        key = self._key(loaded.identifier,
                        variant if isinstance(variant, str) else variant(uow, loaded))
        hit = uow.certificates.blob(key)
        if hit is not None:
            return Pending(loaded.identifier, key, content_type, hit[1], _cached(hit[1]))
        render = make(uow, loaded, self._url(uow, loaded.identifier, now))
        return Pending(loaded.identifier, key, content_type, None, self._counted(render))

    def keep(self, uow: UnitOfWork, pending: Pending, data: bytes, now: dt.datetime) -> bytes:
        """Store what `pending.render()` made (unless another request was first); returns
        the bytes to serve."""
        if pending.key is None:
            return data
        if pending.store is not None:
            return pending.store(uow, data, now)
        return self._put(uow, pending.key, pending.content_type, data, now)

    def make(self, uow: UnitOfWork, pending: Pending, now: dt.datetime) -> bytes:
        """Render (unless cached) and keep, all in `uow`."""
        if pending.data is not None:
            return pending.data
        return self.keep(uow, pending, pending.render(), now)

    # -- QR -------------------------------------------------------------------------------
    def qr_url(self, uow: UnitOfWork, identifier: str, now: dt.datetime) -> str:
        """The citizen URL printed on the face of the current version (signed once, kept)."""
        return self._url(uow, self._current(uow, identifier).identifier, now)

    def prepare_qr_png(self, uow: UnitOfWork, identifier: str, now: dt.datetime,
                       box_size: int = 8) -> Pending:
        return self._prepare(uow, identifier, f"qr-{box_size}.png", "image/png",
                             lambda _uow, _loaded, url: lambda: qr.qr_png(url, box_size), now)

    def prepare_qr_svg(self, uow: UnitOfWork, identifier: str, now: dt.datetime) -> Pending:
        return self._prepare(uow, identifier, "qr.svg", "image/svg+xml",
                             lambda _uow, _loaded, url: lambda: qr.qr_svg(url).encode(), now)

    def qr_png(self, uow: UnitOfWork, identifier: str, now: dt.datetime,
               box_size: int = 8) -> bytes:
        return self.make(uow, self.prepare_qr_png(uow, identifier, now, box_size), now)

    def qr_svg(self, uow: UnitOfWork, identifier: str, now: dt.datetime) -> bytes:
        return self.make(uow, self.prepare_qr_svg(uow, identifier, now), now)

    # -- specimen (样本, Art. 8) -------------------------------------------------------------
    def specimen_pdf(self, uow: UnitOfWork, type_code: str, now: dt.datetime) -> bytes:
        """The face of a type filled with placeholders, watermarked 样本 and saying it is not a
        certificate; unsigned (a specimen must never verify). Cached per type version, site
        and seal."""
        rec = uow.catalog.latest(type_code)
        if rec is None:
            raise NotFound(f"证照类型不存在 / no certificate type {type_code}")
        ctype = CertificateType.from_record(rec)
        acting = uow.departments.current_holder(ctype.defining_dept)
        name = uow.departments.get(acting).name
        seal = self._seal_for(uow, acting) if self._seal_for else None
        digest = hashlib.sha256(seal or b"").hexdigest()[:10]
        key = f"doc/{LAYOUT}/specimen/{type_code}.{ctype.version}/{self._site}/{digest}.pdf"
        hit = uow.certificates.blob(key)
        if hit is not None:
            return hit[1]
        with self._lock:
            self.renders += 1
        pdf = render_face(specimen_input(
            ctype, name, seal or make_seal(name, ctype.seal), f"{self._base_url}/v/样本",
            china_date(now)))
        return self._put(uow, key, "application/pdf", pdf, now)

    # -- PDF ------------------------------------------------------------------------------
    def prepare_pdf(self, uow: UnitOfWork, identifier: str, now: dt.datetime,
                    archived: bool = False) -> Pending:
        """The signed PDF of the current version: B-LT, or its archived copy (B-LTA) when
        ``archived`` (issuer.pdfarchive)."""
        pending = self._prepare(uow, identifier,
                                lambda u, loaded: cosign_pdf.variant(
                                    u, loaded.identifier, self._pdf_variant(u, loaded, "B-LT")),
                                "application/pdf",
                                lambda u, loaded, url: self._pdf_maker(u, loaded, url, now,
                                                                       "B-LT", ()), now)
        return self._archived(uow, pending, now) if archived else pending

    def _archived(self, uow: UnitOfWork, source: Pending, now: dt.datetime) -> Pending:
        """The archived copy of the B-LT ``source``: the batch job's, or stamped now (and the
        B-LT kept too, if it was not)."""
        assert source.key is not None
        key = archive_key(source.key)
        kept = uow.pdf_archives.data(key)
        if kept is not None:
            return Pending(source.identifier, key, "application/pdf", kept, _cached(kept))
        stamp = self.archiver.stamper(uow, source.identifier, now)
        made: dict[str, Any] = {}

        def render() -> bytes:
            made["b-lt"] = source.data if source.data is not None else source.render()
            made["b-lta"] = stamp(made["b-lt"])
            return bytes(made["b-lta"].pdf)

        def store(u: UnitOfWork, data: bytes, at: dt.datetime) -> bytes:
            if source.data is None:
                self.keep(u, source, made["b-lt"], at)
            first = u.pdf_archives.data(key)
            if first is not None:  # another request (or the batch job) was first
                return first
            lta = made["b-lta"]
            u.pdf_archives.put(key, source.key or "", source.identifier, data, lta.stamps,
                               lta.stamped_at, lta.tsa_not_after, at)
            return data

        return Pending(source.identifier, key, "application/pdf", None, render, store)

    def pdf(self, uow: UnitOfWork, identifier: str, now: dt.datetime,
            archived: bool = False) -> bytes:
        return self.make(uow, self.prepare_pdf(uow, identifier, now, archived), now)

    def prepare_annotated(self, uow: UnitOfWork, identifier: str, purpose: str,
                          using_dept_name: str, expires_at: dt.datetime | dt.date,
                          now: dt.datetime) -> Pending:
        """An annotated copy (加注件): the face stamped "仅供<部门><事由>使用，有效期至<日期>",
        signed anew at B-LT, never cached. Recording the copy (``add_annotated_copy``) and
        the per-type cap are the caller's (who also checks the using department's grant)."""
        purpose, dept = purpose.strip(), using_dept_name.strip()
        if not purpose or not dept or len(purpose) > 60 or len(dept) > 40:
            raise DocumentError("purpose and using department are required (short)")
        until = expires_at if isinstance(expires_at, dt.date) and not isinstance(
            expires_at, dt.datetime) else china_date(expires_at)
        lines = (*_wrap(f"仅供{dept}{purpose}使用", 20), f"有效期至{chinese_date(until)}",
                 "加注件 · 他用无效")
        loaded = self._current(uow, identifier)
        render = self._pdf_maker(uow, loaded, self._url(uow, loaded.identifier, now), now,
                                 "B-LT", lines, reason=f"加注件：仅供{dept}{purpose}使用")
        return Pending(loaded.identifier, None, "application/pdf", None, self._counted(render))

    def annotated_pdf(self, uow: UnitOfWork, identifier: str, purpose: str,
                      using_dept_name: str, expires_at: dt.datetime | dt.date,
                      now: dt.datetime) -> bytes:
        return self.make(uow, self.prepare_annotated(uow, identifier, purpose,
                                                     using_dept_name, expires_at, now), now)

    def _issuer(self, uow: UnitOfWork, loaded: _Loaded) -> tuple[str, str, bytes | None]:
        """(department code, name, uploaded seal or None) of the department that holds the
        issuer's duty now: the issuer, or its successor after a reorganisation (Art. 9)."""
        acting = uow.departments.current_holder(loaded.issuer_code)
        dept = uow.departments.get(acting)  # NotFound for an unknown code
        name = dept.name
        seal = self._seal_for(uow, acting) if self._seal_for else None
        return acting, name, seal

    def _pdf_variant(self, uow: UnitOfWork, loaded: _Loaded, level: PdfLevel) -> str:
        """The cache variant: the acting department and its seal are part of it, so a new
        seal or a succession makes a new PDF."""
        acting, _name, seal = self._issuer(uow, loaded)
        digest = hashlib.sha256(seal or b"").hexdigest()[:10]
        return f"pdf-{level}-{acting}-{digest}.pdf"

    def _pdf_maker(self, uow: UnitOfWork, loaded: _Loaded, url: str, now: dt.datetime,
                   level: PdfLevel, annotation: tuple[str, ...],
                   reason: str | None = None) -> Callable[[], bytes]:
        """Reads the seal and signing material now; renders and signs when called."""
        acting, acting_name, seal = self._issuer(uow, loaded)
        material = self._material.signing_material(uow, loaded.issuer_code, now)
        record = loaded.record
        original = record["issuer"]["name"] if acting != loaded.issuer_code else None
        signed_at = beijing_text(now)

        co_sign = cosign_pdf.co_signing(uow, self._material, loaded.identifier, now, level,
                                        self._location)

        def render() -> bytes:
            seal_png = seal or make_seal(acting_name, record.get("seal") or "电子证照专用章")
            face = render_face(dataclasses.replace(face_input_from_record(
                record, loaded.ctype, seal_png, url, annotation,
                issuer=FaceIssuer(acting_name, original)),
                signature_words=(acting_name, f"{_STAMP_WORDS}  {signed_at}"),
                cosignature_words=co_sign.words(signed_at)))
            face = co_sign.apply(face)  # co-signing departments first, the issuer last
            return sign_pdf(face, material.key.signer, material.key.cert_der, PadesOptions(
                level=level, field_name=SIGNATURE_FIELD, chain_ders=material.chain_ders,
                timestamper=material.timestamper,  # type: ignore[arg-type]
                ocsp_responses_der=material.ocsp_responses, crls_der=material.crls,
                trust_root_der=material.root_der,
                box=tuple(int(round(v)) for v in SIGNATURE_BOX),  # type: ignore[arg-type]
                stamp_text="",  # a frame: the words are on the face (render_face)
                reason=reason or f"签发电子证照 {loaded.identifier}",
                location=self._location), now)
        return render
