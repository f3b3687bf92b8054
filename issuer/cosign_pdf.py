"""The co-signatures on the PDF (共同签署, see `issuer.cosign`): each co-signing department's
PAdES signature, with its own visible stamp beside the issuer's, applied to the face before
the issuer's signature, so that the issuer's signature comes last and covers the whole
document (what the verifier judges the certificate by) while the co-signatures are earlier
signatures it checks too (`pdf-earlier-signature`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from ca.pdf import PadesOptions, sign_pdf
from certificate_store.db import UnitOfWork
from formats.identifiers import parse_identifier
from issuer.face import SIGNATURE_BOX
from issuer.fonts import stamp_font_path

WORDS = "共同签署"
_GAP = 8.0


def _box(i: int) -> tuple[int, int, int, int]:
    """The i-th co-signature's box: left of the issuer's, same size."""
    x0, y0, x1, y1 = SIGNATURE_BOX
    shift = i * (x1 - x0 + _GAP)
    return (round(x0 - shift), round(y0), round(x1 - shift), round(y1))


def _rows(uow: UnitOfWork, identifier: str) -> list[Any]:
    cert = uow.certificates.by_base(parse_identifier(identifier).base)
    if cert is None:
        return []
    return uow.cosignatures.for_version(cert.id, parse_identifier(identifier).version)


def variant(uow: UnitOfWork, identifier: str, base: str) -> str:
    """The cache variant of a PDF: a co-signed version's PDF is another document."""
    n = len(_rows(uow, identifier))
    return base if n == 0 else base.replace(".pdf", f"-cosigned{n}.pdf")


def co_signing(uow: UnitOfWork, materials: Any, identifier: str, now: dt.datetime,
               level: str, location: str | None) -> Callable[[bytes], bytes]:
    """Reads each co-signer's name and signing material now; the result signs a face with
    them in turn (B-LT, or B-B when the issuer's is B-B)."""
    plans = [(uow.departments.get(r.dept_code).name,
              materials.signing_material(uow, r.dept_code, now)) for r in _rows(uow, identifier)]

    def apply(face: bytes) -> bytes:
        for i, (name, m) in enumerate(plans, 1):
            face = sign_pdf(face, m.key.signer, m.key.cert_der, PadesOptions(
                level="B-B" if level == "B-B" else "B-LT", field_name=f"ecert-cosign-{i}",
                chain_ders=m.chain_ders, timestamper=m.timestamper,
                ocsp_responses_der=m.ocsp_responses, crls_der=m.crls,
                trust_root_der=m.root_der, box=_box(i), stamp_text=f"{name}\n{WORDS}  %(ts)s",
                font_path=stamp_font_path(name + WORDS, minimal=True),
                reason=f"{WORDS}电子证照 {identifier}", location=location), now)
        return face

    return apply
