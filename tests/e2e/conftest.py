"""End-to-end fixtures: the `ecert` command as a subprocess, a Go RFC 9162 checker that is not
ours, and a producer (vocational training, 人社厅) set up through the HTTP API."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import live_url  # noqa: F401  (re-exported fixture)
from tests.conftest import REPO, auth, tool

PASSPHRASE = "test-passphrase-0123456789"
TOOLS = REPO / "tests" / "tools"


def ecert(*args: str | Path, env: dict[str, str] | None = None,
          timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """Run the installed `ecert` console script; ECERT_* of the caller's environment are not
    inherited, only those in `env`."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("ECERT_")}
    base["COLUMNS"] = "200"  # rich wraps long findings otherwise
    base.update(env or {})
    return subprocess.run([tool("ecert"), *map(str, args)], env=base, capture_output=True,
                          text=True, timeout=timeout, check=False)


def platform_env(platform: Any) -> dict[str, str]:
    """The environment under which the CLI opens the same platform as the `platform` fixture."""
    return {"ECERT_DATABASE_URL": platform.settings.database_url,
            "ECERT_KEY_PASSPHRASE": PASSPHRASE, "ECERT_BASE_URL": platform.settings.base_url,
            "ECERT_STH_EVERY_N": "5"}


# -- the Go checker -----------------------------------------------------------------------------
@dataclass(frozen=True)
class GoChecker:
    binary: Path
    library: str  # which Merkle library it was built on

    def run(self, cases: list[dict[str, Any]]) -> subprocess.CompletedProcess[str]:
        import json

        return subprocess.run([str(self.binary)], input=json.dumps({"cases": cases}),
                              capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture(scope="session")
def go_checker(tmp_path_factory: pytest.TempPathFactory) -> GoChecker:
    """Builds tests/tools/rfc9162check (transparency-dev/merkle v0.0.2, pinned by go.sum) with
    `go build`. Where the Go module proxy cannot be reached (this workplace reaches only PyPI,
    Debian and npm), builds tests/tools/tlogcheck instead: golang.org/x/mod/sumdb/tlog from
    Debian's golang-golang-x-mod-dev, which needs no network. Skips only without `go`."""
    go = shutil.which("go")
    if go is None:
        pytest.skip("`go` is not installed (Debian: apt-get install golang-go "
                    "golang-golang-x-mod-dev)")
    out = tmp_path_factory.mktemp("go")
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "ecert-go"
    env = {**os.environ, "GOFLAGS": "-mod=mod", "GOPATH": str(cache / "gopath"),
           "GOCACHE": str(cache / "build"), "GOTOOLCHAIN": "local"}
    first = subprocess.run([go, "build", "-o", str(out / "rfc9162check"), "."],
                           cwd=TOOLS / "rfc9162check", env=env, capture_output=True, text=True,
                           timeout=300, check=False)
    if first.returncode == 0:
        return GoChecker(out / "rfc9162check", "github.com/transparency-dev/merkle v0.0.2")
    gocode = Path("/usr/share/gocode")
    second = subprocess.run([go, "build", "-o", str(out / "tlogcheck"), "main.go"],
                            cwd=TOOLS / "tlogcheck",
                            env={**env, "GO111MODULE": "off", "GOFLAGS": "",
                                 "GOPATH": str(gocode)},
                            capture_output=True, text=True, timeout=300, check=False)
    if second.returncode == 0:
        return GoChecker(out / "tlogcheck", "golang.org/x/mod/sumdb/tlog (Debian)")
    pytest.fail("go is installed but neither RFC 9162 checker builds.\n"
                f"rfc9162check (needs the Go module proxy):\n{first.stderr}\n"
                f"tlogcheck (needs Debian's golang-golang-x-mod-dev):\n{second.stderr}")


# -- a producer set up through the API -----------------------------------------------------------
@dataclass
class Producer:
    issuer: str
    auditor: str
    type_code: str
    dept: str
    module: Any


def setup_producer(client: Any, admin_token: str) -> Producer:
    """As an administrator would: enrol the department (and the one its type grants access
    to), add the catalog type, create an issuer and an auditor token."""
    from producers import vocational_training as mod
    from producers._common import DEPARTMENTS

    h = auth(admin_token)
    for key in ("hrss", "agriculture"):
        code, name = DEPARTMENTS[key]
        r = client.post("/api/v1/departments", json={"code": code, "name": name}, headers=h)
        assert r.status_code == 201, r.text
    r = client.post("/api/v1/catalog/types", json=mod.DEFINITION, headers=h)
    assert r.status_code == 201, r.text
    tokens = {}
    for role, dept in (("issuer", DEPARTMENTS["hrss"][0]), ("auditor", None)):
        r = client.post("/api/v1/tokens", json={"role": role, "dept": dept, "label": "e2e"},
                        headers=h)
        assert r.status_code == 201, r.text
        tokens[role] = r.json()["token"]
    return Producer(tokens["issuer"], tokens["auditor"], mod.TYPE_CODE,
                    DEPARTMENTS["hrss"][0], mod)


def issue_some(client: Any, prod: Producer, n: int, seed: int) -> list[str]:
    ids = []
    for event in prod.module.sample_events(n, seed=seed):
        data, _ = prod.module.to_request(event)
        r = client.post("/api/v1/certificates", json={"type": prod.type_code, "data": data},
                        headers=auth(prod.issuer))
        assert r.status_code == 201, r.text
        ids.append(r.json()["identifier"])
    return ids


@pytest.fixture(scope="module")
def producer(template: Any, admin_token: str) -> Producer:
    return setup_producer(template.client, admin_token)


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
