"""Issue #9 §1: a key revoked for key_compromise proves nothing by itself. An attacker holding
the old key signs a QR for a real identifier with an ``iat`` before the revocation and invented
claims: offline it is invalid whatever it claims; online only the store's exact record, issued
before the compromise, still counts."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from ca.jws import b64url, b64url_decode, canonical_json
from ca.signer import der_to_raw_signature
from ecert.cli.main import main
from formats.identifiers import parse_identifier
from tests.api.helpers import setup_training, training_request
from tests.conftest import auth


def _parts(url: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(URL before ``#``, header, whole claim set; an ecert/qr/3 fragment unpacked)."""
    from formats.qr import QR3_TYP, unpack_fragment

    before, _, jws = url.partition("#")
    header = json.loads(b64url_decode(jws.split(".")[0]))
    if header.get("typ") == QR3_TYP:
        jws = unpack_fragment(before.rsplit("/", 1)[1], jws)
    h, c, _s = jws.split(".")
    return before, header, json.loads(b64url_decode(c))


def sign_qr(url: str, signer: Any, claims: dict[str, Any]) -> str:
    """``url``'s QR with ``claims`` signed by ``signer`` under the same header (packed as
    ecert/qr/3 codes are)."""
    from formats.qr import QR3_TYP, pack_fragment

    before, header, _claims = _parts(url)
    signing_input = f"{b64url(canonical_json(header))}.{b64url(canonical_json(claims))}"
    sig = b64url(der_to_raw_signature(signer.sign(signing_input.encode("ascii"))))
    jws = f"{signing_input}.{sig}"
    return f"{before}#{pack_fragment(jws) if header.get('typ') == QR3_TYP else jws}"


@dataclasses.dataclass(frozen=True)
class Compromise:
    genuine: str
    forged: str
    dir: Any
    identifier: str


@pytest.fixture(scope="module")
def compromise(template, admin_token, tmp_path_factory) -> Compromise:  # type: ignore[no-untyped-def]
    from ecert.cli.common import cli_actor
    from tests.api.conftest import serve

    client, p = template.client, template.platform
    w = setup_training(client, admin_token)
    body = client.post("/api/v1/certificates", json=training_request(77),
                       headers=auth(w["issuer"])).json()
    genuine = body["qr_url"]
    dept = parse_identifier(body["identifier"]).issuer_code
    with p.store.transaction() as uow:
        old = uow.pki.active("department", dept)
    assert old is not None
    template.clock.advance(seconds=30)  # the compromise comes after the issue
    p.rotate_key(dept, cli_actor(), "key_compromise")
    _b, _h, claims = _parts(genuine)
    # iat as genuine (before the revocation); holder and validity invented, rh copied
    invented = {**claims, "hc": "5401**********0000", "vt": "2099-12-31"}
    forged = sign_qr(genuine, p.pki.signer(old.key_label), invented)
    d = tmp_path_factory.mktemp("compromise")
    with serve(p, housekeeping=False) as live_url:
        assert main(["trust-bundle", "--url", live_url, "--out", str(d / "bundle")]) == 0
    return Compromise(genuine, forged, d, body["identifier"])


def _json_out(capsys) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return dict(json.loads(capsys.readouterr().out))


def test_offline_cli_rejects_qr_signed_with_compromised_key(compromise, capsys) -> None:  # type: ignore[no-untyped-def]
    bundle = str(compromise.dir / "bundle")
    assert main(["verify", "--qr", compromise.forged, "--bundle", bundle, "--json"]) == 1
    out = _json_out(capsys)
    assert out["verdict"] == "invalid"
    trust = next(c for c in out["checks"] if c["name"] == "trust")
    assert trust["passed"] is False and trust["reason"] == "key-compromised"


def _live(client, qr: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    ident = qr.split("#")[0].rsplit("/", 1)[1]
    r = client.post("/api/v1/public/status", json={"identifier": ident, "jws": qr.split("#", 1)[1]})
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_page_live_check_rejects_forged_claims(compromise, client) -> None:  # type: ignore[no-untyped-def]
    """The citizen page posts the fragment; the server compares it with the stored record."""
    assert _live(client, compromise.forged)["verdict"] == "invalid"


def test_page_live_check_keeps_genuine_qr_issued_before_compromise(compromise, client) -> None:  # type: ignore[no-untyped-def]
    assert _live(client, compromise.genuine)["verdict"] == "valid"


def test_forged_claims_with_the_real_record_hash_are_invalid_online(compromise, platform) -> None:  # type: ignore[no-untyped-def]
    """Copying the genuine ``rh`` does not help: every claim is compared with the store."""
    from verifier.qr import verify_qr_online

    with platform.store.transaction() as uow:
        _s, root_der = platform.pki.root(uow)
        forged = verify_qr_online(uow, compromise.forged, platform.now(), root_der=root_der)
        genuine = verify_qr_online(uow, compromise.genuine, platform.now(), root_der=root_der)
    assert forged.verdict.value == "invalid"
    assert genuine.verdict.value == "valid", [c for c in genuine.to_dict()["checks"] if not c["passed"]]

