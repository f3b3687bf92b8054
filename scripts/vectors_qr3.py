"""The ``ecert/qr/3`` vectors (docs/vectors/qr3/), made by scripts/make_vectors.py.

A platform of its own (its own root) issues ``ecert/qr/3`` codes through its services, moves
some through their statuses, rotates a key for compromise and publishes what a phone holds
offline: the trust list and the ONE status shard the codes name (gzip body and its
root-signed description), plus hand-made negative cases that mutate the packed claims. Each
case is checked against the trust list and the shard only (no status list): see
qr-cases.json's note. Python (tests/verifier/test_verifier_vectors.py) and the browser
(tests/web/test_vectors_browser.py) both run them.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import Any

from ca.certs import pem
from ca.jws import b64url, b64url_decode
from ca.signer import MemorySigner, der_to_raw_signature
from ecert.services.verification import invalidate_lists, signed_list, signed_shard
from formats.statuslist import SHARD_SIZE


def _packed(url: str) -> tuple[str, str, list[Any], str]:
    before, frag = url.split("#", 1)
    head, payload, sig = frag.split(".")
    return before, head, json.loads(b64url_decode(payload)), sig


def _with(url: str, index: int, value: Any) -> str:
    """The issued header and signature over a changed packed claim (a tampered code)."""
    before, head, packed, sig = _packed(url)
    packed[index] = value
    text = json.dumps(packed, ensure_ascii=False, separators=(",", ":"))
    return f"{before}#{head}.{b64url(text.encode())}.{sig}"


def _rogue(url: str) -> str:
    """The issued claims signed by a key the platform never saw, under the issued header."""
    from formats.qr import unpack_fragment

    before, frag = url.split("#", 1)
    head, payload, _ = unpack_fragment(before.rsplit("/", 1)[1], frag).split(".")
    sig = MemorySigner.generate("rogue").sign(f"{head}.{payload}".encode("ascii"))
    return f"{before}#{head}.{frag.split('.')[1]}.{b64url(der_to_raw_signature(sig))}"


def _open_ended(iss: Any, dept: str, admin: Any, definition: Any, data: Any) -> str:
    """A certificate of a type without an end of validity (长期有效: ``vt`` is null)."""
    from audit_log.actor import Actor
    from ecert.services import issuing

    code = dept + "002"
    issuing.add_type(iss.p, {**definition(dept), "type_code": code, "name": "长期测试证明",
                             "validity": None}, admin)
    actor = Actor(name="vectors", role="issuer", dept_code=dept)
    return str(issuing.issue(iss.p, actor, code, data("洛桑", "54010219660606333"))
               .certificate.identifier)


def qr3_cases(iss: Any, t0: dt.datetime, iss_code: str, iss2_code: str, admin: Any,
              data: Any, definition: Any) -> list[tuple[str, str, str, str | None]]:
    """(name, url, verdict, reason) on the platform's timeline from t0."""
    iss.at(t0)
    open_ended = iss.qr(_open_ended(iss, iss_code, admin, definition, data))
    made = {name: iss.issue(iss_code, data(holder, first17)) for name, holder, first17 in (
        ("valid", "阿旺晋美次仁多吉", "54010219920304123"),
        ("revoked", "扎西次仁", "54010219851212567"),
        ("suspended", "德吉卓嘎", "54010219880808456"),
        ("cancelled", "平措", "54010219790909789"))}
    start = (t0 + dt.timedelta(hours=8)).date()
    made["expired"] = iss.issue(iss_code, data(
        "李四", "54010219770101999", valid_from=start.isoformat(),
        valid_to=(start + dt.timedelta(days=2)).isoformat()))
    urls = {k: iss.qr(v) for k, v in made.items()}
    iss.act(iss_code, made["revoked"], "revoke")
    iss.act(iss_code, made["suspended"], "suspend")
    iss.act(iss_code, made["cancelled"], "cancel")
    iss.at(t0 + dt.timedelta(days=5))
    compromised = iss.qr(iss.issue(iss2_code, data("次仁", "54010219960606222")))
    iss.at(t0 + dt.timedelta(days=6))
    iss.p.rotate_key(iss2_code, admin, "key_compromise")
    v = urls["valid"]
    si = _packed(v)[2][6]
    return [
        ("qr3-valid", v, "valid", None),
        ("qr3-valid-without-end", open_ended, "valid", None),
        ("qr3-revoked", urls["revoked"], "revoked", "status-07"),
        ("qr3-suspended", urls["suspended"], "suspended", "status-02"),
        ("qr3-cancelled", urls["cancelled"], "cancelled", "status-99"),
        ("qr3-expired", urls["expired"], "expired", "expired"),
        ("qr3-signed-with-compromised-key", compromised, "invalid", "key-compromised"),
        ("qr3-tampered-validity", _with(v, 3, "2099-12-31"), "invalid", "bad-signature"),
        ("qr3-tampered-status-index", _with(v, 6, (si + 1) % SHARD_SIZE), "invalid",
         "bad-signature"),
        ("qr3-forged-key", _rogue(v), "invalid", "bad-signature"),
        ("qr3-swapped-path", f"{urls['revoked'].split('#')[0]}#{v.split('#', 1)[1]}",
         "invalid", "bad-signature"),
    ]


def write_qr3(out: Path, build: Any, t0: dt.datetime, check_at: dt.datetime,
              names: tuple[str, str], admin: Any, data: Any, definition: Any) -> int:
    """Make the qr/3 set in ``out`` (a directory of its own); returns the number of cases."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        p, iss = build(Path(tmp))
        cases = qr3_cases(iss, t0, names[0], names[1], admin, data, definition)
        shards = sorted({_packed(u)[2][6] // SHARD_SIZE for _, u, _, _ in cases})
        iss.at(check_at - dt.timedelta(hours=1))
        invalidate_lists(p)
        trust = signed_list(p, "trust")
        bodies = {n: signed_shard(p, n) for n in shards}
        with p.store.transaction() as uow:
            _signer, root_der = p.pki.root(uow)
        p.store.dispose()
    (out / "root.pem").write_text(pem(root_der))
    (out / "trust-list.jws").write_text(trust + "\n")
    for n, s in bodies.items():
        (out / f"status-shard-{n}.gz").write_bytes(s.gz)
        (out / f"status-shard-{n}.jws").write_text(s.jws + "\n")
    doc = {
        "spec": "ecert/vectors/1", "check_at": check_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "note": "ecert/qr/3 codes made by a throwaway ecert platform (scripts/make_vectors.py). "
                "Verify each url offline with trust-list.jws and the status shard its si "
                "names (status-shard-<si // 131072>.gz, described and signed by "
                "status-shard-<n>.jws; both signed by root.pem) at check_at, without the "
                "status list; expect verdict, and reason among the failed checks' reasons.",
        "cases": [{"name": n, "url": u, "verdict": v, "reason": r} for n, u, v, r in cases]}
    (out / "qr-cases.json").write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
    return len(cases)
