from __future__ import annotations

from pathlib import Path

import pytest
from asn1crypto import tsp
from hypothesis import given, settings
from hypothesis import strategies as st

from ca.certs import TSA_POLICY_OID
from ca.tsa import _TimeStampResp, timestamp_response

from .conftest import Pki, run


def _query(tmp_path: Path, *extra: str) -> bytes:
    (tmp_path / "data.bin").write_bytes(b"ecert record to stamp")
    run("openssl", "ts", "-query", "-data", tmp_path / "data.bin", "-sha256", "-out",
        tmp_path / "q.tsq", *extra)
    return (tmp_path / "q.tsq").read_bytes()


def _answer(pki: Pki, tmp_path: Path, query: bytes, serial: int = 4242) -> bytes:
    resp = timestamp_response(pki.tsa_signer, pki.tsa, [pki.root], query, serial, pki.now)
    (tmp_path / "r.tsr").write_bytes(resp)
    return resp


@pytest.mark.parametrize("extra", [("-cert",), ("-cert", "-no_nonce"), ()])
def test_openssl_ts_verify(pki: Pki, tmp_path: Path, extra: tuple[str, ...]) -> None:
    query = _query(tmp_path, *extra)
    resp = _answer(pki, tmp_path, query)
    proc = run("openssl", "ts", "-verify", "-in", tmp_path / "r.tsr", "-queryfile",
               tmp_path / "q.tsq", "-CAfile", pki.path("root.pem"), "-untrusted",
               pki.path("tsa.pem"))
    assert "Verification: OK" in proc.stdout
    text = run("openssl", "ts", "-reply", "-in", tmp_path / "r.tsr", "-text").stdout
    assert f"Policy OID: {TSA_POLICY_OID}" in text
    assert "Serial number: 0x1092" in text
    parsed = tsp.TimeStampResp.load(resp)
    token = parsed["time_stamp_token"]["content"]
    has_certs = bool(token["certificates"])
    assert has_certs == ("-cert" in extra)
    attrs = {a["type"].native for a in token["signer_infos"][0]["signed_attrs"]}
    assert "signing_certificate_v2" in attrs
    tst = token["encap_content_info"]["content"].parsed
    req = tsp.TimeStampReq.load(query)
    assert tst["nonce"].native == req["nonce"].native
    assert tst["gen_time"].native == pki.now


def _status(resp: bytes) -> tuple[str, set[str]]:
    info = _TimeStampResp.load(resp)["status"]
    return info["status"].native, set(info["fail_info"].native or ())


def test_rejections(pki: Pki, tmp_path: Path) -> None:
    assert _status(_answer(pki, tmp_path, b"junk")) == ("rejection", {"bad_data_format"})
    policy = _query(tmp_path, "-tspolicy", "1.2.3.4")
    assert _status(_answer(pki, tmp_path, policy)) == ("rejection", {"unaccepted_policy"})
    ours = _query(tmp_path, "-tspolicy", TSA_POLICY_OID)
    assert _status(_answer(pki, tmp_path, ours))[0] == "granted"
    (tmp_path / "d").write_bytes(b"x")
    run("openssl", "ts", "-query", "-data", tmp_path / "d", "-sha1", "-out", tmp_path / "s1.tsq")
    sha1 = (tmp_path / "s1.tsq").read_bytes()
    assert _status(_answer(pki, tmp_path, sha1)) == ("rejection", {"bad_alg"})
    text = run("openssl", "ts", "-reply", "-in", tmp_path / "r.tsr", "-text").stdout
    assert "Rejected" in text


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_junk_requests_get_rejection(data: bytes) -> None:
    # No fixture in hypothesis tests: build a throwaway TSA lazily.
    from tests.ca.test_tsa import _TSA

    resp = timestamp_response(_TSA[0], _TSA[1], [], data, 1, _TSA[2])
    status = _TimeStampResp.load(resp)["status"]["status"].native
    assert status == "rejection"  # random bytes are never a well-formed TimeStampReq


def _make_tsa() -> tuple[object, bytes, object]:
    import datetime as dt

    from ca.cert_profiles import issue_root_ca, issue_tsa_cert
    from ca.signer import MemorySigner

    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    root_signer = MemorySigner.generate("r")
    root = issue_root_ca(root_signer, "r", now)
    tsa_signer = MemorySigner.generate("t")
    cert = issue_tsa_cert(root_signer, root, tsa_signer.public_key_der, "t",
                          "https://x.example", None, now)
    return tsa_signer, cert, now


_TSA = _make_tsa()
