"""Art. 19 backup and restore: a backup taken while the server issues certificates restores
into a new data dir (SQLite or PostgreSQL) whose audit log verifies and whose latest signed
tree head is the one the backup recorded."""

from __future__ import annotations

import json
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import auth, drop_pg_schema, pg_schema_url
from tests.e2e.conftest import PASSPHRASE, Producer, ecert, issue_some, platform_env
from tests.inprocess_cli import CliResult, ecert_in_process


@pytest.fixture(scope="module")
def backup_zip(template: Any, producer: Producer,
               tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from tests.api.conftest import serve

    platform, client = template.platform, template.client
    issue_some(client, producer, 4, seed=21)
    issued: list[float] = []
    errors: list[str] = []
    stop = threading.Event()
    events = producer.module.sample_events(200, seed=22)

    def issue_loop() -> None:
        with httpx.Client(base_url=live_url, headers=auth(producer.issuer), timeout=30) as h:
            for event in events:
                if stop.is_set():
                    return
                data, _ = producer.module.to_request(event)
                r = h.post("/api/v1/certificates", json={"type": producer.type_code, "data": data})
                if r.status_code == 201:
                    issued.append(time.monotonic())
                else:
                    errors.append(f"{r.status_code} {r.text[:200]}")

    out = tmp_path_factory.mktemp("backup") / "OUT.zip"
    with serve(platform, housekeeping=False) as live_url:
        thread = threading.Thread(target=issue_loop, daemon=True)
        thread.start()
        while not issued and thread.is_alive():
            time.sleep(0.01)
        started = time.monotonic()
        r = ecert("backup", out, "--data-dir", platform.settings.data_dir,
                  env=platform_env(platform))
        ended = time.monotonic()
        stop.set()
        thread.join(timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert not errors, errors[:3]
    during = [t for t in issued if started <= t <= ended]
    with zipfile.ZipFile(out) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    return {"zip": out, "manifest": manifest, "issued_during": len(during),
            "issued_total": len(issued)}


def test_backup_taken_while_issuing(backup_zip: dict[str, Any]) -> None:
    assert backup_zip["issued_during"] > 0, "nothing was issued while the backup ran"
    head = backup_zip["manifest"]["tree_head"]
    assert head and head["tree_size"] > 0


def _restored_head(data_dir: Path, env: dict[str, str]) -> dict[str, Any]:
    from audit_log import formats
    from ecert.platform import Platform
    from ecert.settings import load_settings

    p = Platform(load_settings(env, data_dir=data_dir))
    try:
        with p.store.transaction() as uow:
            head = p.audit.latest_head(uow)
        assert head is not None
        return dict(formats.get_sth_json(head))
    finally:
        p.store.dispose()


def _restore(backup_zip: dict[str, Any], target: Path, env: dict[str, str]) -> CliResult:
    # The restore command's main() in this process (the backup above is a real process, taken
    # while another thread issues): its result and messages are what is checked.
    return ecert_in_process(env, "restore", str(backup_zip["zip"]), "--data-dir", str(target))


def _check_restore(backup_zip: dict[str, Any], target: Path, env: dict[str, str]) -> None:
    r = _restore(backup_zip, target, env)
    assert r.returncode == 0, r.stdout + r.stderr
    v = ecert_in_process(env, "audit", "verify", "--data-dir", str(target))
    assert v.returncode == 0, v.stdout + v.stderr
    assert "audit log and library verified" in v.stdout
    want = backup_zip["manifest"]["tree_head"]
    got = _restored_head(target, env)
    for k in ("tree_size", "timestamp", "sha256_root_hash", "tree_head_signature"):
        assert got[k] == want[k], (k, got[k], want[k])


def test_restore_into_sqlite_and_refuse_non_empty(backup_zip: dict[str, Any],
                                                 tmp_path: Path) -> None:
    env = {"ECERT_KEY_PASSPHRASE": PASSPHRASE}
    target = tmp_path / "NEW"
    _check_restore(backup_zip, target, env)
    again = _restore(backup_zip, target, env)
    assert again.returncode != 0
    assert "is not empty" in again.stdout + again.stderr, again.stdout + again.stderr


@pytest.mark.postgres
def test_restore_into_postgresql(backup_zip: dict[str, Any], tmp_path: Path) -> None:
    schema, url = pg_schema_url()
    try:
        _check_restore(backup_zip, tmp_path / "NEWPG",
                       {"ECERT_KEY_PASSPHRASE": PASSPHRASE, "ECERT_DATABASE_URL": url})
    finally:
        drop_pg_schema(schema)
