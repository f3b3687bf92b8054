"""Start-up refuses what would be unsafe, with a clear message and a non-zero exit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ecert.errors import ConfigError
from ecert.settings import load_settings
from tests.inprocess_cli import ecert_in_process


def test_passphrase_required_outside_demo(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="ECERT_KEY_PASSPHRASE"):
        load_settings({}, data_dir=tmp_path)
    with pytest.raises(ConfigError, match="at least 16"):
        load_settings({"ECERT_KEY_PASSPHRASE": "short"}, data_dir=tmp_path)
    s = load_settings({"ECERT_KEY_PASSPHRASE": "x" * 16}, data_dir=tmp_path)
    assert "x" * 16 not in repr(s)


def test_demo_secret_is_refused_outside_demo(tmp_path: Path) -> None:
    load_settings({}, data_dir=tmp_path, demo=True, create_demo_secret=True)
    assert (tmp_path / "demo-key-passphrase").stat().st_mode & 0o777 == 0o600
    with pytest.raises(ConfigError, match="demo"):
        load_settings({}, data_dir=tmp_path, demo=False)


@pytest.mark.parametrize("env, message", [
    ({"ECERT_DATABASE_URL": "mysql://x"}, "ECERT_DATABASE_URL"),
    ({"ECERT_BASE_URL": "ftp://x"}, "ECERT_BASE_URL"),
    ({"ECERT_KEY_BACKEND": "pkcs11"}, "ECERT_PKCS11_PIN"),
    ({"ECERT_STH_EVERY_N": "many"}, "integer"),
])
def test_bad_settings_are_named(tmp_path: Path, env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings({"ECERT_KEY_PASSPHRASE": "y" * 20, **env}, data_dir=tmp_path)


def _ecert(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("ECERT_")}
    return subprocess.run([sys.executable, "-m", "ecert", *args], env={**base, **(env or {})},
                          capture_output=True, text=True, timeout=120)


def test_the_command_refuses_to_start_with_a_message_not_a_traceback(tmp_path: Path) -> None:
    """The real entry point (`python -m ecert`, its own process): exit code and stderr."""
    r = _ecert("serve", "--data-dir", str(tmp_path / "none"))
    assert r.returncode == 2 and "ECERT_KEY_PASSPHRASE" in r.stderr and "Traceback" not in r.stderr


def test_cli_errors_are_messages_not_tracebacks(tmp_path: Path) -> None:
    # The same main() as above, in this process: each command's message and exit code (an
    # uncaught exception would fail the test here, as a traceback would above).
    r = ecert_in_process({}, "serve", "--data-dir", str(tmp_path / "none"))
    assert r.returncode == 2 and "ECERT_KEY_PASSPHRASE" in r.stderr
    env = {"ECERT_KEY_PASSPHRASE": "z" * 20}
    assert ecert_in_process(env, "init", "--data-dir", str(tmp_path / "d")).returncode == 0
    r = ecert_in_process(env, "dept", "add", "--code", "91540000MA6T000002", "--name", "测试",
                         "--data-dir", str(tmp_path / "d"))
    assert r.returncode == 2 and "统一社会信用代码" in r.stderr and "Traceback" not in r.stderr
    r = ecert_in_process(env, "dept", "rotate-key", "91540000MA6T000001",
                         "--data-dir", str(tmp_path / "d"))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    r = ecert_in_process(env, "import", str(tmp_path / "missing.csv"), "--type", "X" * 21,
                         "--dept", "Y" * 18, "--data-dir", str(tmp_path / "d"))
    assert r.returncode == 2 and "no such file" in r.stderr
    r = ecert_in_process({}, "nonsense")
    assert r.returncode != 0 and "Traceback" not in r.stderr
