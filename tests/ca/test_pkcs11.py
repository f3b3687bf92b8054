"""Pkcs11KeyStore against a real SoftHSM2 token made in a temporary directory."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from ca.cert_profiles import issue_department_cert, issue_root_ca
from ca.certs import describe_cert, pem
from ca.errors import HsmUnavailable, KeyExists, KeyNotFound
from ca.jws import sign_jws, verify_jws_with_cert
from ca.signer import verify_signature
from tests.softhsm import softhsm_token

from .conftest import run

MODULE = "/usr/lib/softhsm/libsofthsm2.so"
PIN = "123456"

pytestmark = [
    pytest.mark.skipif(
        not (Path(MODULE).exists() and shutil.which("softhsm2-util")),
        reason="softhsm2 (libsofthsm2.so and softhsm2-util) is not installed",
    ),
    # python-pkcs11 finalises a search iterator of a session that we killed on
    # purpose; it reports that from __del__.
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


@pytest.fixture(scope="module")
def token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with softhsm_token(tmp_path_factory.mktemp("softhsm"), "ecert-test", PIN, "654321"):
        yield "ecert-test"


@pytest.fixture(scope="module")
def store(token: str):  # type: ignore[no-untyped-def]
    from ca.pkcs11_store import Pkcs11KeyStore

    s = Pkcs11KeyStore(MODULE, token, PIN)
    yield s
    s.close()


def test_generate_sign_and_key_attributes(store) -> None:  # type: ignore[no-untyped-def]
    from pkcs11 import Attribute, KeyType, ObjectClass
    from pkcs11.exceptions import AttributeSensitive

    assert not store.exists("dept-hsm")
    signer = store.generate("dept-hsm")
    assert store.exists("dept-hsm")
    assert repr(signer) == "Pkcs11Signer(label='dept-hsm')"
    with pytest.raises(KeyExists):
        store.generate("dept-hsm")
    with pytest.raises(KeyNotFound):
        store.load("nope")
    sig = signer.sign(b"payload")
    verify_signature(signer.public_key_der, b"payload", sig)
    assert store.load("dept-hsm").public_key_der == signer.public_key_der
    key = store._current().get_key(object_class=ObjectClass.PRIVATE_KEY, key_type=KeyType.EC,
                                   label="dept-hsm")
    assert key[Attribute.SENSITIVE] is True
    assert key[Attribute.EXTRACTABLE] is False
    assert key[Attribute.NEVER_EXTRACTABLE] is True
    with pytest.raises(AttributeSensitive):
        key[Attribute.VALUE]


def test_session_lost_then_retry(store) -> None:  # type: ignore[no-untyped-def]
    signer = store.generate("retry-key")
    store._session.close()  # the session dies under the store
    verify_signature(signer.public_key_der, b"a", signer.sign(b"a"))
    store._lib.reinitialize()  # the module is reset (HSM restart): every handle is gone
    verify_signature(signer.public_key_der, b"b", signer.sign(b"b"))


def test_wrong_pin_or_token(token: str) -> None:
    from ca.pkcs11_store import Pkcs11KeyStore

    with pytest.raises(HsmUnavailable):
        Pkcs11KeyStore(MODULE, token, "000000")
    with pytest.raises(HsmUnavailable):
        Pkcs11KeyStore(MODULE, "no-such-token", PIN)


def test_hsm_root_issues_certificates_and_jws(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    root_signer = store.generate("root-hsm")
    root = issue_root_ca(root_signer, "HSM root", now - dt.timedelta(minutes=1))
    dept_signer = store.generate("dept-hsm-2")
    dept = issue_department_cert(root_signer, root, dept_signer.public_key_der, "测试厅",
                                 "11540000MB0000000X", "https://x.example", None,
                                 now - dt.timedelta(minutes=1))
    (tmp_path / "root.pem").write_text(pem(root))
    (tmp_path / "dept.pem").write_text(pem(dept))
    assert ": OK" in run("openssl", "verify", "-CAfile", tmp_path / "root.pem",
                         tmp_path / "dept.pem").stdout
    token = sign_jws(b"hello", dept_signer, dept, include_x5c=False)
    assert verify_jws_with_cert(token, dept) == b"hello"
    assert describe_cert(dept).public_key_der == dept_signer.public_key_der


def test_import_file_key_into_token(store, token: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The operator path of docs/pki.md: PKCS#8 file key → softhsm2-util --import."""
    from ca.keystore import FileKeyStore

    file_signer = FileKeyStore(tmp_path / "keys", b"pw-import").generate("moved-key")
    run("openssl", "pkcs8", "-in", tmp_path / "keys" / "moved-key.key.pem", "-passin",
        "pass:pw-import", "-topk8", "-nocrypt", "-out", tmp_path / "k.p8")
    run("softhsm2-util", "--import", tmp_path / "k.p8", "--token", token, "--label",
        "moved-key", "--id", "4d4b", "--pin", PIN)
    hsm_signer = store.load("moved-key")
    assert hsm_signer.public_key_der == file_signer.public_key_der
    verify_signature(file_signer.public_key_der, b"m", hsm_signer.sign(b"m"))
