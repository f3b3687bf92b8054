"""tests/inprocess_cli.py runs command-line tools inside the test process; what they answer
there must be what their installed scripts answer in a process of their own."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import tool
from tests.inprocess_cli import ecert_in_process, pkilint


def test_pkilint_in_process_answers_as_its_script(tmp_path: Path) -> None:
    # openssl's default self-signed certificate has RFC 5280 findings at WARNING (exit 1).
    cert = tmp_path / "c.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", str(tmp_path / "k.pem"),
                    "-out", str(cert), "-subj", "/CN=x", "-days", "2"],
                   check=True, capture_output=True)
    script = subprocess.run([tool("lint_pkix_cert"), "lint", "-s", "WARNING", str(cert)],
                            capture_output=True, text=True, timeout=120, check=False)
    here = pkilint("lint_pkix_cert", "lint", "-s", "WARNING", cert)
    assert script.returncode != 0
    assert (here.returncode, here.stdout) == (script.returncode, script.stdout)


def test_ecert_in_process_sees_only_the_given_ecert_settings(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A passphrase in the test process's own environment does not leak into the command.
    monkeypatch.setenv("ECERT_KEY_PASSPHRASE", "p" * 20)
    r = ecert_in_process({}, "init", "--data-dir", str(tmp_path / "d"))
    assert r.returncode == 2 and "ECERT_KEY_PASSPHRASE" in r.stderr
    r = ecert_in_process({"ECERT_KEY_PASSPHRASE": "q" * 20}, "init", "--data-dir",
                         str(tmp_path / "d"))
    assert r.returncode == 0 and "ecert initialised" in r.stdout, r.stdout + r.stderr
    assert os.environ["ECERT_KEY_PASSPHRASE"] == "p" * 20  # restored afterwards
