"""formats.record and formats.qr: the signed record, the QR claim sets, and the QR JWS as
signed through ca.jws (byte-compatible with the header verifiers have always read)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from ca.cert_profiles import issue_root_ca
from ca.jws import b64url_decode, parse_jws, sign_jws, verify_jws_with_cert
from ca.signer import MemorySigner
from formats.keyids import b64url, qr_kid, x5t_s256
from formats.masking import CITIZEN, ORGANISATION
from formats.qr import (
    QR1_SPEC,
    QR1_TYP,
    QR2_SPEC,
    QR2_TYP,
    QR3_SPEC,
    QR3_TYP,
    QR_SPEC,
    QR_SPEC_BY_TYP,
    QR_SPECS,
    QR_TYP,
    build_qr_claims,
    citizen_url,
    record_hash_claim,
)
from formats.record import (
    RECORD_FIELDS,
    RECORD_SPEC,
    RECORD_TYP,
    Holder,
    build_record,
    canonical_bytes,
    sha256_hex,
)

NOW = dt.datetime(2026, 11, 29, 2, 0, tzinfo=dt.UTC)
IDENT = "1.2.156.3005.2.11540000MB00000016001.11540000MB00000029.202600000001.001.V"


def _kwargs(holder: Holder = Holder("张三丰", "11010519491231002X", CITIZEN)) -> dict:
    return dict(
        identifier=IDENT, version=1, previous=None, type_code="11540000MB00000016001",
        type_name="培训合格证书", type_version=1, licence_number="No.1", issuer_name="某局",
        issuer_code="11540000MB00000029", issue_date=dt.date(2026, 11, 29), holder=holder,
        valid_from=dt.date(2026, 11, 29), valid_to=None, signer_name="某局", signed_at=NOW,
        seal="s", fields={"b": 1, "a": "二"})


def _record(holder: Holder) -> dict[str, object]:
    return build_record(**_kwargs(holder))


def test_constants_are_the_documented_ones() -> None:
    assert (RECORD_SPEC, RECORD_TYP) == ("ecert/record/1", "ecert-record+jws")
    assert (QR1_SPEC, QR1_TYP, QR2_SPEC, QR2_TYP) == ("ecert/qr/1", "ecert-qr+jws", "ecert/qr/2",
                                                      "eqr")
    assert (QR_SPEC, QR_TYP) == (QR3_SPEC, QR3_TYP) == ("ecert/qr/3", "eqr3")  # issued now
    assert QR_SPEC_BY_TYP == {"eqr3": "ecert/qr/3", "eqr": "ecert/qr/2",
                              "ecert-qr+jws": "ecert/qr/1"}
    assert QR_SPECS[QR1_SPEC].key_header == "x5t#S256" and QR_SPECS[QR2_SPEC].key_header == "kid"


def test_record_and_its_canonical_bytes() -> None:
    rec = _record(Holder("张三丰", "11010519491231002X", CITIZEN))
    assert tuple(rec) == RECORD_FIELDS[:-1]  # signed before status indexes (issue #9)
    indexed = build_record(**{**_kwargs(), "status_index": 7})
    assert tuple(indexed) == RECORD_FIELDS and indexed["status_index"] == 7
    assert rec["signed_at"] == "2026-11-29T02:00:00Z" and rec["validity"] == {
        "from": "2026-11-29", "to": None}
    data = canonical_bytes(rec)
    assert data.startswith(b'{"fields":{"a":"\xe4\xba\x8c","b":1},"holder":')  # JCS: sorted, UTF-8
    assert sha256_hex(data) == sha256_hex(canonical_bytes(json.loads(data)))


def test_qr_claims_for_citizens_and_organisations() -> None:
    rec = _record(Holder("张三丰", "11010519491231002X", CITIZEN))
    digest = sha256_hex(canonical_bytes(rec))
    c = build_qr_claims(rec, digest, NOW)
    assert c == {"spec": QR2_SPEC, "id": IDENT, "h": "张**", "hc": "110***********002X",
                 "vf": "2026-11-29", "vt": None, "iat": int(NOW.timestamp()),
                 "rh": record_hash_claim(digest)}
    assert set(c) == set(QR_SPECS[QR2_SPEC].claims)
    assert c["rh"] == b64url(bytes.fromhex(digest)[:16]) and len(c["rh"]) == 22
    org = build_qr_claims(_record(Holder("某某有限公司", "91350100M000100Y43", ORGANISATION)),
                          digest, NOW)
    assert "h" not in org and org["hc"] == "91350100M000100Y43"
    assert citizen_url("https://e.cn", IDENT, "a.b.c") == f"https://e.cn/v/{IDENT}#a.b.c"


@pytest.fixture(scope="module")
def key() -> tuple[MemorySigner, bytes]:
    signer = MemorySigner.generate("qr-test")
    return signer, issue_root_ca(signer, "ecert qr test", NOW)


def test_qr_jws_header_is_the_short_one_verifiers_read(key: tuple[MemorySigner, bytes]) -> None:
    signer, der = key
    payload = canonical_bytes({"spec": QR2_SPEC, "id": IDENT})
    jws = sign_jws(payload, signer, der, include_x5c=False, typ=QR2_TYP, short_kid=True)
    h64 = jws.split(".")[0]
    # exactly the bytes issuer.records.sign_qr_jws assembled by hand before
    assert b64url_decode(h64) == canonical_bytes({"alg": "ES256", "kid": qr_kid(der),
                                                  "typ": QR2_TYP})
    assert b64url_decode(h64) == b'{"alg":"ES256","kid":"' + qr_kid(der).encode() + b'","typ":"eqr"}'
    parsed = parse_jws(jws)
    assert parsed.x5t_s256 is None and parsed.header["kid"] == x5t_s256(der)[:12]
    assert verify_jws_with_cert(jws, der) == payload
    with pytest.raises(ValueError):
        sign_jws(payload, signer, der, include_x5c=True, typ=QR2_TYP, short_kid=True)


def test_record_jws_header_is_unchanged(key: tuple[MemorySigner, bytes]) -> None:
    signer, der = key
    jws = sign_jws(b"{}", signer, der, include_x5c=False, typ=RECORD_TYP)
    assert b64url_decode(jws.split(".")[0]) == canonical_bytes(
        {"alg": "ES256", "typ": RECORD_TYP, "x5t#S256": x5t_s256(der)})
