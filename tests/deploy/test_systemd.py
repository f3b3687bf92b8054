"""deploy/systemd: `systemd-analyze verify` and `security` on the shipped units, and ecert
reading its key passphrase as a systemd credential ($CREDENTIALS_DIRECTORY).

systemd is not PID 1 in this container, so the units are checked offline against a root
directory (`--root`): the machine's own unit directory copied in (for sysinit.target, …) and
an executable stub where each ExecStart= points, since verify checks the commands exist.
The units started for real under a booted systemd: `./dev drill` (docs/operations-drill.md)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.deploy.conftest import Stack

UNITS = REPO / "deploy" / "systemd"
HARDENING = ("NoNewPrivileges=yes", "ProtectSystem=strict", "PrivateTmp=yes", "User=ecert")
# systemd-analyze security's scale: 0 (locked down) … 10 (exposed); "OK" is below 5
MAX_EXPOSURE = {"ecert.service": 2.0, "ecert-housekeeping.service": 2.0,
                "ecert-backup.service": 2.5, "ecert-crl.service": 6.5}


def _analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        pytest.skip("systemd-analyze is missing (Debian: apt-get install systemd)")
    return found


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    r = tmp_path_factory.mktemp("sysroot")
    units = r / "etc" / "systemd" / "system"
    units.mkdir(parents=True)
    system = Path("/usr/lib/systemd/system")
    if not system.is_dir():
        system = Path("/lib/systemd/system")
    shutil.copytree(system, r / "usr" / "lib" / "systemd" / "system", symlinks=True)
    for unit in UNITS.glob("*.service"):
        for line in unit.read_text().splitlines():
            for key in ("ExecStart=", "ExecStartPost=", "ExecStartPre="):
                if line.startswith(key):
                    exe = r / line.removeprefix(key).split()[0].lstrip("/")
                    exe.parent.mkdir(parents=True, exist_ok=True)
                    exe.write_text("#!/bin/sh\n")
                    exe.chmod(0o755)
    for unit in (*UNITS.glob("*.service"), *UNITS.glob("*.timer")):
        shutil.copy(unit, units / unit.name)
    sysusers = r / "usr" / "lib" / "sysusers.d"
    sysusers.mkdir(parents=True)
    shutil.copy(UNITS / "ecert.sysusers.conf", sysusers / "ecert.conf")
    return r


def test_units_verify_cleanly(root: Path) -> None:
    units = sorted(str(p.relative_to(root)) for p in (root / "etc/systemd/system").iterdir())
    assert len(units) == 6
    res = subprocess.run([_analyze(), "verify", "--man=no", f"--root={root}", *units],
                         cwd=root, capture_output=True, text=True, timeout=120)
    # verify exits 0 on mere warnings ("Failed to parse …, ignoring"): none is accepted
    assert res.returncode == 0 and res.stderr.strip() == "", res.stderr


def test_units_are_hardened(root: Path) -> None:
    for name, limit in MAX_EXPOSURE.items():
        text = (UNITS / name).read_text()
        if name != "ecert-crl.service":  # reloads nginx: root, but writes only /etc/ecert/tls
            assert all(h in text for h in HARDENING), name
        res = subprocess.run([_analyze(), "security", "--offline=yes", f"--root={root}",
                              "--no-pager", name], cwd=root, capture_output=True, text=True,
                             timeout=120)
        found = re.search(r"Overall exposure level for \S+: (\d+\.\d)", res.stdout + res.stderr)
        assert found, res.stdout + res.stderr
        assert float(found[1]) <= limit, (name, found[1])
    api = (UNITS / "ecert.service").read_text()
    assert "--workers 4" in api and "ECERT_HOUSEKEEPING=off" in api
    assert "StateDirectory=ecert" in api and "LoadCredential=ecert-key-passphrase:" in api
    assert "ECERT_KEY_PASSPHRASE" not in api  # the secret is a credential, not environment
    assert "housekeeping --loop" in (UNITS / "ecert-housekeeping.service").read_text()


def test_sysusers_declares_the_dedicated_user(root: Path) -> None:
    sysusers = shutil.which("systemd-sysusers")
    if sysusers is None:
        pytest.skip("systemd-sysusers is missing")
    res = subprocess.run([sysusers, f"--root={root}", "--dry-run"], capture_output=True,
                         text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert "ecert" in res.stdout + res.stderr


def test_passphrase_from_credentials_directory(stack: Stack, tmp_path: Path) -> None:
    """As under LoadCredential=: no ECERT_KEY_PASSPHRASE, the secret in a credential file;
    `ecert housekeeping` (the worker unit's command) opens the platform with it."""
    creds = tmp_path / "creds"
    creds.mkdir(mode=0o700)
    (creds / "ecert-key-passphrase").write_text(stack.env["ECERT_KEY_PASSPHRASE"] + "\n")
    env = {k: v for k, v in stack.env.items() if k != "ECERT_KEY_PASSPHRASE"}
    env["CREDENTIALS_DIRECTORY"] = str(creds)
    res = subprocess.run([sys.executable, "-m", "ecert", "housekeeping"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "housekeeping done" in res.stdout
    (creds / "ecert-key-passphrase").write_text("wrong-passphrase-0123456789")
    res = subprocess.run([sys.executable, "-m", "ecert", "housekeeping"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode != 0
    assert "Traceback" not in res.stderr


def test_settings_read_the_credential(tmp_path: Path) -> None:
    from ecert.errors import ConfigError
    from ecert.settings import load_settings

    (tmp_path / "ecert-key-passphrase").write_text("from-a-credential-0123\n")
    s = load_settings({"ECERT_DATA_DIR": str(tmp_path / "d"),
                       "CREDENTIALS_DIRECTORY": str(tmp_path)})
    assert s.key_passphrase == b"from-a-credential-0123"
    env = {"ECERT_DATA_DIR": str(tmp_path / "d"), "ECERT_KEY_PASSPHRASE": "from-environment-0123",
           "CREDENTIALS_DIRECTORY": str(tmp_path)}
    assert load_settings(env).key_passphrase == b"from-environment-0123"
    with pytest.raises(ConfigError):
        load_settings({"ECERT_DATA_DIR": str(tmp_path / "d"),
                       "CREDENTIALS_DIRECTORY": str(tmp_path / "none")})
