"""The ID token checks of ecert/services/oidc.py with real keys and real signatures: signature,
algorithm, issuer, audience, nonce, expiry; and the state cookie's MAC and expiry."""

from __future__ import annotations

import time
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from ecert.services import oidc

ISS = "https://idp.example.test"
CFG = oidc.OidcClientConfig(ISS, "ecert-platform", "s" * 20, "https://ecert.test/cb")


class KnownProvider(oidc.Provider):
    """The provider's published keys, already fetched (what `keys()` caches)."""

    def __init__(self, keys: KeySet) -> None:
        super().__init__(CFG)
        self._meta, self._keys = {"issuer": ISS, "jwks_uri": ISS + "/jwks"}, keys
        self._fetched = time.monotonic()

    def keys(self, refresh: bool = False) -> KeySet:
        assert self._keys is not None
        return self._keys  # fetched again on a failed signature: the same published set


@pytest.fixture(scope="module")
def key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "k1"})


def _token(key: RSAKey, **over: Any) -> str:
    now = int(time.time())
    claims = {"iss": ISS, "aud": "ecert-platform", "sub": "u1", "nonce": "n1", "iat": now,
              "exp": now + 300, "name": "卓玛", "id_number": "540102199001010017", **over}
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)


def _provider(key: RSAKey) -> KnownProvider:
    return KnownProvider(KeySet.import_key_set({"keys": [key.as_dict(private=False)]}))


def test_a_good_token_gives_the_vouched_claims(key: RSAKey) -> None:
    claims = oidc.verify_id_token(_provider(key), _token(key), "n1")
    assert claims["name"] == "卓玛" and claims["sub"] == "u1"


@pytest.mark.parametrize("over", [
    {"iss": "https://other.example"}, {"aud": "someone-else"}, {"nonce": "replayed"},
    {"nonce": None}, {"exp": int(time.time()) - 3600}, {"iat": None}, {"sub": None},
], ids=["issuer", "audience", "nonce", "no-nonce", "expired", "no-iat", "no-sub"])
def test_claims_that_do_not_hold_are_refused(key: RSAKey, over: dict[str, Any]) -> None:
    with pytest.raises(oidc.SignInRefused):
        oidc.verify_id_token(_provider(key), _token(key, **over), "n1")


def test_another_key_or_no_signature_is_refused(key: RSAKey) -> None:
    other = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    with pytest.raises(oidc.SignInRefused):
        oidc.verify_id_token(_provider(key), _token(other), "n1")
    header, body, _sig = _token(key).split(".")
    import base64
    import json

    none = base64.urlsafe_b64encode(json.dumps({"alg": "none"}).encode()).decode().rstrip("=")
    with pytest.raises(oidc.SignInRefused):
        oidc.verify_id_token(_provider(key), f"{none}.{body}.", "n1")


def test_several_audiences_need_azp(key: RSAKey) -> None:
    with pytest.raises(oidc.SignInRefused):
        oidc.verify_id_token(_provider(key), _token(key, aud=["ecert-platform", "x"]), "n1")
    ok = _token(key, aud=["ecert-platform", "x"], azp="ecert-platform")
    assert oidc.verify_id_token(_provider(key), ok, "n1")["azp"] == "ecert-platform"


def test_state_cookie_is_macd_and_expires() -> None:
    fs = oidc.FlowState("st", "n", "v" * 43, "holder", "/holder", int(time.time()) + 60)
    sealed = oidc.seal(b"k" * 32, fs)
    assert oidc.unseal(b"k" * 32, sealed, "st", int(time.time())) == fs
    for key, state, now in ((b"x" * 32, "st", 0), (b"k" * 32, "other", 0),
                            (b"k" * 32, "st", int(time.time()) + 120)):
        with pytest.raises(oidc.SignInRefused):
            oidc.unseal(key, sealed, state, now or int(time.time()))
    body, _, mac = sealed.partition(".")
    with pytest.raises(oidc.SignInRefused):
        oidc.unseal(b"k" * 32, body[:-2] + "AA." + mac, "st", int(time.time()))
