"""Printable documents of a certificate, made when first asked for and cached.

QR images (PNG, SVG) and the signed PDF of a certificate's current version are rendered on
the first request and kept in the store's blob cache under
``doc/<layout>/<identifier>/<variant>`` (the identifier names the version), so bulk issuance
never renders anything and later requests are served byte-identical. Annotated copies
(加注件) are made anew every time and never cached.

PDFs are signed PAdES through :func:`ca.pdf.sign_pdf` with the issuing (or succeeding)
department's key: B-LT (time stamp from the platform TSA, chain and OCSP response embedded)
or B-LTA for archived copies, with a visible signature in the face's reserved box.

Slow work (QR JWS, rendering, signing) runs outside database transactions: the QR JWS
comes from a callable that opens its own transaction, and SQLite allows one writer.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from ca.pdf import PadesOptions, sign_pdf
from ca.signer import Signer
from certificate_store.db import Store, UnitOfWork
from formats.chinatime import china_date
from formats.errors import Kind
from formats.identifiers import parse_identifier
from issuer import qr
from issuer.catalog import CertificateType
from issuer.errors import IssuerError, MalformedIdentifier, NotFound
from issuer.face import SIGNATURE_BOX, FaceInput, chinese_date, render_face
from issuer.fonts import stamp_font_path
from issuer.seal import make_seal

__all__ = [
    "LAYOUT",
    "SigningKeyLike",
    "SigningMaterialLike",
    "SigningMaterialSource",
    "BlobCache",
    "StoreBlobCache",
    "DocumentError",
    "DocumentService",
    "face_input_from_record",
]

LAYOUT = "f2"
"""Version of the face layout; part of every cache key, bump it when the face changes."""
SIGNATURE_FIELD = "ecert-signature"
PdfLevel = Literal["B-LT", "B-LTA"]
_STAMP_WORDS = "电子签名"


class DocumentError(IssuerError, ValueError):
    """A document cannot be made from what is stored (bad record, annotation too long)."""

    slug = "document-error"
    kind = Kind.INTERNAL  # made from stored records, which were checked when written


# -- what we need from the platform PKI (authority.pki.PlatformPki provides it) -----------
class SigningKeyLike(Protocol):
    @property
    def signer(self) -> Signer: ...
    @property
    def cert_der(self) -> bytes: ...


class SigningMaterialLike(Protocol):
    """Everything a PAdES B-LT/B-LTA signature needs, without network access."""

    @property
    def key(self) -> SigningKeyLike: ...
    @property
    def chain_ders(self) -> tuple[bytes, ...]: ...
    @property
    def root_der(self) -> bytes: ...
    @property
    def timestamper(self) -> object:
        """A pyHanko ``TimeStamper`` (``ca.tsa.InProcessTimeStamper``)."""
        ...
    @property
    def ocsp_responses(self) -> tuple[bytes, ...]:
        """For the department certificate (and the TSA certificate, if it has AIA)."""
        ...
    @property
    def crls(self) -> tuple[bytes, ...]: ...


class SigningMaterialSource(Protocol):
    def signing_material(self, uow: UnitOfWork, dept_code: str,
                         now: dt.datetime) -> SigningMaterialLike:
        """The key that signs for ``dept_code`` now (its successor's after a merger)."""
        ...


class BlobCache(Protocol):
    def get(self, key: str) -> tuple[str, bytes] | None: ...
    def put(self, key: str, content_type: str, data: bytes, now: dt.datetime) -> tuple[str, bytes]:
        """Store unless present; return what is stored (the first writer wins)."""
        ...


class StoreBlobCache:
    """The blob cache table of the certificate store, one short transaction per call."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, key: str) -> tuple[str, bytes] | None:
        with self._store.transaction() as uow:
            return uow.certificates.blob(key)

    def put(self, key: str, content_type: str, data: bytes, now: dt.datetime) -> tuple[str, bytes]:
        try:
            with self._store.transaction() as uow:
                existing = uow.certificates.blob(key)
                if existing is not None:
                    return existing
                uow.certificates.put_blob(key, content_type, data, now)
                return content_type, data
        except Exception:  # a concurrent writer won the insert race (PostgreSQL)
            existing = self.get(key)
            if existing is None:
                raise
            return existing


# -- record → face ---------------------------------------------------------------------------
_RESERVED = {
    "holder": lambda r: r["holder"]["name"],
    "holder_name": lambda r: r["holder"]["name"],
    "holder_code": lambda r: r["holder"]["code"],
    "licence_number": lambda r: r.get("licence_number") or "",
    "valid_from": lambda r: _cn_date(r["validity"]["from"]),
    "valid_to": lambda r: _cn_date(r["validity"]["to"]) or "长期",
}


def _cn_date(value: str | None) -> str:
    return "" if not value else chinese_date(dt.date.fromisoformat(value))


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (list, tuple)):
        return "、".join(_show(v) for v in value)
    if isinstance(value, Mapping):
        return "；".join(f"{k}：{_show(v)}" for k, v in value.items())
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return chinese_date(dt.date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def face_input_from_record(record: Mapping[str, Any], ctype: CertificateType, seal_png: bytes,
                           qr_url: str, annotation: Sequence[str] = ()) -> FaceInput:
    """The face of one stored version: rows from the type's face template, in order."""
    try:
        fields = record.get("fields") or {}
        rows: list[tuple[str, str]] = []
        for row in ctype.face.rows:
            if row.field in ("holder", "holder_name", "valid_from", "valid_to"):
                continue  # printed in their own places
            getter = _RESERVED.get(row.field)
            value = getter(record) if getter else _show(fields.get(row.field))
            if value != "":
                rows.append((row.label, value))
        validity = record.get("validity") or {}
        return FaceInput(
            title=ctype.face.title or record["name"],
            identifier=record["identifier"],
            issuer_name=record["issuer"]["name"],
            issue_date=dt.date.fromisoformat(record["issue_date"]),
            holder_name=record["holder"]["name"],
            holder_label="持证人" if record["holder"].get("code_kind") == "111" else "持证单位",
            rows=tuple(rows),
            valid_from=dt.date.fromisoformat(validity["from"]) if validity.get("from") else None,
            valid_to=dt.date.fromisoformat(validity["to"]) if validity.get("to") else None,
            seal_png=seal_png,
            qr_url=qr_url,
            licence_number=record.get("licence_number") or "",
            footer=ctype.face.footer or
            "本电子证照由签发部门依法签发并加盖电子印章，与纸质证照具有同等法律效力。"
            "扫描二维码可核验真伪及当前状态。",
            annotation=tuple(annotation),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise DocumentError("stored record cannot be rendered") from exc


@dataclass(frozen=True)
class _Loaded:
    identifier: str
    issuer_code: str
    record: dict[str, Any]
    ctype: CertificateType


def _wrap(text: str, width: int) -> list[str]:
    return [text[i:i + width] for i in range(0, len(text), width)] or [""]


class DocumentService:
    """QR images and signed PDFs of certificates, rendered lazily and cached."""

    def __init__(
        self,
        store: Store,
        material: SigningMaterialSource,
        cache: BlobCache | None = None,
        *,
        base_url: str,
        qr_jws_for: Callable[[str, dt.datetime], str],
        seal_for: Callable[[UnitOfWork, str], bytes | None] | None = None,
        location: str = "西藏自治区",
    ) -> None:
        """``qr_jws_for(identifier, now)`` gives the compact QR JWS of the current version
        (``IssuanceService.qr_jws``); ``seal_for(uow, dept_code)`` an uploaded seal PNG or
        None, in which case a seal is drawn from the department and seal names."""
        self._store = store
        self._material = material
        self._cache = cache or StoreBlobCache(store)
        self._base_url = base_url.rstrip("/")
        self._qr_jws_for = qr_jws_for
        self._seal_for = seal_for
        self._location = location
        self._lock = threading.Lock()
        self.renders = 0
        """Faces and QR images rendered by this instance (cache misses); for tests/metrics."""

    # -- helpers --------------------------------------------------------------------------
    def _count(self) -> None:
        with self._lock:
            self.renders += 1

    def _current(self, uow: UnitOfWork, identifier: str) -> _Loaded:
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

    def _resolve(self, identifier: str) -> str:
        with self._store.transaction() as uow:
            return self._current(uow, identifier).identifier

    def _url(self, identifier: str, now: dt.datetime) -> str:
        """The citizen URL of this version, made once and cached, so that the PNG, the SVG
        and the PDF of a version all carry the same QR (the JWS's ``iat`` is the first
        request's time). ``qr_jws_for`` opens its own transaction: never call inside ours."""
        key = self._key(identifier, "qr-url.txt")
        hit = self._cache.get(key)
        if hit is not None:
            return hit[1].decode("utf-8")
        url = f"{self._base_url}/v/{identifier}#{self._qr_jws_for(identifier, now)}"
        return self._cache.put(key, "text/plain; charset=utf-8", url.encode("utf-8"),
                               now)[1].decode("utf-8")

    @staticmethod
    def _key(identifier: str, variant: str) -> str:
        return f"doc/{LAYOUT}/{identifier}/{variant}"

    def _cached(self, identifier: str, variant: str, content_type: str,
                make: Callable[[str], bytes], now: dt.datetime) -> bytes:
        current = self._resolve(identifier)
        key = self._key(current, variant)
        hit = self._cache.get(key)
        if hit is not None:
            return hit[1]
        data = make(current)
        self._count()
        return self._cache.put(key, content_type, data, now)[1]

    # -- QR -------------------------------------------------------------------------------
    def qr_url(self, identifier: str, now: dt.datetime) -> str:
        """The citizen URL printed on the face of the current version (cached)."""
        return self._url(self._resolve(identifier), now)

    def qr_png(self, identifier: str, now: dt.datetime, box_size: int = 8) -> bytes:
        return self._cached(identifier, f"qr-{box_size}.png", "image/png",
                            lambda ident: qr.qr_png(self._url(ident, now), box_size), now)

    def qr_svg(self, identifier: str, now: dt.datetime) -> bytes:
        return self._cached(identifier, "qr.svg", "image/svg+xml",
                            lambda ident: qr.qr_svg(self._url(ident, now)).encode(), now)

    # -- PDF ------------------------------------------------------------------------------
    def pdf(self, identifier: str, now: dt.datetime, archived: bool = False) -> bytes:
        """The signed PDF of the current version: B-LT, or B-LTA when ``archived``."""
        level: PdfLevel = "B-LTA" if archived else "B-LT"
        return self._cached(identifier, f"pdf-{level}.pdf", "application/pdf",
                            lambda ident: self._make_pdf(ident, now, level, ()), now)

    def annotated_pdf(self, identifier: str, purpose: str, using_dept_name: str,
                      expires_at: dt.datetime | dt.date, now: dt.datetime) -> bytes:
        """An annotated copy (加注件): the face stamped "仅供<部门><事由>使用，有效期至<日期>",
        signed anew at B-LT, never cached. Recording the copy (``add_annotated_copy``) and
        the per-type cap are the caller's (who also checks the using department's grant)."""
        purpose, dept = purpose.strip(), using_dept_name.strip()
        if not purpose or not dept or len(purpose) > 60 or len(dept) > 40:
            raise DocumentError("purpose and using department are required (short)")
        until = expires_at if isinstance(expires_at, dt.date) and not isinstance(
            expires_at, dt.datetime) else china_date(expires_at)  # type: ignore[arg-type]
        lines = [*_wrap(f"仅供{dept}{purpose}使用", 20), f"有效期至{chinese_date(until)}",
                 "加注件 · 他用无效"]
        current = self._resolve(identifier)
        self._count()
        return self._make_pdf(current, now, "B-LT", tuple(lines),
                              reason=f"加注件：仅供{dept}{purpose}使用")

    def _make_pdf(self, identifier: str, now: dt.datetime, level: PdfLevel,
                  annotation: tuple[str, ...], reason: str | None = None) -> bytes:
        url = self._url(identifier, now)  # own transaction: before ours
        with self._store.transaction() as uow:
            loaded = self._current(uow, identifier)
            seal = self._seal_for(uow, loaded.issuer_code) if self._seal_for else None
            material = self._material.signing_material(uow, loaded.issuer_code, now)
        record = loaded.record
        seal_png = seal or make_seal(record["issuer"]["name"],
                                     record.get("seal") or "电子证照专用章")
        face = render_face(face_input_from_record(record, loaded.ctype, seal_png, url, annotation))
        signer_name = record.get("signer") or record["issuer"]["name"]
        box = tuple(int(round(v)) for v in SIGNATURE_BOX)
        return sign_pdf(face, material.key.signer, material.key.cert_der, PadesOptions(
            level=level, field_name=SIGNATURE_FIELD, chain_ders=material.chain_ders,
            timestamper=material.timestamper,  # type: ignore[arg-type]
            ocsp_responses_der=material.ocsp_responses, crls_der=material.crls,
            trust_root_der=material.root_der, box=box,  # type: ignore[arg-type]
            stamp_text=f"{signer_name}\n{_STAMP_WORDS}  %(ts)s",
            font_path=stamp_font_path(signer_name + _STAMP_WORDS, minimal=True),
            reason=reason or f"签发电子证照 {identifier}",
            location=self._location,
        ), now)


