"""Benchmark of ca/: JWS signing vs raw ECDSA, and PDF signing B-B vs B-LT.

Run: .venv/bin/python bench/bench_ca.py [--seconds 2]
Prints absolute rates and the ratios; everything in-process (file keys, the
in-process TSA and OCSP), so no network time is included.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import logging
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

from ca.cert_profiles import issue_department_cert, issue_ocsp_cert, issue_root_ca, issue_tsa_cert  # noqa: E402
from ca.jws import canonical_json, sign_jws  # noqa: E402
from ca.keystore import FileKeyStore  # noqa: E402
from ca.ocsp import CertStatusInfo, ocsp_response_for  # noqa: E402
from ca.pdf import PadesOptions, sign_pdf  # noqa: E402
from ca.tsa import InProcessTimeStamper  # noqa: E402


def rate(fn: Callable[[], object], seconds: float) -> float:
    fn()  # warm up
    n, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        fn()
        n += 1
    return n / elapsed


def small_pdf() -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 770, "ecert benchmark")
    c.showPage()
    c.save()
    return buf.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=1.0,
                        help="per measurement; each is repeated --rounds times, interleaved")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    logging.getLogger("pyhanko").setLevel(logging.ERROR)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with tempfile.TemporaryDirectory() as tmp:
        store = FileKeyStore(Path(tmp), b"bench passphrase")
        root_s = store.generate("root")
        root = issue_root_ca(root_s, "Bench root", now - dt.timedelta(days=1))
        dept_s = store.generate("dept")
        dept = issue_department_cert(root_s, root, dept_s.public_key_der, "基准测试厅",
                                     "11540000MB0000000X", "https://x.example", None,
                                     now - dt.timedelta(hours=1))
        tsa_s = store.generate("tsa")
        tsa = issue_tsa_cert(root_s, root, tsa_s.public_key_der, "Bench TSA",
                             "https://x.example", None, now - dt.timedelta(days=1))
        ocsp_s = store.generate("ocsp")
        ocsp = issue_ocsp_cert(root_s, root, ocsp_s.public_key_der, "Bench OCSP", None,
                               now - dt.timedelta(days=1))

        raw_key = ec.generate_private_key(ec.SECP256R1())
        payload = canonical_json({"identifier": "1.2.156.3005.2.X.Y.Z.001.K",
                                  "holder": "扎西**", "valid_until": "2029-12-31"})
        pdf = small_pdf()
        ocsps = [ocsp_response_for(ocsp_s, ocsp, root, c, CertStatusInfo("good"), now)
                 for c in (dept, tsa)]
        stamper = InProcessTimeStamper(tsa_s, tsa, [root], clock=lambda: now)

        def pdf_sign(level: str) -> Callable[[], object]:
            return lambda: sign_pdf(pdf, dept_s, dept, PadesOptions(
                level=level, field_name="Sig", chain_ders=[root],  # type: ignore[arg-type]
                timestamper=stamper, ocsp_responses_der=ocsps, trust_root_der=root), now)

        cases: dict[str, Callable[[], object]] = {
            "raw": lambda: raw_key.sign(b"x" * 150, ec.ECDSA(hashes.SHA256())),
            "jws": lambda: sign_jws(payload, dept_s, dept, include_x5c=False),
            "jws_x5c": lambda: sign_jws(payload, dept_s, dept, include_x5c=True),
            "B-B": pdf_sign("B-B"),
            "B-T": pdf_sign("B-T"),
            "B-LT": pdf_sign("B-LT"),
        }
        best = dict.fromkeys(cases, 0.0)
        for _ in range(args.rounds):  # interleaved, best of N: the machine is shared
            for name, fn in cases.items():
                best[name] = max(best[name], rate(fn, args.seconds))
        raw, jws, jws_x5c = best["raw"], best["jws"], best["jws_x5c"]
        bb, bt, blt = best["B-B"], best["B-T"], best["B-LT"]

    print(f"raw cryptography ECDSA P-256 sign : {raw:10.0f} /s")
    print(f"JWS ES256 (file signer, no x5c)   : {jws:10.0f} /s   ratio {jws / raw:.2f}")
    print(f"JWS ES256 (file signer, x5c)      : {jws_x5c:10.0f} /s   ratio {jws_x5c / raw:.2f}")
    print(f"PDF PAdES B-B                     : {bb:10.1f} /s")
    print(f"PDF PAdES B-T  (in-process TSA)   : {bt:10.1f} /s   ratio to B-B {bt / bb:.2f}")
    print(f"PDF PAdES B-LT (TSA + OCSP in DSS): {blt:10.1f} /s   ratio to B-B {blt / bb:.2f}")


if __name__ == "__main__":
    main()
