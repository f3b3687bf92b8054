"""Offline QR inputs and the outcome `verify_qr` gives each, to pin the verifier's behaviour
across rewrites of its inner steps (issue 11, B5).

The inputs are the published vectors (docs/vectors, fixed keys) checked at several times,
with and without the status list, plus seeded mutations of each URL: characters changed in
the path, the header, the payload and the signature, parts cut, dropped or added, non-ASCII
text. The outcome is the whole result (`VerificationResult.to_dict`) or the error raised;
`golden-qr.json` holds the SHA-256 of each outcome as the verifier gave it before the rewrite.

    PYTHONPATH=. .venv/bin/python tests/verifier/qr_golden.py --write   # refresh (reviewed!)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ca.certs import der_from_pem
from verifier.bitstring import StatusShard, load_shard
from verifier.lists import StatusList, TrustList, load_status_list, load_trust_list

ROOT = Path(__file__).resolve().parents[2]
VEC = ROOT / "docs" / "vectors"
GOLDEN = Path(__file__).resolve().parent / "golden-qr.json"
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
Verify = Callable[..., Any]
_SHORT = {"valid": "v", "invalid": "x", "unknown": "?", "expired": "e", "revoked": "r",
          "suspended": "s", "cancelled": "c", "superseded": "o", "not_original": "n",
          "MalformedInput": "M", "MalformedIdentifier": "I"}


def _at(doc: dict[str, Any]) -> dt.datetime:
    return dt.datetime.fromisoformat(doc["check_at"].replace("Z", "+00:00"))


def _mutations(url: str, rnd: random.Random) -> Iterator[tuple[str, object]]:
    """(name, input) pairs derived from one URL."""
    before, _, frag = url.partition("#")
    parts = frag.split(".")
    for n in range(3):
        for part in range(3):  # one character of the header, the payload, the signature
            p = list(parts)
            if not p[part]:
                continue
            i = rnd.randrange(len(p[part]))
            p[part] = p[part][:i] + rnd.choice(B64.replace(p[part][i], "")) + p[part][i + 1:]
            yield f"char-{part}-{n}", before + "#" + ".".join(p)
        i = rnd.randrange(len(before))  # one character of the path (identifier, host)
        yield f"path-{n}", before[:i] + rnd.choice(B64 + ".") + before[i + 1:] + "#" + frag
    yield "last-sig-char", before + "#" + frag[:-1] + B64[(B64.index(frag[-1]) + 1) % 64]
    yield "cut-fragment", before + "#" + frag[: len(frag) // 2]
    yield "cut-sig", before + "#" + frag[:-4]
    yield "no-fragment", before
    yield "fragment-only", "#" + frag
    yield "dot-added", before + "#" + frag + "."
    yield "parts-swapped", before + "#" + ".".join([parts[1], parts[0], parts[2]])
    yield "padding", before + "#" + frag + "=="
    yield "non-ascii", before + "#" + frag[:-1] + "é"
    yield "blanks", "  " + url + "\n"
    yield "query", before + "?x=1#" + frag
    yield "ftp", "ftp" + before[5:] + "#" + frag
    yield "trailing-slash", before + "/#" + frag


def _inputs(cases: list[dict[str, Any]], seed: int) -> Iterator[tuple[str, object]]:
    rnd = random.Random(seed)
    for c in cases:
        yield c["name"], c["url"]
        for name, value in _mutations(c["url"], rnd):
            yield f"{c['name']}/{name}", value
    for name, value in (("none", None), ("int", 5), ("empty", ""), ("hash", "#"),
                        ("dots", "#.."), ("long", "#" + "A" * 5000)):
        yield name, value


def _times(at: dt.datetime) -> list[tuple[str, dt.datetime]]:
    """Check times: the vectors' own, years later (expired), before signing, lists stale
    (their next_update is 10 years on), lists from the future, the same instant in +08:00."""
    return [("at", at), ("years-later", at + dt.timedelta(days=3 * 365)),
            ("year-before", at - dt.timedelta(days=365)),
            ("days-later", at + dt.timedelta(days=400)),
            ("lists-stale", at + dt.timedelta(days=11 * 365)),
            ("lists-from-future", at - dt.timedelta(hours=2)),
            ("beijing", at.astimezone(dt.timezone(dt.timedelta(hours=8))))]


def outcome(verify: Verify, value: object, *args: Any, **kw: Any) -> dict[str, Any]:
    try:
        return {"result": verify(value, *args, **kw).to_dict()}
    except Exception as exc:  # noqa: BLE001 - the error is part of the behaviour pinned
        return {"raises": type(exc).__name__, "message": str(exc)}


def digest(out: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(out, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _qr2_lists() -> tuple[dt.datetime, TrustList, StatusList, list[dict[str, Any]]]:
    doc = json.loads((VEC / "qr-cases.json").read_text())
    at = _at(doc)
    root = der_from_pem((VEC / "root.pem").read_text())
    trust = load_trust_list((VEC / "trust-list.jws").read_text(), root, at)
    status = load_status_list((VEC / "status-list.jws").read_text(), root, at)
    return at, trust, status, doc["cases"]


def _qr3_lists() -> tuple[dt.datetime, TrustList, dict[int, StatusShard], list[dict[str, Any]]]:
    d = VEC / "qr3"
    doc = json.loads((d / "qr-cases.json").read_text())
    at = _at(doc)
    root = der_from_pem((d / "root.pem").read_text())
    trust = load_trust_list((d / "trust-list.jws").read_text(), root, at)
    shards = {}
    for sig in d.glob("status-shard-*.jws"):
        n = int(sig.stem.rsplit("-", 1)[1])
        shards[n] = load_shard(sig.read_text(), sig.with_suffix(".gz").read_bytes(), root, at,
                               shard=n)
    return at, trust, shards, doc["cases"]


def outcomes(verify: Verify) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """(input name, its outcomes at each time and list set) through ``verify`` (verify_qr's
    signature)."""
    at, trust, status, cases = _qr2_lists()
    for name, value in _inputs(cases, 2):
        yield f"qr2/{name}", [outcome(verify, value, trust, status, when)
                              for _, when in _times(at)] + [
            outcome(verify, value, trust, None, at)]
    at3, trust3, shards, cases3 = _qr3_lists()
    for name, value in _inputs(cases3, 3):
        yield f"qr3/{name}", [outcome(verify, value, trust3, None, when, shards=shards)
                              for _, when in _times(at3)] + [
            outcome(verify, value, trust3, None, at3),
            outcome(verify, value, trust, status, at)]


def summary(outs: list[dict[str, Any]]) -> str:
    """The verdicts (or errors) in order, and a digest of the whole outcomes."""
    words = [o["result"]["verdict"] if "result" in o else o["raises"] for o in outs]
    return "".join(_SHORT.get(w, f"<{w}>") for w in words) + " " + digest(
        {"outcomes": outs})[:32]


def _write() -> None:
    from verifier.qr import verify_qr

    out = {key: summary(outs) for key, outs in outcomes(verify_qr)}
    GOLDEN.write_text(json.dumps(out, indent=0, sort_keys=True, ensure_ascii=False) + "\n")
    print(f"{len(out)} inputs written to {GOLDEN}")


if __name__ == "__main__" and "--write" in sys.argv:
    _write()
