"""A fix for asn1crypto mistaking definite lengths that end in 0x80 for BER indefinite ones.

asn1crypto's ``dump()`` methods force a full re-encoding (children included) of any value
whose stored header ENDS in the byte 0x80, taking that for the indefinite-length form — but a
definite long-form length such as 1664 (``82 06 80``) ends in 0x80 too (upstream
wbond/asn1crypto#249, open since 2022; the fix in #302 was not merged). pyHanko wraps each
signature time-stamp token in a SET when it builds the unsigned attributes: when that SET's
length is 128 mod 256, every later dump re-encodes the whole token, certificates included
(0.5–1.8 s of CPU instead of a millisecond, in a quarter of the signatures with this
platform's token size; docs/performance.md, B4).

:func:`install` wraps the ``dump`` methods: a header whose last length is a definite long form
is dropped before the check (asn1crypto recomputes the same DER header from the contents);
true indefinite lengths still force the re-encoding, as before. Installed once, on import of
``ca`` (only ``ca`` touches asn1crypto).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from asn1crypto import core

__all__ = ["install", "last_length_is_indefinite"]

_installed = False


def last_length_is_indefinite(header: bytes) -> bool:
    """Whether the last of the (explicit-tag) headers in ``header`` has the indefinite
    length form (the single length octet 0x80); False for anything unparsable."""
    i, last = 0, False
    while i < len(header):
        if header[i] & 0x1F == 0x1F:  # high tag number: base-128 octets follow
            i += 1
            while i < len(header) and header[i] & 0x80:
                i += 1
        i += 1
        if i >= len(header):
            return False
        first = header[i]
        last = first == 0x80
        i += 1 if first <= 0x80 else 1 + (first & 0x7F)
    return last


def _wrap(dump: Callable[..., bytes]) -> Callable[..., bytes]:
    @functools.wraps(dump)
    def fixed(self: Any, force: bool = False) -> bytes:
        header = getattr(self, "_header", None)
        if header is not None and header[-1:] == b"\x80" and \
                not last_length_is_indefinite(header):
            self._header = None  # recomputed from the contents: the same DER header
        return dump(self, force)

    return fixed


def install() -> None:
    """Wrap every asn1crypto ``dump`` that carries the faulty check (idempotent)."""
    global _installed
    if _installed:
        return
    seen: set[Any] = set()
    for cls in (core.Asn1Value, core.Any, core.Choice, core.Primitive, core.Sequence,
                core.SequenceOf):
        dump = cls.__dict__.get("dump")
        if dump is not None and dump not in seen:
            seen.add(dump)
            cls.dump = _wrap(dump)
    _installed = True
