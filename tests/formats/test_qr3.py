"""``ecert/qr/3`` (issue #9 §2): packed claims naming the status index, QR version ≤ 15.

The packed fragment must rebuild the exact JWS the department signed, refuse anything that is
not the array of the packed claims' types, and keep a realistic certificate with long Chinese
fields at QR version 15 or less (error correction M, as issuer.qr prints it).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from ca.jws import b64url_decode, parse_jws, sign_jws, verify_jws_with_cert
from ca.signer import MemorySigner
from formats.identifiers import make_identifier
from formats.masking import ORGANISATION
from formats.qr import (
    MAX_QR_VERSION,
    QR2_TYP,
    QR3_SPEC,
    QR3_TYP,
    build_qr_claims,
    citizen_url,
    pack_fragment,
    unpack_claims,
    unpack_fragment,
)
from formats.record import Holder, build_record, canonical_bytes, sha256_hex
from formats.uscc import make_uscc
from issuer.qr import qr_info

NOW = dt.datetime(2026, 3, 1, 8, tzinfo=dt.UTC)
BASE = "https://zwfw.xizang.gov.cn/ecert"  # a realistic government base URL
ISS = make_uscc("11540000MB0180012")


def _record(holder: Holder, status_index: int | None = 1_999_999) -> dict:
    ident = make_identifier(ISS + "001", ISS, "2026000123456", 1)
    return build_record(
        identifier=ident, version=1, previous=None, type_code=ISS + "001",
        type_name="西藏自治区食品经营许可证（含网络经营、集体用餐配送单位）", type_version=1,
        licence_number="JY15401020012345", issuer_name="西藏自治区拉萨市城关区市场监督管理局",
        issuer_code=ISS, issue_date=NOW.date(), holder=holder, valid_from=NOW.date(),
        valid_to=dt.date(2031, 2, 28), signer_name="西藏自治区拉萨市城关区市场监督管理局",
        signed_at=NOW, seal="拉萨市城关区市场监督管理局电子印章",
        fields={"scope": "预包装食品销售（含冷藏冷冻食品）、散装食品销售、热食类食品制售",
                "address": "西藏自治区拉萨市城关区北京中路一百二十八号金珠商贸城三层"},
        status_index=status_index)


def _signed(claims: dict, key: MemorySigner, cert: bytes, typ: str = QR3_TYP) -> str:
    return sign_jws(canonical_bytes(claims), key, cert, include_x5c=False, typ=typ,
                    short_kid=True)


@pytest.fixture(scope="module")
def dept() -> tuple[MemorySigner, bytes]:
    from ca.cert_profiles import issue_department_cert, issue_root_ca

    root = MemorySigner.generate("root")
    root_der = issue_root_ca(root, "测试根CA", NOW - dt.timedelta(days=400))
    key = MemorySigner.generate("qr3")
    return key, issue_department_cert(root, root_der, key.public_key_der,
                                      "西藏自治区拉萨市城关区市场监督管理局", ISS,
                                      "https://ecert.example", None, NOW - dt.timedelta(days=30),
                                      years=3)


LONG_NAME = Holder("阿旺晋美·次仁多吉·格桑旺堆", "540102199001011234", "111")
ORG = Holder("西藏自治区拉萨市城关区雪域圣洁高原特色食品贸易有限责任公司",
             make_uscc("91540100MA6T00127"), ORGANISATION)


@pytest.mark.parametrize("holder", [LONG_NAME, ORG], ids=["citizen", "organisation"])
def test_packed_fragment_rebuilds_the_signed_jws_and_fits_version_15(dept, holder) -> None:
    key, cert = dept
    record = _record(holder)
    claims = build_qr_claims(record, sha256_hex(canonical_bytes(record)), NOW)
    assert claims["spec"] == QR3_SPEC and claims["si"] == 1_999_999
    signed = _signed(claims, key, cert)
    fragment = pack_fragment(signed)
    assert json.loads(b64url_decode(fragment.split(".")[1]))[-1] == 1_999_999
    assert unpack_fragment(record["identifier"], fragment) == signed
    assert verify_jws_with_cert(unpack_fragment(record["identifier"], fragment), cert)
    url = citizen_url(BASE, record["identifier"], fragment)
    assert qr_info(url).version <= MAX_QR_VERSION == 15, (qr_info(url).version, len(url))
    # the same claims the qr/2 way (object payload with spec and id) need a larger code
    legacy = {k: v for k, v in claims.items() if k != "si"} | {"spec": "ecert/qr/2"}
    old = citizen_url(BASE, record["identifier"], _signed(legacy, key, cert, QR2_TYP))
    assert qr_info(old).version > qr_info(url).version


def test_a_packed_fragment_binds_its_path_and_types(dept) -> None:
    key, cert = dept
    record = _record(LONG_NAME)
    fragment = pack_fragment(_signed(build_qr_claims(record, "ab" * 32, NOW), key, cert))
    other = make_identifier(ISS + "001", ISS, "2026000123457", 1)
    with pytest.raises(Exception):  # noqa: B017 - ca's SignatureInvalid
        verify_jws_with_cert(unpack_fragment(other, fragment), cert)
    with pytest.raises(ValueError):
        unpack_fragment(None, fragment)  # a qr/3 code needs its URL's path
    good = json.loads(b64url_decode(fragment.split(".")[1]))
    for bad in ([*good, 1], good[:-1], [*good[:-1], True], [*good[:-1], 1.5], [*good[:-1], -1],
                [*good[:-1], "7"], [good[0], None, *good[2:]], {"h": good[0]}, "x"):
        with pytest.raises(ValueError):
            unpack_claims(record["identifier"], json.dumps(bad).encode())
    assert "h" not in unpack_claims(record["identifier"], json.dumps([None, *good[1:]]).encode())
    open_ended = unpack_claims(record["identifier"], json.dumps([*good[:3], None, *good[4:]])
                               .encode())  # 长期有效: vt is null, and stays in the claim set
    assert "vt" in open_ended and open_ended["vt"] is None
    with pytest.raises(ValueError):
        unpack_claims(record["identifier"], json.dumps([good[0], None, *good[2:]]).encode())
    head = parse_jws(_signed(build_qr_claims(record, "ab" * 32, NOW), key, cert)).header
    assert head["typ"] == QR3_TYP and set(head) == {"alg", "kid", "typ"}


def test_records_without_an_index_keep_qr2() -> None:
    record = _record(LONG_NAME, status_index=None)
    assert "status_index" not in record
    assert build_qr_claims(record, "ab" * 32, NOW)["spec"] == "ecert/qr/2"
    assert build_qr_claims(record, "ab" * 32, NOW, status_index=5)["si"] == 5
