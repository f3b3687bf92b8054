"""What every `ecert` command module shares: consoles, the data-dir options, the operator and
the platform built from settings."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from audit_log.actor import Actor
from certificate_store.db import sqlite_file
from ecert.errors import ConfigError
from ecert.platform import Platform
from ecert.settings import Settings, load_settings

console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="data directory "
                                              "(default $ECERT_DATA_DIR or ./ecert-data)")]
Demo = Annotated[bool, typer.Option("--demo", help="demo mode: generated key passphrase")]


def cli_actor() -> Actor:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "operator"
    return Actor(name=f"cli:{user}", role="admin")


def settings_for(data_dir: Path | None, demo: bool, create: bool = False) -> Settings:
    return load_settings(data_dir=data_dir, demo=demo or None, create_demo_secret=create)


def platform_for(data_dir: Path | None, demo: bool = False) -> Platform:
    s = settings_for(data_dir, demo)
    if s.database_url.startswith("sqlite"):
        # the file ECERT_DATABASE_URL names, which need not be the data dir's ecert.db
        db_file = sqlite_file(s.database_url) or s.data_dir / "ecert.db"
        if not db_file.exists():
            raise ConfigError(f"no ecert database at {db_file}; run `ecert init` first")
    return Platform(s)
