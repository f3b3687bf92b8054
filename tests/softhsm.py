"""A real SoftHSM2 token in a temporary directory, for the PKCS#11 tests."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

MODULE = "/usr/lib/softhsm/libsofthsm2.so"
AVAILABLE = Path(MODULE).exists() and shutil.which("softhsm2-util") is not None


@contextlib.contextmanager
def softhsm_token(directory: Path, label: str, pin: str, so_pin: str) -> Iterator[Path]:
    """Initialise a token and point SOFTHSM2_CONF at it for the duration; yields the conf."""
    (directory / "tokens").mkdir()
    conf = directory / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {directory / 'tokens'}\n"
                    "objectstore.backend = file\nlog.level = ERROR\n")
    old = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    try:
        subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", label,
                        "--pin", pin, "--so-pin", so_pin], check=True, capture_output=True)
        yield conf
    finally:
        if old is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = old
