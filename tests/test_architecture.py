"""The package arrows of design.md, checked by import-linter (not by our own code)."""

from __future__ import annotations

import subprocess

from tests.conftest import REPO, tool


def test_import_contracts_are_kept() -> None:
    res = subprocess.run([tool("lint-imports"), "--no-cache"], cwd=REPO, capture_output=True,
                         text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "0 broken" in res.stdout
