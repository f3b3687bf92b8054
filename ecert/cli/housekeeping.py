"""`ecert housekeeping`: the server's periodic work, as its own process (deploy/systemd's
ecert-housekeeping.service), when the API workers run with ECERT_HOUSEKEEPING=off."""

from __future__ import annotations

import logging
import time
from typing import Annotated

import typer

from ecert.cli.common import DataDir, Demo, console, platform_for
from ecert.services.housekeeping import run_once

log = logging.getLogger("ecert.housekeeping")


def housekeeping(loop: Annotated[bool, typer.Option(
                     "--loop", help="run every --interval seconds until stopped")] = False,
                 interval: Annotated[float, typer.Option(
                     "--interval", min=1.0, help="seconds between rounds (--loop)")] = 30.0,
                 data_dir: DataDir = None, demo: Demo = False) -> None:
    """Tree heads on time, lapses, expiry reminders, overdue objections, re-signing after a
    key compromise: once, or every --interval seconds with --loop."""
    from ecert.http.logsetup import install

    p = platform_for(data_dir, demo)
    install(p.settings.log_format)
    p.open_keys()  # a wrong passphrase fails here, before the first round
    logging.getLogger().setLevel(logging.INFO)
    if not loop:
        run_once(p)
        console.print("housekeeping done")
        return
    console.print(f"housekeeping every {interval:g} s (stop with SIGTERM)")
    try:
        while True:
            try:
                run_once(p)
            except Exception:  # keep going; the next round retries (logged without values)
                log.exception("housekeeping failed")
            time.sleep(interval)
    except KeyboardInterrupt:
        return
