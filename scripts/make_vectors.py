"""Generate docs/vectors/: published verification cases with a throwaway PKI.

    .venv/bin/python scripts/make_vectors.py [OUT_DIR]

Writes ``root.pem``, ``trust-list.jws``, ``status-list.jws`` and ``qr-cases.json`` (each
case: name, QR URL, check time, expected verdict and reason; ``ecert/qr/2`` codes as issued
now and legacy ``ecert/qr/1`` codes, which stay verifiable), and the PDF cases:
``pdf-root.pem``, ``pdf-status-list.jws``, ``pdf/*.pdf`` and ``pdf-cases.json`` (a signed PDF
from ``issuer.documents.DocumentService``, a tampered copy, a copy without signature). Keys
are generated and thrown away; nothing here is a production secret. Runs on temporary SQLite
stores with the same record and claim shapes as docs/formats.md.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests" / "verifier"), str(REPO / "tests" / "issuer")]

from verifier_world import ISSUER, T0, TYPE, World, identifier_for, sign_qr2  # noqa: E402

from ca.certs import pem  # noqa: E402
from ca.jws import b64url, canonical_json, sign_jws  # noqa: E402
from ca.signer import MemorySigner  # noqa: E402
from certificate_store import Store  # noqa: E402
from certificate_store.models import Base  # noqa: E402
from verifier.lists import build_status_list, build_trust_list  # noqa: E402

CHECK_AT = T0 + dt.timedelta(days=30)


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{tmp}/v.db")
        Base.metadata.create_all(store.engine)
        w = World.build(store)
        valid = w.issue(holder_name="卓玛", holder_code="540102199203041234")
        revoked = w.issue(holder_name="扎西次仁", holder_code="540102198512125678")
        w.set_status(revoked, "03")
        expired = w.issue(holder_name="李四", holder_code="540102197701019999", vt="2026-12-01")
        old = w.issue(holder_name="王五", holder_code="540102200001012222")
        w.change(old, T0 + dt.timedelta(days=2), scope="零售")
        cases = [
            ("valid", w.qr_url(valid), "valid", None),
            ("revoked", w.qr_url(revoked), "revoked", "status-03"),
            ("expired", w.qr_url(expired), "expired", "expired"),
            ("superseded", w.qr_url(old), "superseded", "superseded"),
        ]
        claims = w.qr_claims(valid)
        claims["vt"] = "2099-12-31"
        url = w.qr_url(valid)
        head, payload, sig = url.split("#", 1)[1].split(".")

        tampered = f"https://ecert.example/v/{valid.identifier}#{head}.{b64url(canonical_json(claims))}.{sig}"
        cases.append(("tampered-claims", tampered, "invalid", "bad-signature"))
        rogue = MemorySigner.generate("rogue")
        forged = sign_qr2(canonical_json(claims), rogue, w.issuer.cert_der)
        cases.append(("forged-key", f"https://ecert.example/v/{valid.identifier}#{forged}",
                      "invalid", "bad-signature"))
        unknown_kid = sign_qr2(canonical_json(w.qr_claims(valid)), w.issuer.signer,
                               w.issuer.cert_der, kid="AAAAAAAAAAAA")
        cases.append(("unknown-kid", f"https://ecert.example/v/{valid.identifier}#{unknown_kid}",
                      "invalid", "unknown-signer"))
        v2_as_v1 = sign_jws(canonical_json(w.qr_claims(valid)), w.issuer.signer,
                            w.issuer.cert_der, include_x5c=False, typ="ecert-qr+jws")
        cases.append(("qr2-claims-under-qr1-typ",
                      f"https://ecert.example/v/{valid.identifier}#{v2_as_v1}", "invalid",
                      "wrong-type"))
        # legacy ecert/qr/1 codes already on paper
        v1 = "ecert/qr/1"
        cases.append(("qr1-valid", w.qr_url(valid, spec=v1), "valid", None))
        cases.append(("qr1-revoked", w.qr_url(revoked, spec=v1), "revoked", "status-03"))
        v1_claims = w.qr_claims(valid, spec=v1) | {"vt": "2099-12-31"}
        head1, _, sig1 = w.qr_url(valid, spec=v1).split("#", 1)[1].split(".")
        cases.append(("qr1-tampered-claims", f"https://ecert.example/v/{valid.identifier}#"
                      f"{head1}.{b64url(canonical_json(v1_claims))}.{sig1}", "invalid",
                      "bad-signature"))
        cases.append(("swapped-path", w.qr_url(valid, path_id=revoked.identifier), "invalid",
                      "identifier-mismatch"))
        foreign = identifier_for(TYPE, ISSUER, "SC2026000001", 1)
        foreign = foreign[:-1] + ("Z" if foreign[-1] != "Z" else "Y")
        fclaims = {**w.qr_claims(valid), "id": foreign}
        cases.append(("foreign-identifier",
                      w.qr_url(valid, claims=fclaims, path_id=foreign), "unknown", None))
        with store.transaction() as uow:
            tl = w.sign_list(build_trust_list(uow, CHECK_AT - dt.timedelta(hours=1),
                                              dt.timedelta(days=3650)))
            sl = w.sign_list(build_status_list(uow, CHECK_AT - dt.timedelta(hours=1),
                                               dt.timedelta(days=3650)))
        store.dispose()
    (out / "root.pem").write_text(pem(w.root_der))
    (out / "trust-list.jws").write_text(tl + "\n")
    (out / "status-list.jws").write_text(sl + "\n")
    doc = {"spec": "ecert/vectors/1", "check_at": CHECK_AT.strftime("%Y-%m-%dT%H:%M:%SZ"),
           "note": "Throwaway PKI. Verify each url offline with trust-list.jws and "
                   "status-list.jws (signed by root.pem) at check_at; expect verdict.",
           "cases": [{"name": n, "url": u, "verdict": v, "reason": r} for n, u, v, r in cases]}
    (out / "qr-cases.json").write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
    print(f"wrote {len(cases)} QR cases to {out}")
    pdf_cases(out)


class _Material:
    """DocumentService signing material over a throwaway root: department key, TSA, OCSP."""

    def __init__(self, keys: Any, now: dt.datetime) -> None:
        from ca import cert_profiles

        self.keys, self.root_der = keys, keys.root_der
        start = now - dt.timedelta(days=1)
        self.tsa = MemorySigner.generate("tsa")
        self.tsa_der = cert_profiles.issue_tsa_cert(keys.root, keys.root_der, self.tsa.public_key_der,
                                                    "测试时间戳服务", "https://ecert.test", None, start)
        self.ocsp = MemorySigner.generate("ocsp")
        self.ocsp_der = cert_profiles.issue_ocsp_cert(keys.root, keys.root_der,
                                                      self.ocsp.public_key_der, "测试OCSP", None, start)

    def _ocsp(self, der: bytes, now: dt.datetime) -> bytes:
        from ca import ocsp as ca_ocsp

        return ca_ocsp.ocsp_response_for(self.ocsp, self.ocsp_der, self.root_der, der,
                                         ca_ocsp.CertStatusInfo("good"), now)

    def signing_material(self, uow: Any, dept_code: str, now: dt.datetime) -> Any:
        from types import SimpleNamespace

        from ca.tsa import InProcessTimeStamper

        k = self.keys.signing_key(uow, dept_code)
        return SimpleNamespace(
            key=SimpleNamespace(signer=k.signer, cert_der=k.cert_der),
            chain_ders=(self.root_der,), root_der=self.root_der,
            timestamper=InProcessTimeStamper(self.tsa, self.tsa_der, [self.root_der],
                                             lambda: now),
            ocsp_responses=(self._ocsp(k.cert_der, now), self._ocsp(self.tsa_der, now)),
            crls=())


def _tamper(pdf: bytes) -> bytes:
    """One character of the signed /Subject (the identifier's serial) changed, same length."""
    at = pdf.index(b"/Subject (1.2.156.3005.2.")
    close = pdf.index(b")", at)
    i = close - 12  # inside the serial
    repl = b"7" if pdf[i:i + 1] != b"7" else b"8"
    out = pdf[:i] + repl + pdf[i + 1:]
    assert len(out) == len(pdf) and out != pdf
    return out


def pdf_cases(out: Path) -> None:
    """Signed PDF, tampered copy, unsigned copy, with expected offline verdicts."""
    from issuer_helpers import (
        NOW,
        TYPE_A,
        PerCall,
        good_data,
        issuer_actor,
        make_world,
        sqlite_store,
    )

    from ca.documents import sign_document
    from issuer.catalog import CertificateType
    from issuer.documents import DocumentService, face_input_from_record
    from issuer.face import render_face
    from issuer.seal import make_seal

    check_at = NOW + dt.timedelta(days=1)
    (out / "pdf").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        store = sqlite_store(Path(tmp) / "p.db")
        world = make_world(store)
        issued = world.svc.issue(issuer_actor(), TYPE_A, good_data(), NOW)
        docs = PerCall(store, DocumentService(_Material(world.keys, NOW),
                                              base_url="https://ecert.test",
                                              qr_jws_for=world.service.qr_jws))
        signed = docs.pdf(issued.identifier, NOW)
        with store.transaction() as uow:
            ver = uow.certificates.version_by_identifier(issued.identifier)
            cert = uow.certificates.get(ver.certificate_id)
            ctype = CertificateType.from_record(uow.catalog.get(cert.type_code,
                                                                cert.type_version))
            record = json.loads(ver.canonical)
            sl = sign_document(build_status_list(uow, check_at - dt.timedelta(hours=1),
                                                 dt.timedelta(days=3650)),
                               world.keys.root, world.keys.root_der)
        unsigned = render_face(face_input_from_record(
            record, ctype, make_seal(record["issuer"]["name"], record["seal"]),
            docs.qr_url(issued.identifier, NOW)))
        store.dispose()
    files = {"valid.pdf": signed, "tampered.pdf": _tamper(signed), "unsigned-copy.pdf": unsigned}
    for name, data in files.items():
        (out / "pdf" / name).write_bytes(data)
    (out / "pdf-root.pem").write_text(pem(world.keys.root_der))
    (out / "pdf-status-list.jws").write_text(sl + "\n")
    cases = [("valid", "pdf/valid.pdf", "valid", None),
             ("tampered", "pdf/tampered.pdf", "invalid", "altered"),
             ("unsigned-copy", "pdf/unsigned-copy.pdf", "not_original", "no-signature")]
    doc = {"spec": "ecert/vectors/1", "check_at": check_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
           "identifier": issued.identifier,
           "note": "Throwaway PKI (not the QR cases' root). Verify each file offline with "
                   "verifier.pdf.verify_pdf against pdf-root.pem and pdf-status-list.jws at "
                   "check_at; expect verdict (and the failed check's reason).",
           "cases": [{"name": n, "file": f, "verdict": v, "reason": r} for n, f, v, r in cases]}
    (out / "pdf-cases.json").write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
    print(f"wrote {len(cases)} PDF cases to {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "vectors")
