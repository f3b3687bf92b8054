"""Generate docs/vectors/: published verification cases with a throwaway PKI.

    .venv/bin/python scripts/make_vectors.py [OUT_DIR]

Writes ``root.pem``, ``trust-list.jws``, ``status-list.jws`` and ``qr-cases.json`` (each
case: name, QR URL, check time, expected verdict and reason). Keys are generated and thrown
away; nothing here is a production secret. Runs on an in-memory-like temporary SQLite store
with the same record and claim shapes as docs/formats.md.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests" / "verifier")]

from verifier_world import ISSUER, T0, TYPE, World, identifier_for  # noqa: E402

from ca.certs import pem  # noqa: E402
from ca.jws import canonical_json, sign_jws  # noqa: E402
from ca.signer import MemorySigner  # noqa: E402
from certificate_store import Store  # noqa: E402
from certificate_store.models import Base  # noqa: E402
from verifier.lists import build_status_list, build_trust_list  # noqa: E402

CHECK_AT = T0 + dt.timedelta(days=30)


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{tmp}/v.db")
        Base.metadata.create_all(store.engine)
        w = World.build(store)
        valid = w.issue(holder_name="卓玛", holder_code="540102199203041234")
        revoked = w.issue(holder_name="扎西次仁", holder_code="540102198512125678")
        w.set_status(revoked, "03")
        expired = w.issue(holder_name="李四", holder_code="540102197701019999", vt="2026-12-01")
        old = w.issue(holder_name="王五", holder_code="540102200001012222")
        w.change(old, T0 + dt.timedelta(days=2), scope="零售")
        cases = [
            ("valid", w.qr_url(valid), "valid", None),
            ("revoked", w.qr_url(revoked), "revoked", "status-03"),
            ("expired", w.qr_url(expired), "expired", "expired"),
            ("superseded", w.qr_url(old), "superseded", "superseded"),
        ]
        claims = w.qr_claims(valid)
        claims["vt"] = "2099-12-31"
        url = w.qr_url(valid)
        head, payload, sig = url.split("#", 1)[1].split(".")
        from ca.jws import b64url

        tampered = f"https://ecert.example/v/{valid.identifier}#{head}.{b64url(canonical_json(claims))}.{sig}"
        cases.append(("tampered-claims", tampered, "invalid", "bad-signature"))
        rogue = MemorySigner.generate("rogue")
        forged = sign_jws(canonical_json(claims), rogue, w.issuer.cert_der, include_x5c=False,
                          typ="ecert-qr+jws")
        cases.append(("forged-key", f"https://ecert.example/v/{valid.identifier}#{forged}",
                      "invalid", "bad-signature"))
        cases.append(("swapped-path", w.qr_url(valid, path_id=revoked.identifier), "invalid",
                      "identifier-mismatch"))
        foreign = identifier_for(TYPE, ISSUER, "SC2026000001", 1)
        foreign = foreign[:-1] + ("Z" if foreign[-1] != "Z" else "Y")
        fclaims = {**w.qr_claims(valid), "id": foreign}
        cases.append(("foreign-identifier",
                      w.qr_url(valid, claims=fclaims, path_id=foreign), "unknown", None))
        with store.transaction() as uow:
            tl = w.sign_list(build_trust_list(uow, CHECK_AT - dt.timedelta(hours=1),
                                              dt.timedelta(days=3650)))
            sl = w.sign_list(build_status_list(uow, CHECK_AT - dt.timedelta(hours=1),
                                               dt.timedelta(days=3650)))
        store.dispose()
    (out / "root.pem").write_text(pem(w.root_der))
    (out / "trust-list.jws").write_text(tl + "\n")
    (out / "status-list.jws").write_text(sl + "\n")
    doc = {"spec": "ecert/vectors/1", "check_at": CHECK_AT.strftime("%Y-%m-%dT%H:%M:%SZ"),
           "note": "Throwaway PKI. Verify each url offline with trust-list.jws and "
                   "status-list.jws (signed by root.pem) at check_at; expect verdict.",
           "cases": [{"name": n, "url": u, "verdict": v, "reason": r} for n, u, v, r in cases]}
    (out / "qr-cases.json").write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
    print(f"wrote {len(cases)} cases to {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "vectors")
