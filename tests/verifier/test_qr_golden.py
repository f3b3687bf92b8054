"""Offline QR verification gives, for 714 inputs × 8–9 check settings, exactly the outcome it
gave before its inner steps were rewritten for speed (issue 11, B5): the whole result —
verdict, every check's name, reason and message, display fields, list ages — or the same
error. Inputs and how the golden file was made: tests/verifier/qr_golden.py."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st
from qr_golden import GOLDEN, _qr2_lists, outcomes, summary

from verifier.qr import verify_qr


def test_every_golden_outcome_is_unchanged():
    golden = json.loads(GOLDEN.read_text())
    seen = {}
    for key, outs in outcomes(verify_qr):
        seen[key] = summary(outs)
    assert seen.keys() == golden.keys()
    differ = {k: (golden[k], v) for k, v in seen.items() if golden[k] != v}
    assert not differ, list(differ.items())[:5]


def test_golden_inputs_cover_every_kind_of_outcome():
    kinds = "".join(v.split()[0] for v in json.loads(GOLDEN.read_text()).values())
    # valid, invalid, unknown, expired, revoked, suspended, cancelled, superseded; malformed
    # input and malformed identifier errors
    assert set("vx?erscoMI") <= set(kinds)


def test_deeply_nested_header_is_malformed_input_not_a_crash():
    """A header nested beyond the JSON parser's recursion limit (it fits in a QR's 4,096
    characters) is refused like any other malformed code; it used to raise RecursionError."""
    import pytest

    from ca.jws import b64url
    from verifier.errors import MalformedInput

    at, trust, status, _ = _qr2_lists()
    with pytest.raises(MalformedInput):
        verify_qr("#" + b64url(b"[" * 2900) + ".e30." + "A" * 86, trust, status, at)


def test_trust_list_kid_index_answers_as_the_scan():
    """`TrustList.by_kid` (made once per list) names the key the per-verification scan of
    `verifier.qr._by_kid` named: the one thumbprint with that prefix, none when two share it."""
    import dataclasses

    from verifier.qr import _by_kid

    _, trust, _, _ = _qr2_lists()
    a, b = sorted(trust.keys)[:2]
    twin = a[:12] + ("A" if a[12] != "A" else "B") + a[13:]  # shares a's kid
    for keys in (trust.keys, {**trust.keys, twin: trust.keys[a]}):
        lst = dataclasses.replace(trust, keys=keys)
        for kid in {t[:12] for t in keys} | {"x" * 12}:  # a kid has 12 characters (is_kid)
            assert lst.by_kid.get(kid) == _by_kid(keys, kid)
        assert all(lst.by_kid.get(k) is None for k in ("", b[:11], b[:13], b))


_URLISH = "aAhtps:/.-_~0129?#%[]@ \t\nvé"


@settings(max_examples=3000, deadline=None)
@given(st.sampled_from(["", "https://", "http://", "HTTPS://", "https:", "//"]),
       st.text(alphabet=_URLISH, max_size=12) | st.from_regex(r"[a-z0-9.-]{0,9}", fullmatch=True),
       st.sampled_from(["", ":443", ":", ":99999"]),
       st.sampled_from(["", "/", "/v/", "/a/v/", "/v//"]),
       st.text(alphabet=_URLISH, max_size=12) | st.from_regex(r"[A-Z0-9._~/-]{0,30}", fullmatch=True))
def test_plain_urls_split_as_urlsplit_splits_them(scheme, host, port, path, tail):
    """The shortcut for plain URLs gives urlsplit's scheme, path and query, or urlsplit runs."""
    import urllib.parse

    from verifier.qr import _PLAIN_URL, _url_parts

    before = scheme + host + port + path + tail
    if "#" in before:
        return
    try:
        parts = urllib.parse.urlsplit(before)
    except ValueError:
        return
    assert _url_parts(before) == (parts.scheme, parts.path, parts.query)
    if _PLAIN_URL.fullmatch(before):
        assert parts.netloc and not parts.fragment


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet='{}[]":,0123 \\ntrue\ufeffé\ud800', max_size=20).map(
    lambda t: t.encode("utf-8", "surrogatepass")) | st.binary(max_size=20)
    | st.sampled_from([b'{"a":1}', b' {"a":1}', b'{"a":1} ', b'{"a":1}x', b'[1]', b'{"a":NaN}',
                       b'\xef\xbb\xbf{"a":1}', b'{"a":1}{}', b"[" * 3000]))
def test_claims_decode_as_json_loads(payload):
    """decode_claims (which reads compact JSON with the scanner alone) answers as
    json.loads did: the object, or None for anything else."""
    import json

    from verifier.evidence import decode_claims

    try:
        obj = json.loads(payload.decode("utf-8"))
        want = obj if isinstance(obj, dict) else None
    except (UnicodeDecodeError, ValueError, RecursionError):
        want = None
    assert decode_claims(payload) == want
