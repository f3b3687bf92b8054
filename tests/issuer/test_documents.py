"""DocumentService end to end: a certificate issued through IssuanceService on SQLite, its
PDF rendered and signed PAdES B-LT / B-LTA with a test PKI built from the ca recipes (root,
department, TSA, OCSP responder), then checked by pyHanko (through ca.pdf_validate), by
poppler's pdfsig with an NSS database, and by zxing-cpp reading the printed QR."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from issuer_helpers import (
    DEPT_A,
    DEPT_C,
    NOW,
    TYPE_A,
    PerCall,
    good_data,
    issuer_actor,
    make_world,
)
from issuer_helpers import sqlite_store as make_sqlite_store
from PIL import Image

from ca import cert_profiles
from ca import certs as ca_certs
from ca import ocsp as ca_ocsp
from ca.jws import b64url_decode, verify_jws_with_cert
from ca.pdf_validate import validate_pdf
from ca.signer import MemorySigner
from ca.tsa import InProcessTimeStamper
from certificate_store.db import Store, UnitOfWork
from issuer.documents import DocumentService
from issuer.errors import NotFound

poppler = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils missing")
LATER = NOW + dt.timedelta(minutes=10)


@dataclass(frozen=True)
class _Key:
    signer: MemorySigner
    cert_der: bytes


@dataclass(frozen=True)
class _Material:
    key: _Key
    chain_ders: tuple[bytes, ...]
    root_der: bytes
    timestamper: object
    ocsp_responses: tuple[bytes, ...]
    crls: tuple[bytes, ...]


class TestMaterial:
    """SigningMaterialSource over the issuer tests' root: adds a TSA and an OCSP responder."""

    __test__ = False

    def __init__(self, keys: object) -> None:
        self.keys = keys
        root, root_der = keys.root, keys.root_der  # type: ignore[attr-defined]
        start = NOW - dt.timedelta(days=1)
        self.tsa = MemorySigner.generate("tsa")
        self.tsa_der = cert_profiles.issue_tsa_cert(root, root_der, self.tsa.public_key_der,
                                                    "测试时间戳服务", "https://ecert.test", None, start)
        self.ocsp = MemorySigner.generate("ocsp")
        self.ocsp_der = cert_profiles.issue_ocsp_cert(root, root_der, self.ocsp.public_key_der,
                                                      "测试OCSP", None, start)
        self.root_der = root_der
        self.calls = 0

    def _ocsp(self, der: bytes, now: dt.datetime) -> bytes:
        return ca_ocsp.ocsp_response_for(self.ocsp, self.ocsp_der, self.root_der, der,
                                         ca_ocsp.CertStatusInfo("good"), now)

    def signing_material(self, uow: UnitOfWork, dept_code: str, now: dt.datetime) -> _Material:
        self.calls += 1
        k = self.keys.signing_key(uow, dept_code)  # type: ignore[attr-defined]
        return _Material(
            key=_Key(k.signer, k.cert_der), chain_ders=(self.root_der,), root_der=self.root_der,
            timestamper=InProcessTimeStamper(self.tsa, self.tsa_der, [self.root_der],
                                             lambda: now),
            ocsp_responses=(self._ocsp(k.cert_der, now), self._ocsp(self.tsa_der, now)),
            crls=(),
        )


@dataclass
class Env:
    store: Store
    docs: Any  # DocumentService, one transaction per call
    material: TestMaterial
    identifier: str
    dept_cert: bytes
    root_der: bytes
    tmp: Path


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    tmp = tmp_path_factory.mktemp("documents")
    store = make_sqlite_store(tmp / "t.db")
    world = make_world(store)
    issued = world.svc.issue(issuer_actor(), TYPE_A, good_data(), NOW)
    material = TestMaterial(world.keys)
    docs = PerCall(store, DocumentService(material, base_url="https://ecert.test",
                                          qr_jws_for=world.service.qr_jws))
    yield Env(store, docs, material, issued.identifier, world.keys.keys[DEPT_A].cert_der,
              world.keys.root_der, tmp)
    store.dispose()


@pytest.fixture(scope="module")
def signed(env: Env) -> bytes:
    return env.docs.pdf(env.identifier, NOW)


def _decode(png: bytes) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def test_pdf_passes_pyhanko_validation_offline(env: Env, signed: bytes) -> None:
    report = validate_pdf(signed, env.root_der, LATER)
    assert len(report.signatures) == 1
    sig = report.signatures[0]
    assert sig.valid is True, sig.message
    assert sig.intact and sig.timestamped and sig.revocation_data_embedded
    assert sig.signer is not None and sig.signer.uscc == DEPT_A
    assert report.document_timestamps == 0


@pytest.mark.skipif(shutil.which("pdfsig") is None or shutil.which("certutil") is None,
                    reason="poppler-utils / libnss3-tools missing")
def test_pdf_passes_poppler_pdfsig(env: Env, signed: bytes) -> None:
    nss = env.tmp / "nss"
    nss.mkdir(exist_ok=True)
    (env.tmp / "root.pem").write_text(ca_certs.pem(env.root_der))
    (env.tmp / "signed.pdf").write_bytes(signed)
    subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True,
                   capture_output=True)
    subprocess.run(["certutil", "-A", "-d", f"sql:{nss}", "-n", "Root", "-t", "CT,C,C", "-i",
                    str(env.tmp / "root.pem")], check=True, capture_output=True)
    out = subprocess.run(["pdfsig", "-nssdir", f"sql:{nss}", str(env.tmp / "signed.pdf")],
                         capture_output=True, text=True, check=False).stdout
    assert "Signature is Valid." in out, out


@poppler
def test_printed_qr_is_the_citizen_url_with_a_valid_jws(env: Env, signed: bytes) -> None:
    (env.tmp / "qr.pdf").write_bytes(signed)
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", "-singlefile",
                    str(env.tmp / "qr.pdf"), str(env.tmp / "page")], check=True)
    url = env.docs.qr_url(env.identifier, LATER)
    assert url.startswith(f"https://ecert.test/v/{env.identifier}#")
    assert _decode((env.tmp / "page.png").read_bytes()) == [url]
    from formats.qr import unpack_fragment

    jws = unpack_fragment(env.identifier, url.split("#", 1)[1])  # ecert/qr/3, packed
    claims = json.loads(verify_jws_with_cert(jws, env.dept_cert))
    assert claims["id"] == env.identifier and claims["h"].endswith("*")
    assert isinstance(claims["si"], int)
    assert json.loads(b64url_decode(jws.split(".")[0]))["typ"] == "eqr3"


@poppler
def test_signed_pdf_embeds_the_cjk_font(signed: bytes) -> None:
    out = subprocess.run(["pdffonts", "-"], input=signed, capture_output=True, check=False)
    if out.returncode != 0:
        pytest.skip("pdffonts cannot read stdin")
    rows = [ln.split() for ln in out.stdout.decode().splitlines()[2:]]
    cjk = [r for r in rows if "Bousung" in r[0] or "Droid" in r[0] or "CJK" in r[0]]
    assert cjk and all(r[-5] == "yes" for r in cjk)


def test_qr_images_carry_the_same_url_as_the_pdf(env: Env, signed: bytes) -> None:
    url = env.docs.qr_url(env.identifier, LATER)
    assert _decode(env.docs.qr_png(env.identifier, LATER, box_size=4)) == [url]
    svg = env.docs.qr_svg(env.identifier, LATER).decode()
    assert svg.startswith("<?xml") and "<path" in svg


def test_second_request_is_served_from_the_cache(env: Env, signed: bytes) -> None:
    env.docs.qr_png(env.identifier, LATER)
    renders, calls = env.docs.renders, env.material.calls
    assert env.docs.pdf(env.identifier, LATER) == signed
    assert env.docs.qr_png(env.identifier, LATER) == env.docs.qr_png(env.identifier, LATER)
    base = env.identifier.rsplit(".", 2)[0]  # the base identifier names the same version
    assert env.docs.pdf(base, LATER) == signed
    assert (env.docs.renders, env.material.calls) == (renders, calls)
    fresh = PerCall(env.store, DocumentService(
        env.material, base_url="https://ecert.test",
        qr_jws_for=lambda *_: pytest.fail("must not sign a new QR")))
    assert fresh.pdf(env.identifier, LATER) == signed and fresh.renders == 0


def test_archived_copy_is_b_lta(env: Env, signed: bytes) -> None:
    lta = env.docs.pdf(env.identifier, NOW, archived=True)
    assert lta != signed
    assert lta.startswith(signed)  # the kept B-LT with an archive time stamp appended
    report = validate_pdf(lta, env.root_der, LATER)
    assert report.signatures[0].valid is True, report.signatures[0].message
    assert report.document_timestamps == 1
    assert env.docs.pdf(env.identifier, LATER, archived=True) == lta


@poppler
def test_annotated_copy_is_stamped_signed_and_never_cached(env: Env) -> None:
    before = env.docs.renders
    until = dt.date(2026, 12, 29)
    a = env.docs.annotated_pdf(env.identifier, "审批核验", "使用局", until, LATER)
    b = env.docs.annotated_pdf(env.identifier, "审批核验", "使用局", until, LATER)
    assert a != b and env.docs.renders == before + 2
    text = subprocess.run(["pdftotext", "-raw", "-", "-"], input=a, capture_output=True,
                          check=True).stdout.decode().replace(" ", "")
    assert "仅供使用局审批核验使用" in text and "有效期至2026年12月29日" in text
    report = validate_pdf(a, env.root_der, LATER)
    assert report.signatures[0].valid is True
    with env.store.transaction() as uow:
        assert uow.certificates.blob(f"doc/f1/{env.identifier}/annotated") is None
    assert DEPT_C  # the using department of the demo catalog


def test_unknown_certificate_is_not_found(env: Env) -> None:
    with pytest.raises(NotFound):
        env.docs.pdf("1.2.156.3005.2.X.Y.Z.001.0", NOW)
    with pytest.raises(NotFound):
        env.docs.qr_png(env.identifier.replace(".2026", ".2025"), NOW)
