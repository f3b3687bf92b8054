"""`ecert trust-bundle` + `ecert verify` offline, against a live server's published lists."""

from __future__ import annotations

import pytest

from ecert.cli.main import main
from tests.api.helpers import setup_training, training_request
from tests.conftest import auth


@pytest.fixture(scope="module")
def issued(template, admin_token, tmp_path_factory):  # type: ignore[no-untyped-def]
    from tests.api.conftest import serve

    client = template.client
    w = setup_training(client, admin_token)
    body = client.post("/api/v1/certificates", json=training_request(4242),
                       headers=auth(w["issuer"])).json()
    pdf = client.get(f"/api/v1/certificates/{body['identifier']}/pdf",
                     headers=auth(w["issuer"])).content
    d = tmp_path_factory.mktemp("verify")
    (d / "cert.pdf").write_bytes(pdf)
    with serve(template.platform, housekeeping=False) as live_url:
        assert main(["trust-bundle", "--url", live_url, "--out", str(d / "bundle")]) == 0
    return {**w, **body, "dir": d}


def test_offline_qr_and_pdf_are_valid(issued, capsys) -> None:  # type: ignore[no-untyped-def]
    d = issued["dir"]
    assert main(["verify", "--qr", issued["qr_url"], "--bundle", str(d / "bundle")]) == 0
    assert main(["verify", str(d / "cert.pdf"), "--bundle", str(d / "bundle")]) == 0
    assert "valid" in capsys.readouterr().out


def test_altered_pdf_is_rejected_with_the_check_named(issued, capsys) -> None:  # type: ignore[no-untyped-def]
    d = issued["dir"]
    data = bytearray((d / "cert.pdf").read_bytes())
    i = data.find(b"/Producer")
    assert i > 0
    data[i + 12] ^= 0x01
    (d / "altered.pdf").write_bytes(bytes(data))
    code = main(["verify", str(d / "altered.pdf"), "--bundle", str(d / "bundle"), "--json"])
    out = capsys.readouterr().out
    assert code == 1 and '"verdict": "invalid"' in out and '"passed": false' in out


def test_tampered_qr_and_bad_input_fail_closed(issued, capsys) -> None:  # type: ignore[no-untyped-def]
    d = issued["dir"]
    url = issued["qr_url"]
    head, sig = url.rsplit(".", 1)
    forged = head + "." + ("A" if sig[0] != "A" else "B") + sig[1:]
    assert main(["verify", "--qr", forged, "--bundle", str(d / "bundle")]) != 0
    assert main(["verify", "--qr", "https://example.com/nothing", "--bundle",
                 str(d / "bundle")]) != 0
    assert main(["verify", str(d / "missing.pdf"), "--bundle", str(d / "bundle")]) == 2
    assert main(["verify", "--qr", url, "--bundle", str(d / "nowhere")]) == 2
    capsys.readouterr()


def test_offline_qr3_from_the_bundles_status_shard(issued, template, capsys) -> None:  # type: ignore[no-untyped-def]
    """issue #9 §2: an ecert/qr/3 code takes its status from the one shard it names."""
    import json

    from tests.api.conftest import serve

    d, si = issued["dir"], issued["record"]["status_index"]
    with serve(template.platform, housekeeping=False) as live_url:
        assert main(["trust-bundle", "--url", live_url, "--out", str(d / "sharded"),
                     "--shard", str(si // 131072)]) == 0
    capsys.readouterr()
    assert main(["verify", "--qr", issued["qr_url"], "--bundle", str(d / "sharded"),
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["verdict"] == "valid" and "status-shard" in json.dumps(out)
    gz = d / "sharded" / f"status-shard-{si // 131072}.gz"
    data = bytearray(gz.read_bytes())
    data[len(data) // 2] ^= 0x01
    gz.write_bytes(bytes(data))  # not the bytes the root signed
    assert main(["verify", "--qr", issued["qr_url"], "--bundle", str(d / "sharded")]) != 0
    capsys.readouterr()
