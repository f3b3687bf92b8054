"""Static checks the project holds itself to: ruff everywhere, mypy (strict on the lower
packages), and the size limits of the house style (modules, functions)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# Packages that must pass `mypy --strict`; add a package here once it does.
MYPY_STRICT = ["formats", "ca", "audit_log"]
# Packages that must pass plain `mypy` (the settings in pyproject.toml).
MYPY_PLAIN = ["certificate_store", "authority", "issuer", "verifier", "producers", "ecert"]

MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
# A longer function is allowed when a comment saying why ("# long: ...") stands on the line
# before its `def` (or before its first decorator) or opens its body.
_LONG_MARK = re.compile(r"#.*\blong:")
# Every package of ours: modules and functions stay within the limits.
SIZED_PACKAGES = ["formats", "ca", "audit_log", "certificate_store", "authority", "issuer",
                  "verifier", "producers", "ecert"]
_NOT_SIZED = ("certificate_store/migrations/",)  # generated Alembic revisions


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=600)


def test_ruff_is_clean() -> None:
    res = _run("ruff", "check", "--no-cache", ".")
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-2000:]


@pytest.fixture(scope="module")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One fresh cache for both mypy runs: the plain run reuses what the strict run already
    analysed (the third-party packages, and the strict packages, which the plain ones import)
    instead of checking it all again. mypy rechecks any module whose options differ from the
    cached ones, so sharing changes no verdict. Never the repository's own .mypy_cache."""
    return tmp_path_factory.mktemp("mypy-cache")


def test_mypy_strict(mypy_cache: Path) -> None:
    res = _run("mypy", "--strict", "--cache-dir", str(mypy_cache), *MYPY_STRICT)
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-2000:]


def test_mypy_plain(mypy_cache: Path) -> None:
    res = _run("mypy", "--cache-dir", str(mypy_cache), *MYPY_PLAIN)
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-2000:]


def _marked_long(lines: list[str], node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    # 1-based line numbers: the line before `first`, then the signature through the body's
    # first statement (comments opening the body stand before that statement).
    candidates = [first - 1, *range(node.lineno, node.body[0].lineno + 1)]
    return any(0 < n <= len(lines) and _LONG_MARK.search(lines[n - 1]) for n in candidates)


def size_offenders(packages: list[str]) -> list[str]:
    """Modules over MAX_MODULE_LINES and unmarked functions over MAX_FUNCTION_LINES (counted
    from the `def` line to the last line of the body)."""
    found: list[str] = []
    for package in packages:
        for path in sorted((REPO / package).rglob("*.py")):
            rel = path.relative_to(REPO).as_posix()
            if rel.startswith(_NOT_SIZED):
                continue
            text = path.read_text(encoding="utf-8")
            lines = text.splitlines()
            if len(lines) > MAX_MODULE_LINES:
                found.append(f"{rel}: {len(lines)} lines")
            for node in ast.walk(ast.parse(text, filename=rel)):
                if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES and not _marked_long(lines, node):
                    found.append(f"{rel}:{node.lineno} {node.name}(): {length} lines")
    return found


def test_size_limits_hold_in_every_package() -> None:
    offenders = size_offenders(SIZED_PACKAGES)
    assert not offenders, "\n".join(offenders)


def test_size_check_counts_and_honours_the_long_mark() -> None:
    body = "".join(f"    x{i} = {i}\n" for i in range(MAX_FUNCTION_LINES))
    src = f"@dec\ndef f():\n{body}\n\n# long: one table, clearer in one place\ndef g():\n{body}"
    tree = ast.parse(src)
    f, g = (n for n in tree.body if isinstance(n, ast.FunctionDef))
    lines = src.splitlines()
    assert (f.end_lineno or 0) - f.lineno + 1 == MAX_FUNCTION_LINES + 1
    assert not _marked_long(lines, f)
    assert _marked_long(lines, g)
    opened = f"def h():\n    # long: says why\n{body}"
    h = ast.parse(opened).body[0]
    assert isinstance(h, ast.FunctionDef) and _marked_long(opened.splitlines(), h)
