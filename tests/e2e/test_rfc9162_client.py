"""The audit log checked over HTTP by a client that is not ours (Go, RFC 9162) and the tree head
signature checked by openssl: the promise of docs/audit-log.md §3 to "any RFC 9162 client"."""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import auth
from tests.e2e.conftest import Producer, issue_some


def b64d(s: str) -> bytes:
    return base64.b64decode(s, validate=True)


def b64e(b: bytes) -> str:
    return base64.b64encode(b).decode()


def flip(b64: str, byte: int = 0) -> str:
    raw = bytearray(b64d(b64))
    raw[byte % len(raw)] ^= 0x01
    return b64e(bytes(raw))


@pytest.fixture(scope="module")
def scripted_run(template: Any, producer: Producer) -> dict[str, Any]:
    """Issue, change, suspend/release, revoke, withdraw through the API; take two signed heads
    (on the module's template: each test reads them from its own copy)."""
    platform, client = template.platform, template.client
    issuer = auth(producer.issuer)
    ids = issue_some(client, producer, 10, seed=11)
    r = client.post(f"/api/v1/certificates/{ids[0]}/change", headers=issuer,
                    json={"data": {"fields": {"trade": "藏式家具制作（变更）"}},
                          "reason": "信息变更"})
    assert r.status_code == 200, r.text
    for ident, events in ((ids[1], ("suspend", "release")), (ids[2], ("revoke",)),
                          (ids[3], ("suspend",)), (ids[4], ("withdraw",))):
        for ev in events:
            r = client.post(f"/api/v1/certificates/{ident}/status", headers=issuer,
                            json={"event": ev, "reason": f"e2e {ev}"})
            assert r.status_code == 200, r.text
    with platform.store.transaction() as uow:
        platform.audit.sign_head(uow, platform.head_signer(uow), platform.now())
    auditor = auth(producer.auditor)
    sth1 = client.get("/api/v1/audit/get-sth", headers=auditor).json()
    platform.clock.advance(seconds=2)
    issue_some(client, producer, 3, seed=12)
    with platform.store.transaction() as uow:
        platform.audit.sign_head(uow, platform.head_signer(uow), platform.now())
    sth2 = client.get("/api/v1/audit/get-sth", headers=auditor).json()
    assert sth2["tree_size"] > sth1["tree_size"] > 10
    return {"sth1": sth1, "sth2": sth2, "auditor": auditor}


def all_entries(client: Any, auditor: dict[str, str], size: int) -> list[bytes]:
    out: list[bytes] = []
    while len(out) < size:
        r = client.get("/api/v1/audit/get-entries", headers=auditor,
                       params={"start": len(out), "end": size - 1})
        assert r.status_code == 200, r.text
        got = r.json()["entries"]
        assert got, "get-entries returned nothing before the tree size"
        out += [b64d(e["leaf_input"]) for e in got]
    return out


def test_go_client_accepts_proofs_and_rejects_tampered_ones(
        client: Any, scripted_run: dict[str, Any], go_checker: Any) -> None:
    sth1, sth2, auditor = scripted_run["sth1"], scripted_run["sth2"], scripted_run["auditor"]
    leaves = all_entries(client, auditor, sth2["tree_size"])
    assert len(leaves) == sth2["tree_size"]
    actions = set()
    for i, leaf in enumerate(leaves):
        entry = json.loads(leaf)
        assert entry["idx"] == i and entry["v"] == 1
        # JCS: what was served is the canonical serialisation of what it says
        assert leaf == json.dumps(entry, sort_keys=True, separators=(",", ":"),
                                  ensure_ascii=False).encode()
        actions.add(entry["action"])
    assert {"certificate.issue", "certificate.change", "certificate.status"} <= actions, actions

    cases: list[dict[str, Any]] = []
    for sth in (sth1, sth2):
        for i in range(sth["tree_size"]):
            leaf_hash = hashlib.sha256(b"\x00" + leaves[i]).digest()  # computed here, not served
            r = client.get("/api/v1/audit/get-proof-by-hash", headers=auditor,
                           params={"hash": b64e(leaf_hash), "tree_size": sth["tree_size"]})
            assert r.status_code == 200, r.text
            proof = r.json()
            assert proof["leaf_index"] == i
            cases.append({"kind": "inclusion", "name": f"leaf {i} in {sth['tree_size']}",
                          "index": i, "size": sth["tree_size"], "leaf_hash": b64e(leaf_hash),
                          "proof": proof["audit_path"], "root": sth["sha256_root_hash"]})
    r = client.get("/api/v1/audit/get-sth-consistency", headers=auditor,
                   params={"first": sth1["tree_size"], "second": sth2["tree_size"]})
    assert r.status_code == 200, r.text
    consistency = r.json()["consistency"]
    assert consistency
    cases.append({"kind": "consistency", "name": f"{sth1['tree_size']}->{sth2['tree_size']}",
                  "size1": sth1["tree_size"], "size2": sth2["tree_size"],
                  "root1": sth1["sha256_root_hash"], "root2": sth2["sha256_root_hash"],
                  "proof": consistency})

    ok = go_checker.run(cases)
    assert ok.returncode == 0, f"{go_checker.library} rejected:\n{ok.stdout}{ok.stderr}"
    assert ok.stdout.count("\nok ") + ok.stdout.startswith("ok ") == len(cases)

    # One byte flipped: in an inclusion path, in the consistency proof, in a leaf hash, in a root.
    inc = next(c for c in cases if c["kind"] == "inclusion" and len(c["proof"]) >= 2)
    bad = [
        {**inc, "name": "tampered path", "proof": [inc["proof"][0], flip(inc["proof"][1], 7)]},
        {**cases[-1], "name": "tampered consistency",
         "proof": [flip(consistency[0], 3), *consistency[1:]]},
        {**inc, "name": "tampered leaf", "leaf_hash": flip(inc["leaf_hash"], 31)},
        {**cases[-1], "name": "tampered old root", "root1": flip(sth1["sha256_root_hash"])},
    ]
    for case in bad:
        res = go_checker.run([case])
        assert res.returncode == 1, f"{case['name']} accepted by {go_checker.library}: {res.stdout}"
        assert f"FAIL {case['name']}" in res.stdout


def _certs(bundle: str) -> list[str]:
    end = "-----END CERTIFICATE-----"
    return [b.strip() + "\n" + end + "\n" for b in bundle.split(end) if "BEGIN CERTIFICATE" in b]


def _openssl_verify(pub: Path, sig: bytes, data: bytes, tmp: Path) -> bool:
    (tmp / "sig.der").write_bytes(sig)
    (tmp / "data.bin").write_bytes(data)
    r = subprocess.run(["openssl", "dgst", "-sha256", "-verify", str(pub), "-signature",
                        str(tmp / "sig.der"), str(tmp / "data.bin")],
                       capture_output=True, text=True, check=False)
    return r.returncode == 0 and "Verified OK" in r.stdout


def test_sth_signature_verifies_with_openssl(client: Any, scripted_run: dict[str, Any],
                                             tmp_path: Path) -> None:
    bundle = client.get("/pki/services.pem")
    assert bundle.status_code == 200
    pubs = []
    for n, pem in enumerate(_certs(bundle.text)):
        (tmp_path / f"c{n}.pem").write_text(pem)
        r = subprocess.run(["openssl", "x509", "-in", str(tmp_path / f"c{n}.pem"), "-noout",
                            "-pubkey", "-subject", "-nameopt", "oneline,-esc_msb"],
                           capture_output=True, text=True, check=True)
        pub = tmp_path / f"pub{n}.pem"
        pub.write_text(r.stdout.split("subject=")[0])
        pubs.append((pub, r.stdout.split("subject=")[1].strip()))
    for sth in (scripted_run["sth1"], scripted_run["sth2"]):
        ds = b64d(sth["tree_head_signature"])
        assert ds[:2] == b"\x04\x03", "DigitallySigned: sha256, ecdsa"
        (length,) = struct.unpack(">H", ds[2:4])
        assert len(ds) == 4 + length
        der = ds[4:]
        data = struct.pack(">BBQQ", 0, 1, sth["timestamp"], sth["tree_size"]) + \
            b64d(sth["sha256_root_hash"])
        assert len(data) == 50
        verified = [subj for pub, subj in pubs if _openssl_verify(pub, der, data, tmp_path)]
        assert len(verified) == 1, f"tree head {sth['tree_size']}: verified by {verified}"
        assert "审计" in verified[0], verified  # CN 电子证照审计日志
        # the same signature over a different size must not verify
        other = struct.pack(">BBQQ", 0, 1, sth["timestamp"], sth["tree_size"] + 1) + \
            b64d(sth["sha256_root_hash"])
        assert not any(_openssl_verify(pub, der, other, tmp_path) for pub, _ in pubs)
