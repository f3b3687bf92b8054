"""ca/der.py: a definite length that ends in 0x80 is not an indefinite length (asn1crypto
re-encoded such values from scratch on every dump: seconds per time-stamped PDF signature)."""

from __future__ import annotations

from asn1crypto import core

import ca  # noqa: F401 - installs the fix
from ca.der import last_length_is_indefinite


class _Strings(core.SequenceOf):  # type: ignore[misc]
    _child_spec = core.OctetString


def test_headers() -> None:
    assert last_length_is_indefinite(bytes.fromhex("3080"))
    assert last_length_is_indefinite(bytes.fromhex("a0803080"))  # explicit tag, inner BER
    assert not last_length_is_indefinite(bytes.fromhex("31820680"))  # 1664 bytes
    assert not last_length_is_indefinite(bytes.fromhex("308180"))  # 128 bytes
    assert not last_length_is_indefinite(bytes.fromhex("a082066d30820669"))
    assert not last_length_is_indefinite(bytes.fromhex("3005"))


def test_a_128_byte_sequence_is_not_re_encoded() -> None:
    # a BER (constructed) OCTET STRING inside: re-encoding would turn it into DER (primitive),
    # so the bytes coming back unchanged show that nothing was re-encoded
    inner = bytes.fromhex("247e047c") + b"x" * 124
    outer = bytes.fromhex("308180") + inner
    assert len(inner) == 128
    assert _Strings.load(outer).dump() == outer


def test_a_true_indefinite_length_is_still_re_encoded_as_der() -> None:
    ber = bytes.fromhex("3080") + bytes.fromhex("0403616263") + b"\x00\x00"
    assert _Strings.load(ber).dump() == bytes.fromhex("30050403616263")
