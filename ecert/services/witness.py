"""The witness side of `ecert audit witness`: runs on the supervising office's own machine."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
from pathlib import Path

import httpx

from audit_log import formats
from audit_log.errors import WitnessRefusal
from audit_log.witness import WitnessState, check_and_cosign
from ca.certs import der_from_pem, describe_cert
from ca.errors import MalformedCertificate
from ca.keystore import FileKeyStore
from ca.signer import load_public_key
from ecert.errors import UsageError
from ecert.keyadapters import KeyedSigner, KeyVerifier


def _store_for(key: Path, passphrase_env: str) -> tuple[FileKeyStore, str]:
    name = key.name
    if not name.endswith(".key.pem"):
        raise UsageError("--key must name a file ending in .key.pem")
    passphrase = os.environ.get(passphrase_env, "")
    if len(passphrase) < 16:
        raise UsageError(f"set {passphrase_env} (at least 16 characters) to the witness key "
                         "passphrase")
    return FileKeyStore(key.parent, passphrase.encode()), name[: -len(".key.pem")]


def witness_key_id(public_key_der: bytes) -> str:
    """The key id a witness names in its cosignatures: SHA-256 of its SPKI, 16 hex digits."""
    return hashlib.sha256(public_key_der).hexdigest()[:16]


_PEM_BEGIN, _PEM_END = "-----BEGIN PUBLIC KEY-----", "-----END PUBLIC KEY-----"


def public_key_pem(public_key_der: bytes) -> str:
    body = base64.encodebytes(public_key_der).decode("ascii")
    return f"{_PEM_BEGIN}\n{body}{_PEM_END}\n"


def public_key_from_pem(text: str) -> bytes:
    """The P-256 SubjectPublicKeyInfo DER of a PEM ``PUBLIC KEY`` block."""
    begin, end = text.find(_PEM_BEGIN), text.find(_PEM_END)
    if begin < 0 or end < begin:
        raise UsageError("--key must be a PEM file with a PUBLIC KEY block")
    try:
        der = base64.b64decode("".join(text[begin + len(_PEM_BEGIN):end].split()), validate=True)
        load_public_key(der)
    except (ValueError, MalformedCertificate) as exc:
        raise UsageError("--key does not hold a P-256 public key") from exc
    return der


def create_witness_key(key: Path, passphrase_env: str) -> bytes:
    """A new witness key; its public key is also written beside it (NAME.pub.pem) for the
    platform operator to register (`ecert audit witness-add`)."""
    store, label = _store_for(key, passphrase_env)
    spki = store.generate(label).public_key_der
    key.with_name(label + ".pub.pem").write_text(public_key_pem(spki), encoding="ascii")
    return spki


def _log_public_key(client: httpx.Client, base: str, head: formats.TreeHead,
                    pinned: Path, log_key: Path | None) -> bytes:
    if log_key is not None:
        return describe_cert(der_from_pem(log_key.read_text())).public_key_der
    if pinned.exists():
        return base64.b64decode(pinned.read_text())
    # Trust on first use: find the service certificate whose key signed this head, then pin it.
    bundle = client.get(f"{base}/pki/services.pem").text
    for block in bundle.split("-----END CERTIFICATE-----"):
        if "BEGIN CERTIFICATE" not in block:
            continue
        spki = describe_cert(der_from_pem(block + "-----END CERTIFICATE-----\n")).public_key_der
        if KeyVerifier(spki).verify(head.signed_data(), head.signature):
            pinned.write_text(base64.b64encode(spki).decode())
            return spki
    raise WitnessRefusal("no published audit key verifies the tree head")


def run_witness(url: str, key: Path, token: str, name: str, state_path: Path,
                log_key: Path | None, passphrase_env: str) -> formats.Cosignature:
    store, label = _store_for(key, passphrase_env)
    signer = store.load(label)
    key_id = witness_key_id(signer.public_key_der)
    base = url.rstrip("/")
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(headers=headers, timeout=30) as client:
        # The log's origin is its name in checkpoints and cosignatures: take it from the log's
        # own checkpoint, not from the URL used to reach it (an internal address, a proxy…).
        r = client.get(f"{base}/api/v1/audit/checkpoint")
        r.raise_for_status()
        note = r.json() if r.headers.get("content-type", "").startswith("application/json") \
            else r.text
        origin = str(note).split("\n", 1)[0]
        def fetch_sth() -> formats.TreeHead:
            r = client.get(f"{base}/api/v1/audit/get-sth")
            r.raise_for_status()
            return formats.tree_head_from_sth_json(r.json())

        def fetch_consistency(first: int, second: int) -> list[bytes]:
            r = client.get(f"{base}/api/v1/audit/get-sth-consistency",
                           params={"first": first, "second": second})
            r.raise_for_status()
            return [formats.unb64(h) for h in r.json()["consistency"]]

        head = fetch_sth()
        spki = _log_public_key(client, base, head, state_path.with_suffix(".logkey"), log_key)
        cos = check_and_cosign(lambda: head, fetch_consistency, KeyedSigner(signer, key_id),
                               WitnessState(state_path, origin), log_verifier=KeyVerifier(spki),
                               witness_name=name, now=dt.datetime.now(dt.UTC))
        r = client.post(f"{base}/api/v1/audit/cosignatures", json={
            "tree_size": cos.tree_size, "sha256_root_hash": formats.b64(cos.root_hash),
            "witness_name": name, "witness_key_id": key_id, "timestamp": cos.timestamp,
            "signature": formats.b64(cos.signature),
            "public_key": base64.b64encode(signer.public_key_der).decode()})
        r.raise_for_status()
    return cos
