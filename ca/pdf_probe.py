"""Does an untrusted file parse as a PDF? (evidence attachments of objections, Art. 17)

A small recipe over pyHanko's reader: the header, the cross-reference data, the trailer's root
and every page object of the page tree must be readable. It says nothing about signatures.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from pyhanko.pdf_utils.reader import PdfFileReader

from ca.errors import MalformedPdf

MAX_PAGES = 2000
_MAX_DEPTH = 32


def pdf_page_count(data: bytes) -> int:
    """The number of pages of ``data``; :class:`MalformedPdf` when it does not parse."""
    if not data.startswith(b"%PDF-"):
        raise MalformedPdf("not a PDF")
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        count = _walk(reader.root["/Pages"], 0)
    except MalformedPdf:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure on untrusted bytes
        raise MalformedPdf("PDF could not be read") from exc
    if count < 1:
        raise MalformedPdf("PDF without pages")
    return count


def _walk(node: Any, depth: int) -> int:
    if depth > _MAX_DEPTH:
        raise MalformedPdf("page tree too deep")
    kind = node.get("/Type")
    if kind == "/Page" or "/Kids" not in node:
        node.get("/MediaBox")  # the page object itself resolves
        return 1
    total = 0
    for kid in node["/Kids"]:
        total += _walk(kid.get_object() if hasattr(kid, "get_object") else kid, depth + 1)
        if total > MAX_PAGES:
            raise MalformedPdf("too many pages")
    return total
