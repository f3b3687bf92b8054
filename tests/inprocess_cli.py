"""Command-line tools run inside the test process: the `ecert` command (the same `main()` that
`python -m ecert` runs, under the given environment) and pkilint's linters, with their output
captured. For setup steps, messages and lint verdicts, where a new interpreter (≈ 1.5 CPU-s of
imports for ecert, ≈ 0.35 for pkilint) is not what is tested; tests about an entry point itself
keep spawning the real command (tests/test_settings_cli.py, e2e/test_mtls.py's lint)."""

from __future__ import annotations

import contextlib
import gc
import io
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

# A subprocess's output is never a terminal, so it carries no colour codes; here the consoles
# may have been built while pytest ran on a terminal (`-s`): drop what they add.
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@dataclass(frozen=True)
class CliResult:
    returncode: int
    stdout: str
    stderr: str


@contextlib.contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    """os.environ as a child started with `env` would see it: no ECERT_* but those in `env`."""
    saved = dict(os.environ)
    try:
        for key in [k for k in os.environ if k.startswith("ECERT_")]:
            del os.environ[key]
        os.environ.update(env)
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def ecert_in_process(env: Mapping[str, str], *args: str) -> CliResult:
    from ecert.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    with _environment(env), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    # A command's process would end here, closing its database connections; the platform it
    # built is garbage now, and collecting it closes them (PostgreSQL counts connections).
    gc.collect()
    return CliResult(code, _ANSI.sub("", out.getvalue()), _ANSI.sub("", err.getvalue()))


def pkilint(tool: str, *args: object) -> CliResult:
    """A pkilint console script (`lint_pkix_cert`, `lint_crl`, ...) run in this process: the
    same `pkilint.bin.<tool>:main` the script calls, so the same validators and exit code
    (the number of findings at the given severity), without a new interpreter per file."""
    import importlib

    main = importlib.import_module(f"pkilint.bin.{tool}").main
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return CliResult(int(code), out.getvalue(), err.getvalue())
