"""Migration 0006: tokens made before operators keep working, owned by their department's
placeholder operator, and the CLI registers, lists and disables operators."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from alembic import command
from sqlalchemy import text

from certificate_store import Store
from certificate_store.migrations import alembic_config
from ecert.tokens import actor_for, authenticate, hash_token

SECRET = "ect_0a1b2c3d_" + "x" * 43
DEPT = "11540000MB0000103X"


def test_old_tokens_get_the_departments_placeholder(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'old.db'}")
    command.upgrade(alembic_config(store.engine), "0005")
    now = dt.datetime.now(dt.UTC)
    with store.engine.begin() as c:
        c.execute(text("INSERT INTO departments (code, name, active, created_at) "
                       "VALUES (:c, '人社厅', 1, :n)"), {"c": DEPT, "n": now})
        for prefix, role, dept in (("0a1b2c3d", "issuer", DEPT), ("99999999", "admin", None)):
            c.execute(text(
                "INSERT INTO api_tokens (token_hash, prefix, role, dept_code, label, created_at,"
                " expires_at) VALUES (:h, :p, :r, :d, '', :n, :e)"),
                {"h": hash_token(SECRET) if role == "issuer" else "0" * 64, "p": prefix,
                 "r": role, "d": dept, "n": now, "e": now + dt.timedelta(days=9)})
    store.create_schema()  # 0006 (and whatever follows) on the old data
    with store.transaction() as uow:
        rec = authenticate(uow, SECRET, now)
        assert rec is not None and rec.operator is not None
        assert rec.operator.placeholder and rec.operator.dept_code == DEPT
        assert actor_for(rec, None).name == f"未具名操作员（待登记岗位）#{rec.operator.id}"
        everyone = uow.operators.list()
        assert {(o.dept_code, o.placeholder) for o in everyone} == {(DEPT, True), (None, True)}
    store.dispose()


def test_cli_add_list_disable(platform, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from ecert.cli.main import main

    data = ["--data-dir", str(platform.settings.data_dir)]
    monkeypatch.setenv("ECERT_KEY_PASSPHRASE", "test-passphrase-0123456789")
    monkeypatch.setenv("ECERT_DATABASE_URL", platform.settings.database_url)
    assert main(["operator", "add", "--name", "央金", "--post", "审计岗", *data]) == 0
    op_id = int(capsys.readouterr().out.split()[1].rstrip(":"))
    assert main(["token", "create", "--role", "auditor", "--operator", str(op_id), *data]) == 0
    secret = capsys.readouterr().out.strip().splitlines()[-1]
    assert main(["operator", "list", *data]) == 0
    assert "央金（审计岗）" in capsys.readouterr().out
    with platform.store.transaction() as uow:
        assert authenticate(uow, secret, platform.now()) is not None
    assert main(["operator", "disable", str(op_id), *data]) == 0
    with platform.store.transaction() as uow:
        assert authenticate(uow, secret, platform.now()) is None
    assert main(["operator", "add", "--name", " ", "--post", "x", *data]) == 2
