"""`ecert archive-pdfs`: archive time stamps (PAdES B-LTA) on the kept PDFs that are due, in
batches, until none is left (the housekeeping round does one batch per round)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from ecert.cli.common import DataDir, Demo, console, platform_for
from ecert.services import pdfarchive
from issuer.pdfarchive import ArchivePolicy

_DEFAULT = ArchivePolicy()


def archive_pdfs(
        batch: Annotated[int, typer.Option("--batch", min=1, help="documents per batch")] = 20,
        restamp_after_days: Annotated[int, typer.Option(
            "--restamp-after-days", min=1,
            help="stamp again when the last archive stamp is older")] =
        _DEFAULT.restamp_after.days,
        tsa_margin_days: Annotated[int, typer.Option(
            "--tsa-margin-days", min=0,
            help="stamp again when the last stamp's TSA certificate expires within")] =
        _DEFAULT.tsa_margin.days,
        data_dir: DataDir = None, demo: Demo = False) -> None:
    """Make the archived copies of kept PDFs that have none and stamp again those that are
    due; each document is stored with its audit entry at once, so a run may be stopped at any
    time and started again."""
    p = platform_for(data_dir, demo)
    policy = ArchivePolicy(dt.timedelta(days=restamp_after_days),
                           dt.timedelta(days=tsa_margin_days))

    def progress(t: pdfarchive.ArchiveRun) -> None:
        console.print(f"archived {t.archived}, stamped again {t.restamped}, failed {t.failed}, "
                      f"skipped {t.skipped}")
        console.file.flush()

    total = pdfarchive.run_all(p, policy, batch, progress)
    console.print(f"done: {total.done} archived copies made or stamped again"
                  + (f", {total.failed} failed (retried by the next run)" if total.failed else ""))
