from __future__ import annotations

import os
import pickle
import stat
from pathlib import Path

import pytest

from ca.errors import KeyExists, KeyNotFound, KeyStoreError, SignatureInvalid
from ca.keystore import FileKeyStore, MemoryKeyStore
from ca.signer import (
    MemorySigner,
    der_to_raw_signature,
    raw_to_der_signature,
    verify_signature,
)

from .conftest import run


def test_file_store_roundtrip(tmp_path: Path) -> None:
    store = FileKeyStore(tmp_path / "keys", b"s3cret-passphrase")
    assert not store.exists("dept-1")
    signer = store.generate("dept-1")
    assert store.exists("dept-1")
    path = tmp_path / "keys" / "dept-1.key.pem"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    text = path.read_text()
    assert text.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    # A fresh store (no cache) decrypts the same key.
    again = FileKeyStore(tmp_path / "keys", b"s3cret-passphrase").load("dept-1")
    assert again.public_key_der == signer.public_key_der
    sig = again.sign(b"data")
    verify_signature(signer.public_key_der, b"data", sig)
    with pytest.raises(SignatureInvalid):
        verify_signature(signer.public_key_der, b"other", sig)


def test_file_store_is_standard_pkcs8(tmp_path: Path) -> None:
    store = FileKeyStore(tmp_path, b"pw-for-openssl")
    store.generate("k")
    out = run("openssl", "pkey", "-in", tmp_path / "k.key.pem", "-passin", "pass:pw-for-openssl",
              "-noout", "-text").stdout
    assert "prime256v1" in out or "P-256" in out
    asn1 = run("openssl", "asn1parse", "-in", tmp_path / "k.key.pem").stdout
    assert "PBES2" in asn1 and "aes-256-cbc" in asn1


def test_file_store_errors(tmp_path: Path) -> None:
    store = FileKeyStore(tmp_path, b"right")
    store.generate("a")
    with pytest.raises(KeyExists):
        store.generate("a")
    with pytest.raises(KeyNotFound):
        store.load("missing")
    with pytest.raises(KeyStoreError):
        FileKeyStore(tmp_path, b"wrong").load("a")
    for bad in ("../x", ".hidden", "", "a/b", "x" * 65):
        with pytest.raises(ValueError):
            store.exists(bad)
    with pytest.raises(ValueError):
        FileKeyStore(tmp_path, b"")


def test_signers_hide_keys(tmp_path: Path) -> None:
    signer = FileKeyStore(tmp_path, b"pw").generate("dept-9")
    assert repr(signer) == "MemorySigner(label='dept-9')"
    assert not hasattr(signer, "private_key")
    with pytest.raises(TypeError):
        pickle.dumps(signer)
    mem = MemoryKeyStore()
    s = mem.generate("x")
    assert mem.load("x") is s
    with pytest.raises(KeyExists):
        mem.generate("x")


def test_raw_signature_conversion() -> None:
    s = MemorySigner.generate("t")
    der = s.sign(b"m")
    raw = der_to_raw_signature(der)
    assert len(raw) == 64
    assert raw_to_der_signature(raw) == der
    with pytest.raises(SignatureInvalid):
        raw_to_der_signature(b"\x00" * 63)
