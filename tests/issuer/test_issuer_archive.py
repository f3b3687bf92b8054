from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

from issuer_helpers import DEPT_A, NOW, TYPE_A, World, good_data, issuer_actor

from audit_log import merkle
from ca.jws import verify_jws_with_cert
from issuer.archive import archive
from issuer.reconcile import reconcile

A = issuer_actor()


@dataclass
class HmacHeadSigner:
    key_id: str = "test"

    def sign(self, data: bytes) -> bytes:
        return hmac.new(b"k", data, hashlib.sha256).digest()


def _populate(world: World) -> list[str]:
    ids = []
    for i in range(3):
        ids.append(world.svc.issue(A, TYPE_A, good_data(i + 1), NOW).identifier)
    ids[0] = world.svc.change(A, ids[0], {"fields": {"area": "零售"}}, "变更", NOW).identifier
    world.svc.transition(A, ids[1], "suspend", "核查", NOW)
    return ids


def test_archive_department_offline_checkable(world: World, tmp_path: Path) -> None:
    ids = _populate(world)
    out = tmp_path / "a.zip"
    with world.store.transaction() as uow:
        r = archive(uow, DEPT_A, out, world.audit, NOW + dt.timedelta(minutes=1),
                    head_signer=HmacHeadSigner())
    assert (r.certificates, r.versions) == (3, 4) and r.proven_entries == r.audit_entries == 5
    with zipfile.ZipFile(out) as z:
        names = set(z.namelist())
        assert "README.txt" in names and "manifest.json" in names
        manifest = json.loads(z.read("manifest.json"))
        sth = json.loads(z.read("audit/sth.json"))
        root = base64.b64decode(sth["sha256_root_hash"])
        for c in manifest["certificates"]:
            for v in c["versions"]:
                body = z.read(f"certificates/{c['base_identifier']}/v{v['version']:03d}.json")
                assert hashlib.sha256(body).hexdigest() == v["sha256"]
                jws = z.read(f"certificates/{c['base_identifier']}/v{v['version']:03d}.jws")
                assert verify_jws_with_cert(jws.decode(), world.keys.keys[DEPT_A].cert_der) == body
        for line in z.read("audit/entries.jsonl").decode().splitlines():
            e = json.loads(line)
            lh = merkle.leaf_hash(base64.b64decode(e["leaf_input"]))
            p = e["proof"]
            merkle.verify_inclusion(p["leaf_index"], p["tree_size"], lh,
                                    [base64.b64decode(x) for x in p["audit_path"]], root)
    with world.store.transaction() as uow:  # one certificate
        r1 = archive(uow, ids[0], tmp_path / "one.zip", world.audit, NOW)
    assert (r1.certificates, r1.versions) == (1, 2)


def test_reconcile(world: World) -> None:
    ids = _populate(world)
    with world.store.transaction() as uow:
        current = {v.identifier: v.sha256 for v in uow.certificates.iter_versions(DEPT_A)
                   if v.superseded_at is None}
        items = [{"identifier": i, "sha256": h} for i, h in current.items()]
        assert reconcile(uow, DEPT_A, items).ok
        items[1]["sha256"] = "00" * 32
        dropped = items.pop(2)
        items.append({"identifier": ids[0][:-1] + "Q", "sha256": "ab" * 32})
        rep = reconcile(uow, DEPT_A, items)
    assert not rep.ok and rep.matched == 1
    assert rep.missing_in_department == (dropped["identifier"],)
    assert rep.missing_in_store == (ids[0][:-1] + "Q",)
    assert [m.identifier for m in rep.hash_differs] == [items[1]["identifier"]]
