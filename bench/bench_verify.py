"""Offline QR verifications per second vs raw ECDSA P-256 verifies per second (same run).

    .venv/bin/python bench/bench_verify.py [N]
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests" / "verifier")]

from verifier_world import T0, World  # noqa: E402

from ca.signer import MemorySigner, verify_signature  # noqa: E402
from certificate_store import Store  # noqa: E402
from certificate_store.models import Base  # noqa: E402
from formats import identifiers  # noqa: E402
from verifier.lists import build_status_list, build_trust_list, load_status_list, load_trust_list  # noqa: E402
from verifier.results import Verdict  # noqa: E402
from verifier.verify import verify_qr  # noqa: E402


def main(n: int, as_json: bool = False) -> None:
    now = T0 + dt.timedelta(days=30)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{tmp}/b.db")
        Base.metadata.create_all(store.engine)
        w = World.build(store)
        urls = [w.qr_url(w.issue()) for _ in range(50)]
        with store.transaction() as uow:
            tl = w.sign_list(build_trust_list(uow, now, dt.timedelta(days=1)))
            sl = w.sign_list(build_status_list(uow, now, dt.timedelta(days=1)))
        store.dispose()
    trust = load_trust_list(tl, w.root_der, now)
    status = load_status_list(sl, w.root_der, now)

    # per CPU-second of this process (one core): wall time on a shared machine counts others' work
    t = time.process_time()
    for i in range(n):
        assert verify_qr(urls[i % len(urls)], trust, status, now).verdict is Verdict.VALID
    qr_rate = n / (time.process_time() - t)

    # The same with every code new to the process, as on a phone that scans a new code each
    # time (the loop above cycles through 50 codes: their parsed identifiers and split URLs
    # are kept in the parsers' caches, which are emptied here before each verification).
    forget = identifiers._parse_str.cache_clear  # noqa: SLF001
    t = time.process_time()
    for i in range(n // 4):
        forget()
        urllib.parse.urlsplit.cache_clear()
        assert verify_qr(urls[i % len(urls)], trust, status, now).verdict is Verdict.VALID
    new_id_rate = n // 4 / (time.process_time() - t)

    s = MemorySigner.generate("bench")
    msg = b"x" * 300
    sig = s.sign(msg)
    t = time.process_time()
    for _ in range(n):
        verify_signature(s.public_key_der, msg, sig)
    raw_rate = n / (time.process_time() - t)
    if as_json:
        print(json.dumps({"qr": qr_rate, "raw": raw_rate, "ratio": qr_rate / raw_rate,
                          "qr_new_identifiers": new_id_rate}))
        return
    print(f"offline QR verify: {qr_rate:8.0f}/s")
    print(f"raw ECDSA P-256 verify (ca.signer.verify_signature): {raw_rate:8.0f}/s")
    print(f"offline QR verify, every code new: {new_id_rate:8.0f}/s "
          f"(ratio {new_id_rate / raw_rate:.2f})")
    print(f"ratio QR/raw: {qr_rate / raw_rate:.2f}")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--json"]
    main(int(args[0]) if args else 3000, "--json" in sys.argv)
