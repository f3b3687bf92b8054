"""PKCS#11 key store (HSM; SoftHSM2 in tests) through python-pkcs11.

Keys are EC P-256, generated on the token as sensitive and non-extractable private
keys, found again by label. Signing hashes with SHA-256 here and asks the token for
raw ``CKM_ECDSA`` over the digest (the mechanism every token has), then DER-encodes.
If the session is lost (token reset, session closed under us), the store opens a new
session, finds the key again, and retries once; a second failure is
:class:`HsmUnavailable`.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from typing import Any

import pkcs11
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
from pkcs11 import exceptions as p11e
from pkcs11.util.ec import encode_ec_public_key, encode_named_curve_parameters

from ca.errors import HsmUnavailable, KeyExists, KeyNotFound
from ca.keystore import check_label
from ca.signer import raw_to_der_signature

__all__ = ["Pkcs11KeyStore", "Pkcs11Signer"]

_P256_OID = "1.2.840.10045.3.1.7"

# Errors after which a fresh session may succeed.
_SESSION_LOST: tuple[type[Exception], ...] = (
    p11e.SessionClosed,
    p11e.SessionHandleInvalid,
    p11e.ObjectHandleInvalid,
    p11e.KeyHandleInvalid,
    p11e.UserNotLoggedIn,
    p11e.DeviceRemoved,
    p11e.DeviceError,
    p11e.TokenNotPresent,
    p11e.GeneralError,
    p11e.FunctionFailed,
)


class Pkcs11KeyStore:
    """Keys on one token of a PKCS#11 module, logged in as the user."""

    def __init__(self, module_path: str, token_label: str, user_pin: str) -> None:
        self._module_path = module_path
        self._token_label = token_label
        self._pin = user_pin
        self._lock = threading.RLock()
        self._session: Any = None
        self._keys: dict[str, Any] = {}  # private-key handles of the current session
        try:
            self._lib = pkcs11.lib(module_path)
        except (RuntimeError, OSError, p11e.PKCS11Error) as exc:
            raise HsmUnavailable("PKCS#11 module could not be loaded") from exc
        self._open()

    def __repr__(self) -> str:
        return f"Pkcs11KeyStore(token={self._token_label!r})"

    # -- session handling -------------------------------------------------
    def _open(self) -> Any:
        with self._lock:
            try:
                token = self._lib.get_token(token_label=self._token_label)
                self._session = token.open(rw=True, user_pin=self._pin)
            except (p11e.NoSuchToken, p11e.PKCS11Error) as exc:
                self._session = None
                raise HsmUnavailable("PKCS#11 token could not be opened") from exc
            return self._session

    def _reopen(self) -> Any:
        with self._lock:
            old = self._session
            self._session = None
            self._keys.clear()
            if old is not None:
                with contextlib.suppress(p11e.PKCS11Error):
                    old.close()
            try:
                return self._open()
            except HsmUnavailable:
                # The module itself may have lost the token (HSM restart):
                # re-initialise the library, then try once more.
                with contextlib.suppress(p11e.PKCS11Error, RuntimeError):
                    self._lib.reinitialize()
                return self._open()

    def _current(self) -> Any:
        with self._lock:
            # No session (the token was gone at the last try): reopen with the module
            # re-initialised if need be, or a token that came back is never seen again.
            return self._session if self._session is not None else self._reopen()

    def close(self) -> None:
        with self._lock:
            self._keys.clear()
            if self._session is not None:
                with contextlib.suppress(p11e.PKCS11Error):
                    self._session.close()
                self._session = None

    # -- key lookup -------------------------------------------------------
    def _find(self, session: Any, label: str, cls: ObjectClass) -> Any:
        try:
            return session.get_key(object_class=cls, key_type=KeyType.EC, label=label)
        except p11e.NoSuchKey as exc:
            raise KeyNotFound(label) from exc
        except p11e.MultipleObjectsReturned as exc:
            raise HsmUnavailable(f"several keys carry the label {label!r}") from exc

    def _fresh_on_missing(self, op: Any) -> Any:
        """`op` on the current session; when it finds no key, once more on a reopened one: a
        token removed and restored under an open session shows as empty until reopened."""
        try:
            return self._with_retry(op)
        except KeyNotFound:
            with self._lock:
                self._reopen()
            return self._with_retry(op)

    def exists(self, label: str) -> bool:
        check_label(label)
        try:
            self._fresh_on_missing(lambda s: self._find(s, label, ObjectClass.PRIVATE_KEY))
        except KeyNotFound:
            return False
        return True

    def generate(self, label: str) -> Pkcs11Signer:
        if self.exists(label):
            raise KeyExists(label)

        def gen(session: Any) -> None:
            params = session.create_domain_parameters(
                KeyType.EC,
                {Attribute.EC_PARAMS: encode_named_curve_parameters(_P256_OID)},
                local=True,
            )
            params.generate_keypair(
                store=True,
                label=label,
                public_template={Attribute.VERIFY: True, Attribute.TOKEN: True},
                private_template={
                    Attribute.SIGN: True,
                    Attribute.TOKEN: True,
                    Attribute.PRIVATE: True,
                    Attribute.SENSITIVE: True,
                    Attribute.EXTRACTABLE: False,
                },
            )

        self._with_retry(gen)
        return self.load(label)

    def load(self, label: str) -> Pkcs11Signer:
        check_label(label)
        pub = self._fresh_on_missing(lambda s: self._find(s, label, ObjectClass.PUBLIC_KEY))
        self._with_retry(lambda s: self._find(s, label, ObjectClass.PRIVATE_KEY))
        return Pkcs11Signer(self, label, encode_ec_public_key(pub))

    # -- operations -------------------------------------------------------
    def _with_retry(self, op: Any) -> Any:
        with self._lock:
            try:
                return op(self._current())
            except _SESSION_LOST:
                pass
            session = self._reopen()
            try:
                return op(session)
            except _SESSION_LOST as exc:
                raise HsmUnavailable("HSM operation failed after reconnect") from exc

    def _sign(self, label: str, data: bytes) -> bytes:
        digest = hashlib.sha256(data).digest()

        def op(session: Any) -> bytes:
            key = self._keys.get(label)
            if key is None:
                key = self._find(session, label, ObjectClass.PRIVATE_KEY)
                self._keys[label] = key
            raw: bytes = key.sign(digest, mechanism=Mechanism.ECDSA)
            return raw

        raw = self._with_retry(op)
        return raw_to_der_signature(raw)


class Pkcs11Signer:
    """A signer whose private key stays on the token; holds only a label."""

    __slots__ = ("_store", "_label", "_public_key_der")

    def __init__(self, store: Pkcs11KeyStore, label: str, public_key_der: bytes) -> None:
        self._store = store
        self._label = label
        self._public_key_der = public_key_der

    @property
    def label(self) -> str:
        return self._label

    @property
    def public_key_der(self) -> bytes:
        return self._public_key_der

    def sign(self, data: bytes) -> bytes:
        return self._store._sign(self._label, data)

    def __repr__(self) -> str:
        return f"Pkcs11Signer(label={self._label!r})"
