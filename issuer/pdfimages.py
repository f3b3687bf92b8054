"""Image XObjects prepared once per process (issue 11, B4).

reportlab's `Canvas.drawImage` deflates an image's pixels (and its alpha mask) into a new
XObject for every document; for the seal, the same picture on every certificate, that was
about a fifth of rendering a face. `preregister` puts a copy of an XObject prepared once
into the canvas's document under the name `drawImage` would give it, so `drawImage` finds
it there and only draws it: the PDF is the same, byte for byte. `draw` goes one step further
and writes what `drawImage` writes without it: `drawImage` hashes the image's raw pixels
(MD5 of about a megabyte for the seal) on every call only to learn that name.
"""

from __future__ import annotations

import copy
import functools
import io
from typing import Any

from reportlab.lib.utils import ImageReader, _digester
from reportlab.pdfbase.pdfdoc import PDFImageXObject, PDFObjectReference
from reportlab.pdfgen.canvas import Canvas


@functools.lru_cache(maxsize=16)
def reader(digest: str, png: bytes) -> ImageReader:
    """A decoded image, kept (keyed by the caller's digest of `png`)."""
    return ImageReader(io.BytesIO(png))


@functools.lru_cache(maxsize=16)
def _template(digest: str, png: bytes) -> tuple[str, Any]:
    """(name, XObject) exactly as `drawImage(reader, …, mask="auto")` would make them."""
    img = reader(digest, png)
    rgb = img.getRGBData()  # sets _dataA (the alpha channel), as in drawImage
    alpha = img._dataA
    mdata = alpha.getRGBData() if alpha else b"auto"
    name = _digester(rgb + mdata)
    obj = PDFImageXObject(name, img, mask="auto")
    obj.name = name
    return name, obj


def preregister(c: Canvas, digest: str, png: bytes) -> ImageReader:
    """Register the prepared XObject of `png` in `c`'s document; returns the reader to pass
    to `c.drawImage(…, mask="auto")`."""
    name, template = _template(digest, png)
    doc: Any = c._doc
    reg = doc.getXObjectName(name)
    if doc.idToObject.get(reg) is None:
        obj = copy.copy(template)
        c._setXObjects(obj)
        doc.Reference(obj, reg)
        doc.addForm(name, obj)
        smask = getattr(obj, "_smask", None)
        if smask is not None:
            smask = copy.copy(smask)
            mreg = doc.getXObjectName(smask.name)
            if doc.idToObject.get(mreg) is None:
                c._setXObjects(smask)
                obj.smask = doc.Reference(smask, mreg)
            else:
                obj.smask = PDFObjectReference(mreg)
            del obj._smask
    return reader(digest, png)


def draw(c: Canvas, digest: str, png: bytes, x: float, y: float, width: float,
         height: float) -> None:
    """What `c.drawImage(reader, x, y, width, height, mask="auto")` draws (the same bytes;
    `width` and `height` positive), without hashing the pixels for the XObject's name."""
    preregister(c, digest, png)
    name, _template_obj = _template(digest, png)
    c._currentPageHasImages = 1
    c.saveState()
    c.translate(x, y)
    c.scale(width, height)
    c._code.append(f"/{c._doc.getXObjectName(name)} Do")
    c.restoreState()
    c._formsinuse.append(name)
