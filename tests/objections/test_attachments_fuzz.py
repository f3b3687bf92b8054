"""The content check on untrusted bytes: whatever arrives — junk behind an allowed signature,
valid files cut or with flipped bytes — the answer is a checked file or one of the evidence
problems, never another exception (which the edge would answer 500)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.objections import files
from verifier.attachments import EXTENSION, EvidenceLimits, check_file, safe_name
from verifier.errors import EvidenceDoesNotParse, EvidenceTooLarge, EvidenceTypeNotAllowed

LIMITS = EvidenceLimits(max_bytes=256 * 1024, max_files=3, max_pixels=4_000_000)
REFUSED = (EvidenceDoesNotParse, EvidenceTooLarge, EvidenceTypeNotAllowed)
GOOD = (files.pdf(), files.jpeg(), files.png())
MAGIC = (b"%PDF-", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"")


def _judge(data: bytes) -> None:
    try:
        got = check_file(data, "x", LIMITS)
    except REFUSED:
        return
    assert got.content_type in EXTENSION and got.size == len(data)
    assert got.filename == "x" + EXTENSION[got.content_type]


@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(st.sampled_from(MAGIC), st.binary(max_size=4096))
def test_junk_behind_a_signature(magic: bytes, tail: bytes) -> None:
    _judge(magic + tail)


@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(st.sampled_from(GOOD), st.data())
def test_valid_files_cut_or_flipped(good: bytes, data: st.DataObject) -> None:
    cut = data.draw(st.integers(min_value=0, max_value=len(good)))
    mutated = bytearray(good[:cut])
    for _ in range(data.draw(st.integers(min_value=0, max_value=4))):
        if mutated:
            i = data.draw(st.integers(min_value=0, max_value=len(mutated) - 1))
            mutated[i] ^= data.draw(st.integers(min_value=1, max_value=255))
    _judge(bytes(mutated))


@given(st.text(max_size=300))
def test_stored_names_are_plain(name: str) -> None:
    out = safe_name(name, ".pdf")
    assert out.endswith(".pdf") and len(out) <= 80
    assert not any(c in out for c in '/\\"<>;\r\n\0')
