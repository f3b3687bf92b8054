"""A real OpenID provider for the tests: npm `oidc-provider` (tests/oidc/provider.mjs), installed
once per lock file into a cache directory with `npm ci`, started on a free loopback port."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent / "oidc"
CLIENT_ID = "ecert-platform"
CLIENT_SECRET = "test-client-secret-0123456789"  # noqa: S105 - the test provider's


def install() -> Path:
    """The provider's directory with node_modules (npm ci from the lock file, cached)."""
    lock = (HERE / "package-lock.json").read_bytes()
    root = Path(os.environ.get("ECERT_TEST_CACHE", Path.home() / ".cache" / "ecert-tests"))
    target = root / f"oidc-provider-{hashlib.sha256(lock).hexdigest()[:16]}"
    target.mkdir(parents=True, exist_ok=True)
    with open(target / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)  # one installer at a time (xdist workers, parallel runs)
        if not (target / "node_modules" / "oidc-provider" / "package.json").exists():
            for name in ("package.json", "package-lock.json"):
                shutil.copy(HERE / name, target / name)
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
                           cwd=target, check=True, timeout=600, capture_output=True)
        shutil.copy(HERE / "provider.mjs", target / "provider.mjs")
    return target


@contextlib.contextmanager
def run_provider(port: int, redirect_uris: list[str], accounts: dict[str, dict[str, Any]],
                 workdir: Path) -> Iterator[str]:
    where = install()
    config = workdir / "idp.json"
    config.write_text(json.dumps({"port": port, "client_id": CLIENT_ID,
                                  "client_secret": CLIENT_SECRET, "redirect_uris": redirect_uris,
                                  "accounts": accounts}))
    proc = subprocess.Popen(["node", str(where / "provider.mjs"), str(config)], cwd=where,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith("READY "):
            raise RuntimeError(f"the OpenID provider did not start: {line!r}")
        yield line.split()[1]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
