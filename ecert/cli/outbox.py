"""`ecert outbox …` and `ecert worker`: notifications delivered to department systems."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer

from ecert.cli.common import DataDir, Demo, cli_actor, console, err, platform_for
from ecert.services import outbox

app = typer.Typer(help="Outbox: events for department systems, their deliveries and dead letters",
                  no_args_is_help=True)


@app.command("webhook")
def outbox_webhook(dept: str, url: str, data_dir: DataDir = None, demo: Demo = False) -> None:
    """Register DEPT's receiver URL; prints the signing secret (whsec_…) once."""
    secret = outbox.set_webhook(platform_for(data_dir, demo), dept.strip().upper(), url,
                                cli_actor())
    err.print(f"webhook for {dept} set; give the receiver this secret (Standard Webhooks):")
    print(secret)


@app.command("list")
def outbox_list(state: Annotated[str | None, typer.Option(
                    "--state", help="pending|delivered|dead")] = None,
                limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 100,
                data_dir: DataDir = None, demo: Demo = False) -> None:
    """Deliveries, newest first: event, recipient, attempts, result."""
    for d in outbox.list_deliveries(platform_for(data_dir, demo), state, limit):
        console.print(f"{d.id:>5}  {d.state:<9} {d.kind:<24} {d.recipient:<24} "
                      f"attempts {d.attempts}  {d.last_result or '-'}  "
                      f"{outbox.message_id(d.dedupe_key)}")


@app.command("replay")
def outbox_replay(delivery_id: int, data_dir: DataDir = None, demo: Demo = False) -> None:
    """Send a dead (or delivered) event again, same webhook-id: the receiver recognises it."""
    rec = outbox.replay(platform_for(data_dir, demo), delivery_id, cli_actor())
    console.print(f"delivery {rec.id} ({rec.kind} → {rec.recipient}) queued again")


def worker(once: Annotated[bool, typer.Option("--once", help="one pass, then exit")] = False,
           interval: Annotated[float, typer.Option("--interval", min=0.5)] = 5.0,
           data_dir: DataDir = None, demo: Demo = False) -> None:
    """Deliver the outbox: route due events and send them, retrying with backoff."""
    p = platform_for(data_dir, demo)
    if once:
        s = outbox.run_once(p)
        console.print(f"routed {s.routed}, delivered {s.delivered}, retrying {s.retrying}, "
                      f"dead {s.dead}")
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        outbox.run_worker(p, interval, stop)
    except KeyboardInterrupt:
        stop.set()
