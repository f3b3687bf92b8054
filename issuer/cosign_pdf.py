"""The co-signatures on the PDF (共同签署, see `issuer.cosign`): each co-signing department's
PAdES signature, with its own visible stamp beside the issuer's, applied to the face before
the issuer's signature, so that the issuer's signature comes last and covers the whole
document (what the verifier judges the certificate by) while the co-signatures are earlier
signatures it checks too (`pdf-earlier-signature`). As for the issuer's signature, the words
of each stamp (department, 共同签署 and the signing time) are printed on the face
(`FaceInput.cosignature_words`) and pyHanko draws only the frame: no font subset is embedded
per signature."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ca.pdf import PadesOptions, sign_pdf
from certificate_store.db import UnitOfWork
from formats.identifiers import parse_identifier
from issuer.face import cosignature_box

WORDS = "共同签署"


def _box(i: int) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = cosignature_box(i)
    return (round(x0), round(y0), round(x1), round(y1))


@dataclass(frozen=True)
class CoSigning:
    """The co-signers of a version, read in one unit of work: the words of their stamps (for
    the face) and the signing itself (``apply`` to the rendered face)."""

    names: tuple[str, ...]
    apply: Callable[[bytes], bytes]

    def words(self, signed_at: str) -> tuple[tuple[str, ...], ...]:
        return tuple((name, f"{WORDS}  {signed_at}") for name in self.names)


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
               level: str, location: str | None) -> CoSigning:
    """Reads each co-signer's name and signing material now; ``apply`` signs a face with
    them in turn (B-LT, or B-B when the issuer's is B-B)."""
    plans = [(uow.departments.get(r.dept_code).name,
              materials.signing_material(uow, r.dept_code, now)) for r in _rows(uow, identifier)]

    def apply(face: bytes) -> bytes:
        for i, (_name, m) in enumerate(plans, 1):
            face = sign_pdf(face, m.key.signer, m.key.cert_der, PadesOptions(
                level="B-B" if level == "B-B" else "B-LT", field_name=f"ecert-cosign-{i}",
                chain_ders=m.chain_ders, timestamper=m.timestamper,
                ocsp_responses_der=m.ocsp_responses, crls_der=m.crls,
                trust_root_der=m.root_der, box=_box(i),
                stamp_text="",  # a frame: the words are on the face (CoSigning.words)
                font_path=None, reason=f"{WORDS}电子证照 {identifier}", location=location), now)
        return face

    return CoSigning(tuple(name for name, _m in plans), apply)
