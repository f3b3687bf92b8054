"""`ca.jws` parsing after its B5 speed work (issue 11) against the definition it replaced:
strict base64url by round trip, and `parse_jws` as it read every part on every call. For any
input both give the same bytes and header, or refuse with the same message."""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ca.errors import MalformedJws
from ca.jws import _no_duplicates, _reject_constant, b64url, b64url_decode, parse_jws  # unchanged helpers

_ALPHABET = re.compile(r"[A-Za-z0-9_-]*")


def reference_b64url_decode(text: str) -> bytes:
    """The definition: the base64url alphabet only, and the canonical encoding of its bytes."""
    if not _ALPHABET.fullmatch(text) or len(text) % 4 == 1:
        raise MalformedJws("bad base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise MalformedJws("bad base64url") from exc
    if b64url(data) != text:
        raise MalformedJws("bad base64url")
    return data


def _outcome(fn: Any, *args: Any) -> tuple[str, Any]:
    try:
        return "ok", fn(*args)
    except MalformedJws as exc:
        return "refused", str(exc)


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet="ABCQgwxyz0189-_+/=é \n.", max_size=12)
       | st.binary(max_size=40).map(b64url)
       | st.binary(min_size=1, max_size=40).map(lambda b: b64url(b)[:-1] + "z"))
def test_b64url_decode_is_the_definition(text: str) -> None:
    assert _outcome(b64url_decode, text) == _outcome(reference_b64url_decode, text)


def reference_parse_jws(compact: Any) -> tuple[Any, ...]:
    """What parse_jws did before (the steps in their order), as a comparable tuple."""
    if not isinstance(compact, str) or len(compact) > 4 * 1024 * 1024 or not compact.isascii():
        raise MalformedJws("not a compact JWS")
    parts = compact.split(".")
    if len(parts) != 3:
        raise MalformedJws("not a compact JWS")
    h64, p64, s64 = parts
    if not h64 or not s64 or len(h64) > 16 * 1024:
        raise MalformedJws("not a compact JWS")
    head, payload, sig = (reference_b64url_decode(x) for x in (h64, p64, s64))
    try:
        header = json.loads(head.decode("utf-8"), object_pairs_hook=_no_duplicates,
                            parse_constant=_reject_constant)
    except MalformedJws:
        raise
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise MalformedJws("header is not JSON") from exc
    if not isinstance(header, dict):
        raise MalformedJws("header is not a JSON object")
    if header.get("alg") != "ES256":
        raise MalformedJws("alg must be ES256")
    if "crit" in header:
        raise MalformedJws("crit is not supported")
    if len(sig) != 64:
        raise MalformedJws("ES256 signature must be 64 bytes")
    x5t = header.get("x5t#S256")
    if x5t is not None and not isinstance(x5t, str):
        raise MalformedJws("x5t#S256 must be a string")
    x5c: tuple[bytes, ...] = ()
    if "x5c" in header:
        chain = header["x5c"]
        if not isinstance(chain, list) or not chain or not all(isinstance(c, str) for c in chain):
            raise MalformedJws("x5c must be a list of strings")
        try:
            x5c = tuple(base64.b64decode(c, validate=True) for c in chain)
        except (binascii.Error, ValueError) as exc:
            raise MalformedJws("x5c is not base64") from exc
    return dict(header), payload, sig, (h64 + "." + p64).encode(), x5t, x5c


def _as_tuple(compact: Any) -> tuple[Any, ...]:
    p = parse_jws(compact)
    return dict(p.header), p.payload, p.signature, p.signing_input, p.x5t_s256, p.x5c


_HEADERS = [
    b'{"alg":"ES256","kid":"Rb-Y_IJaTjYn","typ":"eqr"}', b'{"alg":"ES256","x5t#S256":"abc"}',
    b'{"alg":"ES256","x5t#S256":5}', b'{"alg":"ES256","x5c":["AAAA","MIIB"]}',
    b'{"alg":"ES256","x5c":[]}', b'{"alg":"ES256","x5c":["@@"]}', b'{"alg":"ES256","x5c":"x"}',
    b'{"alg":"ES256","alg":"ES256"}', b'{"alg":"ES256","crit":["b64"]}', b'{"alg":"HS256"}',
    b'{"alg":NaN}', b'[1]', b'not json', b'\xff\xfe', b'{"alg":"ES256","x5t#S256":"a","x5c":1}',
    b'{"alg":"ES256","typ":"eqr3","x":[1,2,{"y":null}]}',
]


def _part(raw: st.SearchStrategy[bytes]) -> st.SearchStrategy[str]:
    """base64url of bytes, sometimes with one character changed, cut or added."""
    return st.tuples(raw.map(b64url), st.integers(0, 7), st.sampled_from("Az9-_+/=é.")).map(
        lambda t: t[0] if t[1] else (t[0][:-1] + t[2] if t[0] else t[2]))


@settings(max_examples=3000, deadline=None)
@given(_part(st.sampled_from(_HEADERS) | st.binary(max_size=20)), _part(st.binary(max_size=60)),
       _part(st.binary(min_size=64, max_size=64) | st.binary(max_size=70)),
       st.sampled_from(["", "", "", "", ".", ".x"]))
def test_parse_jws_is_the_reference(h64: str, p64: str, s64: str, extra: str) -> None:
    compact = f"{h64}.{p64}.{s64}{extra}"
    assert _outcome(_as_tuple, compact) == _outcome(reference_parse_jws, compact)
    assert _outcome(_as_tuple, compact) == _outcome(reference_parse_jws, compact)  # remembered


def test_naming_changes_only_the_thumbprint() -> None:
    import dataclasses

    token = f"{b64url(_HEADERS[0])}.{b64url(b'{}')}.{b64url(bytes(64))}"
    parsed = parse_jws(token)
    assert parsed.naming("abc") == dataclasses.replace(parsed, x5t_s256="abc")
