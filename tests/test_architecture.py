"""The package arrows of design.md, checked by import-linter (not by our own code), and the
shape of ecert/: edges (http/, cli/) over services over the composition root."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
import tomllib

from certificate_store.db import sqlite_file
from tests.conftest import REPO, tool

WEB_STACK = ("fastapi", "starlette", "uvicorn")


def test_import_contracts_are_kept() -> None:
    res = subprocess.run([tool("lint-imports"), "--no-cache"], cwd=REPO, capture_output=True,
                         text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "0 broken" in res.stdout


def _loaded_after(imports: str) -> set[str]:
    code = f"import sys\n{imports}\nprint('\\n'.join(sorted(sys.modules)))"
    res = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                         timeout=120, check=True)
    return {m.split(".")[0] for m in res.stdout.split()}


def test_platform_and_cli_load_no_web_framework() -> None:
    """What import-linter says, at run time: the CLI and Platform start without the web stack
    (only `ecert serve`/`ecert demo` load it, when they run)."""
    loaded = _loaded_after("import ecert.platform, ecert.services.verification, "
                           "ecert.services.holder, ecert.services.audit, ecert.services.pki, "
                           "ecert.services.housekeeping, ecert.services.clientcerts, "
                           "ecert.services.realname, ecert.services.witness, ecert.cli.main")
    assert not loaded & set(WEB_STACK)


def test_entry_points_resolve() -> None:
    """The console script, the uvicorn factory and the `--http` protocol class the docs name."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    targets = [project["scripts"]["ecert"], "ecert.asgi:create",
               "ecert.http.tls:ClientCertH11Protocol"]
    for target in targets:
        module, _, name = target.partition(":")
        assert callable(getattr(importlib.import_module(module), name)), target
    main = (REPO / "ecert" / "__main__.py").read_text()
    assert f"from {project['scripts']['ecert'].replace(':', ' import ')}" in main


def test_every_cli_module_is_registered_explicitly() -> None:
    """No discovery by importlib: cli/main.py imports each command module by name."""
    tree = ast.parse((REPO / "ecert" / "cli" / "main.py").read_text())
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
                and n.module == "ecert.cli" for a in n.names}
    modules = {p.stem for p in (REPO / "ecert" / "cli").glob("*.py")} - {"__init__", "main",
                                                                         "common"}
    assert modules == imported
    assert "importlib" not in (REPO / "ecert" / "cli" / "main.py").read_text()


def test_routes_take_the_platform_as_a_typed_dependency() -> None:
    for path in (REPO / "ecert" / "http" / "routes").glob("*.py"):
        assert "app.state.platform" not in path.read_text(), path.name


def test_page_assets_are_package_data() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["ecert.http"]
    http = REPO / "ecert" / "http"
    assets = {p for d in ("static", "templates") for p in (http / d).rglob("*") if p.is_file()}
    assert assets
    # setuptools expands each pattern as a glob (no recursion through "*")
    shipped = {p for pat in patterns for p in http.glob(pat)}
    assert sorted(a.relative_to(http).as_posix() for a in assets - shipped) == []


def test_sqlite_file_names_the_database_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert sqlite_file(f"sqlite:///{tmp_path / 'x.db'}") == tmp_path / "x.db"
    assert sqlite_file("sqlite://") is None
    assert sqlite_file("postgresql+psycopg://postgres@127.0.0.1:5432/test") is None
