"""ECERT_DATABASE_REPLICA_URL and ECERT_REPLICA_MAX_WAIT_MS (settings.py), no server needed."""

from __future__ import annotations

from pathlib import Path

import pytest

BASE = {"ECERT_KEY_PASSPHRASE": "test-passphrase-0123456789"}


def test_replica_settings(tmp_path: Path) -> None:
    from ecert.errors import ConfigError
    from ecert.settings import load_settings

    off = load_settings(BASE, data_dir=tmp_path)
    assert (off.database_replica_url, off.replica_max_wait_ms) == ("", 100)
    on = load_settings({**BASE, "ECERT_DATABASE_REPLICA_URL": "postgresql+psycopg://r/ecert",
                        "ECERT_REPLICA_MAX_WAIT_MS": "250"}, data_dir=tmp_path)
    assert (on.database_replica_url, on.replica_max_wait_ms) == ("postgresql+psycopg://r/ecert", 250)
    with pytest.raises(ConfigError, match="REPLICA_URL"):
        load_settings({**BASE, "ECERT_DATABASE_REPLICA_URL": "sqlite:///x.db"}, data_dir=tmp_path)
    with pytest.raises(ConfigError, match="REPLICA_MAX_WAIT_MS"):
        load_settings({**BASE, "ECERT_REPLICA_MAX_WAIT_MS": "soon"}, data_dir=tmp_path)


def test_a_sqlite_platform_reads_its_own_database(tmp_path: Path) -> None:
    from certificate_store.replica import PrimaryReads, ReplicaReads
    from ecert.platform import Platform
    from ecert.settings import load_settings

    s = load_settings({**BASE, "ECERT_DATABASE_REPLICA_URL": "postgresql+psycopg://r/ecert"},
                      data_dir=tmp_path)
    p = Platform(s)
    try:
        assert type(p.reads) is PrimaryReads and not isinstance(p.reads, ReplicaReads)
    finally:
        p.store.dispose()
