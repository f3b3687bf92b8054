"""Throughput of the printable face, measured in one run so the ratios are comparable.

    python bench/bench_face.py [--seconds 3]

Reports: faces/s (unsigned render_face), signed PDFs/s (PAdES B-LT with the in-process TSA
and embedded OCSP, the signature's words printed on the face as in production), archive time
stamps/s (B-LT → B-LTA, what the batch job of issue 11 does per PDF), QR PNG/s with the fixed mask
vs the library's best-of-eight mask search, and the QR version and module size at 25 mm for
a realistic citizen URL (docs/formats.md claim set).
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ca import cert_profiles, ocsp, tsa  # noqa: E402
from ca.pdf import PadesOptions, sign_pdf  # noqa: E402
from ca.pdf_archive import add_archive_timestamp  # noqa: E402
from ca.signer import MemorySigner  # noqa: E402
from issuer import qr  # noqa: E402
from issuer.face import SIGNATURE_BOX, FaceInput, render_face  # noqa: E402
from issuer.seal import make_seal  # noqa: E402

NOW = dt.datetime(2026, 11, 29, 8, 0, tzinfo=dt.UTC)
DEPT = "西藏自治区人力资源和社会保障厅"
IDENT = "1.2.156.3005.2.11540000MB0000001X001.11540000MB0000002Y.202600000001.001.K"


def _b64(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def citizen_url(i: int = 0, cjk: bool = True) -> str:
    hdr = {"alg": "ES256", "typ": "ecert-qr+jws", "x5t#S256": _b64(bytes(32))}
    claims: dict[str, object] = {
        "spec": "ecert/qr/1", "id": IDENT, "t": "11540000MB0000001X001", "h": "扎**",
        "hc": "540***********1234", "vf": "2026-11-29", "vt": "2029-11-28",
        "iss": "11540000MB0000002Y", "iat": 1764403200 + i, "rh": _b64(bytes(16)),
    }
    if cjk:
        claims |= {"tn": "农牧民职业技能培训证书", "in": DEPT}

    def j(o: object) -> bytes:
        return json.dumps(o, separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode()

    return (f"https://ecert.xizang.gov.cn/v/{IDENT}#{_b64(j(hdr))}.{_b64(j(claims))}."
            f"{_b64(bytes(64))}")


def rate(fn: Callable[[int], object], seconds: float) -> float:
    """Calls per CPU-second of this process (one core): on a shared machine wall time counts
    other people's work too."""
    fn(-1)  # warm caches (fonts, adapters)
    n, start = 0, time.process_time()
    while time.process_time() - start < seconds:
        fn(n)
        n += 1
    return n / (time.process_time() - start)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--json", action="store_true", help="print one JSON object (bench/run.py)")
    a = ap.parse_args()
    s = a.seconds

    seal = make_seal(DEPT)
    view = FaceInput(
        title="农牧民职业技能培训合格证书", identifier=IDENT, issuer_name=DEPT,
        issue_date=NOW.date(), holder_name="扎西次仁",
        rows=(("公民身份号码", "540102199001011234"), ("培训项目", "牦牛养殖与畜产品加工（初级）"),
              ("培训时间", "2026年9月1日至2026年10月30日，共计240学时")),
        valid_from=NOW.date(), valid_to=dt.date(2029, 11, 28), seal_png=seal,
        qr_url=citizen_url(), licence_number="藏人社培〔2026〕000001号",
        footer="本证照与纸质证照具有同等法律效力。",
        signature_words=(DEPT, "电子签名  2026年11月29日 16:00"))

    root = MemorySigner.generate("root")
    root_der = cert_profiles.issue_root_ca(root, "Bench Root", NOW - dt.timedelta(days=1))
    dept = MemorySigner.generate("dept")
    dept_der = cert_profiles.issue_department_cert(root, root_der, dept.public_key_der, DEPT,
                                                   "11540000MB0000002Y", "https://e.test", None,
                                                   NOW - dt.timedelta(hours=1))
    tsa_k = MemorySigner.generate("tsa")
    tsa_der = cert_profiles.issue_tsa_cert(root, root_der, tsa_k.public_key_der, "TSA", "https://e.test",
                                           None, NOW - dt.timedelta(hours=1))
    oc = MemorySigner.generate("ocsp")
    oc_der = cert_profiles.issue_ocsp_cert(root, root_der, oc.public_key_der, "OCSP", None,
                                           NOW - dt.timedelta(hours=1))
    resp = [ocsp.ocsp_response_for(oc, oc_der, root_der, d, ocsp.CertStatusInfo("good"), NOW)
            for d in (dept_der, tsa_der)]
    stamper = tsa.InProcessTimeStamper(tsa_k, tsa_der, [root_der], lambda: NOW)
    box = tuple(int(round(v)) for v in SIGNATURE_BOX)
    face_pdf = render_face(view)

    def signed(level: str) -> Callable[[int], object]:
        return lambda i: sign_pdf(face_pdf, dept, dept_der, options(level), NOW)

    def options(level: str) -> PadesOptions:
        return PadesOptions(level=level, field_name="sig", chain_ders=[root_der],  # type: ignore[arg-type]
                            timestamper=stamper, ocsp_responses_der=resp, trust_root_der=root_der,
                            box=box, stamp_text="",  # type: ignore[arg-type]
                            font_path=None)  # the words are on the face, as issuer/documents.py

    def render_signed(i: int) -> object:
        return signed("B-LT")(i)

    def face_rate(i: int) -> object:
        return render_face(view)

    def qr_fixed(i: int) -> object:
        return qr.qr_png(citizen_url(i), 4)

    def qr_search(i: int) -> object:
        return qr.qr_png(citizen_url(i), 4, mask_pattern=None)

    faces = rate(face_rate, s)
    lt = rate(lambda i: sign_pdf(render_face(view), dept, dept_der, options("B-LT"), NOW), s)
    bb = rate(signed("B-B"), s)
    lt = max(lt, rate(lambda i: sign_pdf(render_face(view), dept, dept_der, options("B-LT"), NOW), s))
    bb = max(bb, rate(signed("B-B"), s))  # interleaved, best of two: the machine is shared
    fixed = rate(qr_fixed, s)
    kept_lt = signed("B-LT")(0)
    assert isinstance(kept_lt, bytes)
    archive = rate(lambda i: add_archive_timestamp(
        kept_lt, stamper, trust_root_der=root_der, chain_ders=(root_der,),
        ocsp_responses_der=tuple(resp), now=NOW), s)
    if a.json:
        print(json.dumps({"faces": faces, "render_lt": lt, "sign_bb": bb, "qr_png": fixed,
                          "archive_stamp": archive,
                          "qr_version": qr.qr_info(citizen_url()).version}))
        return
    search = rate(qr_search, s)

    for name, cjk in (("realistic URL (CJK names in claims)", True),
                      ("URL without tn/in", False)):
        url = citizen_url(0, cjk)
        info = qr.qr_info(url)
        print(f"QR {name}: {len(url)} chars, version {info.version} ({info.modules} modules); "
              f"at 25 mm incl. quiet zone {info.module_mm(25):.3f} mm/module; printed "
              f"{qr.print_width_mm(url):.1f} mm wide on the face "
              f"({info.module_mm(qr.print_width_mm(url)):.3f} mm/module)")
    print(f"faces/s (unsigned render_face):     {faces:7.1f}")
    print(f"signed PDFs/s (render + B-LT):      {lt:7.1f}   ratio to unsigned {lt / faces:.2f}")
    print(f"signed PDFs/s (B-B, sign only):     {bb:7.1f}   render + B-LT / B-B = {lt / bb:.2f}")
    print(f"archive stamps/s (B-LT -> B-LTA):   {archive:7.1f}")
    print(f"QR PNG/s fixed mask:                {fixed:7.1f}")
    print(f"QR PNG/s best-of-8 mask search:     {search:7.1f}   fixed/search = "
          f"{fixed / search:.1f}x")


if __name__ == "__main__":
    main()
