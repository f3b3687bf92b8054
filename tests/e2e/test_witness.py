"""`ecert audit witness` against the live server: cosigns, cosigns again after growth (checked
by a consistency proof), and refuses a rewritten history with a non-zero exit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from tests.conftest import auth
from tests.e2e.conftest import Producer, ecert, issue_some, platform_env

WENV = {"ECERT_WITNESS_PASSPHRASE": "witness-passphrase-0123456789"}


def sign(platform: Any) -> int:
    with platform.store.transaction() as uow:
        head = platform.audit.sign_head(uow, platform.head_signer(uow), platform.now())
        return int(head.tree_size)


def served_sth(live_url: str, token: str) -> dict[str, Any]:
    r = httpx.get(f"{live_url}/api/v1/audit/get-sth", headers=auth(token), timeout=30)
    assert r.status_code == 200, r.text
    return dict(r.json())


def cosigs(sth: dict[str, Any]) -> list[dict[str, Any]]:
    # docs/audit-log.md §3 names the member `ecert_cosignatures`; the route serves `cosignatures`
    return list(sth.get("ecert_cosignatures", sth.get("cosignatures", [])))


def rewrite_history(platform: Any, keep: int) -> None:
    """What a dishonest operator would do: drop the entries from `keep` on (and the nodes and
    heads covering them), append different ones and sign a new, larger head with the real key."""
    from sqlalchemy import create_engine, text

    from audit_log import tiles

    engine = create_engine(platform.settings.database_url)
    with engine.begin() as s:
        s.execute(text("DELETE FROM audit_cosignatures WHERE tree_size > :k"), {"k": keep})
        s.execute(text("DELETE FROM audit_tree_heads WHERE tree_size > :k"), {"k": keep})
        s.execute(text("DELETE FROM audit_entries WHERE idx >= :k"), {"k": keep})
        # tile (L, N) covers hashes 256N... of level 8L and the nodes above them in the tile
        # (audit_log/tiles.py): cut every tile back to the first `keep` leaves
        for level, index, hashes in s.execute(
                text("SELECT level, tile_index, hashes FROM audit_tiles")).all():
            width = min(256, max(0, (keep >> (8 * level)) - 256 * index))
            s.execute(text("DELETE FROM audit_tiles WHERE level = :l AND tile_index = :i"),
                      {"l": level, "i": index})
            if width:
                cut = [hs[: width >> k] for k, hs in enumerate(tiles.unpack(bytes(hashes)))]
                s.execute(text("INSERT INTO audit_tiles (level, tile_index, hashes) "
                               "VALUES (:l, :i, :h)"),
                          {"l": level, "i": index, "h": tiles.pack(cut)})
    engine.dispose()
    platform.clock.advance(seconds=5)
    for i in range(40):
        with platform.store.transaction() as uow:
            platform.audit.record(uow, now=platform.now(), actor="rewriter", actor_dept=None,
                                  role="system", action="history.rewrite", details={"n": i})
    sign(platform)


def test_witness_cosigns_then_refuses_rewritten_log(platform: Any, client: Any, producer: Producer,
                                                     live_url: str, tmp_path: Path) -> None:
    key = tmp_path / "K" / "w1.key.pem"
    key.parent.mkdir()
    r = ecert("audit", "witness-init", "--key", key, env=WENV)
    assert r.returncode == 0, r.stdout + r.stderr
    assert key.exists()
    # the platform operator registers the witness's public key; only then do its cosignatures count
    env = {**platform_env(platform), "ECERT_DATA_DIR": str(platform.settings.data_dir)}
    r = ecert("audit", "witness-add", "w1", "--key", key.with_name("w1.pub.pem"), env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    state = tmp_path / "S" / "state.json"
    state.parent.mkdir()
    args = ("audit", "witness", "--url", live_url, "--key", key, "--token", producer.auditor,
            "--state", state, "--name", "w1")

    issue_some(client, producer, 3, seed=31)
    size1 = sign(platform)
    r = ecert(*args, env=WENV)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"cosigned tree head {size1}" in r.stdout
    sth = served_sth(live_url, producer.auditor)
    assert sth["tree_size"] == size1
    assert [c["witness"] for c in cosigs(sth)] == ["w1"], sth

    platform.clock.advance(seconds=2)
    issue_some(client, producer, 3, seed=32)
    size2 = sign(platform)
    assert size2 > size1
    r = ecert(*args, env=WENV)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"cosigned tree head {size2}" in r.stdout
    assert [c["witness"] for c in cosigs(served_sth(live_url, producer.auditor))] == ["w1"]
    remembered = state.read_text()

    rewrite_history(platform, keep=size1 - 3)
    sth = served_sth(live_url, producer.auditor)
    assert sth["tree_size"] > size2  # a bigger, validly signed head of a different history
    r = ecert(*args, env=WENV)
    assert r.returncode != 0, r.stdout + r.stderr
    assert "cosigned" not in r.stdout
    assert "not consistent" in r.stdout + r.stderr, r.stdout + r.stderr
    assert state.read_text() == remembered, "a refusing witness keeps its state"
    assert cosigs(served_sth(live_url, producer.auditor)) == []
