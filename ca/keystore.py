"""Key stores: where signing keys live and how a :class:`Signer` is obtained.

``FileKeyStore`` keeps each key as an encrypted PKCS#8 PEM file (mode 0600) in one
directory; ``Pkcs11KeyStore`` (in :mod:`ca.pkcs11_store`) keeps them in an HSM.
Keys are generated inside the store and never leave it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from ca.errors import KeyExists, KeyNotFound, KeyStoreError
from ca.signer import MemorySigner, Signer

__all__ = ["KeyStore", "FileKeyStore", "MemoryKeyStore", "check_label"]

_LABEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def check_label(label: str) -> str:
    """Labels are 1-64 chars of ``A-Za-z0-9._-``, not starting with a dot or dash."""
    if not _LABEL.fullmatch(label):
        raise ValueError("key label must match [A-Za-z0-9][A-Za-z0-9._-]{0,63}")
    return label


class KeyStore(Protocol):
    def generate(self, label: str) -> Signer:
        """Create a new P-256 key under ``label``; raise :class:`KeyExists` if taken."""
        ...

    def load(self, label: str) -> Signer:
        """Raise :class:`KeyNotFound` if there is no such key."""
        ...

    def exists(self, label: str) -> bool: ...


class FileKeyStore:
    """Encrypted PKCS#8 PEM files, one per label, mode 0600, in ``directory``.

    Encryption is cryptography's ``BestAvailableEncryption``: PKCS#8 PBES2 with
    PBKDF2-HMAC-SHA256 and AES-256-CBC, readable by ``openssl pkey`` and
    ``softhsm2-util --import``. (cryptography 50 fixes PBKDF2 at 2048 iterations
    for PKCS#8, so the passphrase must be a high-entropy secret, not a password.)
    Loaded signers are cached, so the KDF runs once per key per store.
    """

    def __init__(self, directory: Path, passphrase: bytes) -> None:
        if not passphrase:
            raise ValueError("an empty passphrase is refused")
        self._dir = Path(directory)
        self._passphrase = passphrase
        self._cache: dict[str, MemorySigner] = {}

    def __repr__(self) -> str:
        return f"FileKeyStore({str(self._dir)!r})"

    def _path(self, label: str) -> Path:
        return self._dir / f"{check_label(label)}.key.pem"

    def exists(self, label: str) -> bool:
        return self._path(label).is_file()

    def generate(self, label: str) -> Signer:
        path = self._path(label)
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(self._passphrase),
        )
        self._dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError as exc:
            raise KeyExists(label) from exc
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
            fh.flush()
            os.fsync(fh.fileno())
        signer = MemorySigner(label, key)
        self._cache[label] = signer
        return signer

    def load(self, label: str) -> Signer:
        cached = self._cache.get(label)
        if cached is not None:
            return cached
        path = self._path(label)
        try:
            pem = path.read_bytes()
        except FileNotFoundError as exc:
            raise KeyNotFound(label) from exc
        try:
            key = serialization.load_pem_private_key(pem, self._passphrase)
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            # a damaged file can decrypt to a key of an algorithm nobody asked for
            raise KeyStoreError(f"key {label!r} could not be decrypted") from exc
        if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(
            key.curve, ec.SECP256R1
        ):
            raise KeyStoreError(f"key {label!r} is not a P-256 key")
        signer = MemorySigner(label, key)
        self._cache[label] = signer
        return signer


class MemoryKeyStore:
    """Keys that live only as long as the process (tests, demos)."""

    def __init__(self) -> None:
        self._keys: dict[str, MemorySigner] = {}

    def exists(self, label: str) -> bool:
        return check_label(label) in self._keys

    def generate(self, label: str) -> Signer:
        if self.exists(label):
            raise KeyExists(label)
        signer = MemorySigner.generate(label)
        self._keys[label] = signer
        return signer

    def load(self, label: str) -> Signer:
        try:
            return self._keys[check_label(label)]
        except KeyError as exc:
            raise KeyNotFound(label) from exc
