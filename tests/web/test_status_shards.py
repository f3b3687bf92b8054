"""Bitstring status shards served at /pki/status/<shard> (issue #9 §2): random indexes,
root-signed, ETag, re-signed only when an entry of that shard changed."""

from __future__ import annotations

from typing import Any

from tests.web.conftest import World


def _assign(world: World, base: str) -> int:
    from verifier.bitstring import SHARD_SIZE

    with world.platform.store.transaction() as uow:
        cert = uow.certificates.by_base(base)
        index = uow.status_index.assign(cert.id, SHARD_SIZE)
        assert uow.status_index.assign(cert.id, SHARD_SIZE) == index  # stable
    return index


def _load(world: World, shard: int, r: Any) -> Any:
    from formats.statuslist import SIGNATURE_HEADER
    from verifier.bitstring import load_shard

    root = world.client.get("/pki/ca.crt").content
    return load_shard(r.headers[SIGNATURE_HEADER], r.content, root, world.platform.now(),
                      shard=shard)


def test_shard_reflects_status_and_etag_changes_only_with_its_entries(world: World) -> None:
    from verifier.bitstring import SHARD_SIZE
    from verifier.results import Verdict

    certs = [world.issue(name=n) for n in ("次仁", "格桑", "卓玛")]
    indexes = [_assign(world, c["base_identifier"]) for c in certs]
    assert len(set(indexes)) == 3 and all(0 <= i < 2 * SHARD_SIZE for i in indexes)
    shard, slot = divmod(indexes[0], SHARD_SIZE)
    r = world.client.get(f"/pki/status/{shard}")
    assert r.status_code == 200 and r.headers["content-type"] == "application/octet-stream"
    assert _load(world, shard, r).verdict(slot) == Verdict.VALID
    etag = r.headers["etag"]
    assert world.client.get(f"/pki/status/{shard}").headers["etag"] == etag
    assert world.client.get(f"/pki/status/{shard}",
                            headers={"If-None-Match": etag}).status_code == 304
    untouched = world.client.get(f"/pki/status/{shard + 1}").headers["etag"]
    world.status(certs[0]["identifier"], "revoke")
    r2 = world.client.get(f"/pki/status/{shard}")
    assert r2.headers["etag"] != etag
    assert _load(world, shard, r2).verdict(slot) == Verdict.REVOKED
    assert world.client.get(f"/pki/status/{shard + 1}").headers["etag"] == untouched
    assert world.client.get("/pki/status/-1").status_code == 422
