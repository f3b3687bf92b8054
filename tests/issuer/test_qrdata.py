"""issuer.qrdata computes exactly what the qrcode library computes (issue 11, B8): the same
version, the same codewords, the same matrix, for citizen URLs and for random text."""

from __future__ import annotations

import random

import qrcode
import qrcode.constants
from qrcode import util

from issuer import qr, qrdata

LEVELS = (qrcode.constants.ERROR_CORRECT_L, qrcode.constants.ERROR_CORRECT_M,
          qrcode.constants.ERROR_CORRECT_Q, qrcode.constants.ERROR_CORRECT_H)


def _texts() -> list[str]:
    rnd = random.Random(11)
    ident = "1.2.156.3005.2.11540000MB0000001X001.11540000MB0000002Y.202600000001.001.K"
    out = [f"https://ecert.xizang.gov.cn/v/{ident}#" + "a" * n for n in (0, 10, 300, 700)]
    out += ["".join(rnd.choice("ABC0123456789.:/xyz藏 ") for _ in range(rnd.randrange(1, 900)))
            for _ in range(40)]
    out += ["1234567890" * rnd.randrange(1, 60) for _ in range(5)]
    return out


def test_same_version_and_codewords_as_the_library() -> None:
    for i, text in enumerate(_texts()):
        for level in LEVELS:
            code = qrcode.QRCode(version=None, error_correction=level, border=0, mask_pattern=2)
            code.add_data(text.encode(), optimize=qr.ALNUM_RUN if i % 2 else 0)
            try:
                version = code.best_fit()
            except qrcode.exceptions.DataOverflowError:
                continue
            assert qrdata.best_version(code.data_list, level) == version
            assert (qrdata.codewords(version, level, code.data_list)
                    == util.create_data(version, level, code.data_list))


def test_same_matrix_as_the_library_for_every_mask() -> None:
    for text in _texts()[:12]:
        for mask in range(8):
            lib = qrcode.QRCode(version=None, error_correction=qrcode.constants.ERROR_CORRECT_M,
                                border=0, mask_pattern=mask)
            lib.add_data(text.encode("utf-8"), optimize=qr.ALNUM_RUN)
            lib.make(fit=True)
            assert qr.qr_matrix(text, mask_pattern=mask) == tuple(
                tuple(bool(m) for m in row) for row in lib.modules)
