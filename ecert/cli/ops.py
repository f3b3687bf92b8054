"""`ecert backup` and `ecert restore` (Art. 19)."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Annotated

import typer

from audit_log import formats
from certificate_store import Store
from certificate_store import backup as store_backup
from ecert.cli.common import DataDir, Demo, cli_actor, console, err, platform_for, settings_for
from ecert.errors import UsageError
from ecert.platform import HOLDER_INDEX_KEY, ROOT_CRLS_DIR


def backup(out: Annotated[Path, typer.Argument(help="backup file (.zip)")],
           data_dir: DataDir = None, demo: Demo = False) -> None:
    """Consistent snapshot (database, encrypted keys, latest signed tree head), safe while the
    server runs. Keys stay encrypted: keep ECERT_KEY_PASSPHRASE apart from the backup."""
    p = platform_for(data_dir, demo)
    if out.exists():
        raise UsageError(f"{out} exists; choose a new file")
    tmp = out.with_name(out.name + ".partial")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        @contextlib.contextmanager
        def open_table(name: str) -> Iterator[IO[str]]:
            with zf.open(f"tables/{name}.jsonl", "w") as raw, \
                    io.TextIOWrapper(raw, encoding="utf-8", newline="\n") as fh:
                yield fh

        snap = store_backup.dump(p.store, open_table)
        tables = snap.tables
        # the newest signed head OF THE SNAPSHOT (the server may have signed another meanwhile)
        row = snap.last_rows.get("audit_tree_heads")
        head = None if row is None else formats.TreeHead(
            row["tree_size"], row["timestamp_ms"], row["root_hash"], row["signature"],
            row["key_id"])
        for key_file in sorted(p.settings.keys_dir.glob("*.key.pem")):
            zf.write(key_file, f"keys/{key_file.name}")
        for crl_file in sorted((p.settings.data_dir / ROOT_CRLS_DIR).glob("*.crl")):
            zf.write(crl_file, f"{ROOT_CRLS_DIR}/{crl_file.name}")  # the offline root's series
        zf.write(p.settings.data_dir / HOLDER_INDEX_KEY, HOLDER_INDEX_KEY)
        demo_secret = p.settings.data_dir / "demo-key-passphrase"
        if p.settings.demo and demo_secret.exists():
            zf.write(demo_secret, "demo-key-passphrase")
        manifest = {"format": store_backup.FORMAT, "created_at": p.now().isoformat(),
                    "source": p.store.dialect, "tables": tables,
                    "tree_head": formats.get_sth_json(head) if head else None}
        zf.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
    os.replace(tmp, out)
    rows = sum(t["rows"] for t in tables.values())
    console.print(f"backup written to {out}: {rows} rows, tree size "
                  f"{head.tree_size if head else 0}")


def restore(src: Annotated[Path, typer.Argument(help="backup file made by `ecert backup`")],
            data_dir: DataDir = None, demo: Demo = False) -> None:
    """Bring a backup back into a new data dir (and ECERT_DATABASE_URL, or its SQLite file)."""
    if not src.is_file():
        raise UsageError(f"{src} is not a file")
    with zipfile.ZipFile(src) as zf:
        try:
            manifest = json.loads(zf.read("manifest.json"))
        except KeyError as exc:
            raise UsageError("not an ecert backup (no manifest.json)") from exc
        if manifest.get("format") != store_backup.FORMAT:
            raise UsageError(f"unsupported backup format {manifest.get('format')!r}")
        names = set(zf.namelist())
        target = (data_dir or Path(os.environ.get("ECERT_DATA_DIR", "ecert-data"))).resolve()
        if target.exists() and any(target.iterdir()):
            raise UsageError(f"{target} is not empty; restore into a new data dir")
        target.mkdir(parents=True, exist_ok=True)
        target.chmod(0o700)
        keys_dir = target / "keys"
        keys_dir.mkdir(mode=0o700)
        for name in names:
            if name.startswith("keys/") and name.endswith(".key.pem") and "/" not in name[5:]:
                dest = keys_dir / name[5:]
                with zf.open(name) as member, open(os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                                                      0o600), "wb") as d:
                    shutil.copyfileobj(member, d)
        crls = [n for n in names if n.startswith(ROOT_CRLS_DIR + "/") and n.endswith(".crl")
                and "/" not in n[len(ROOT_CRLS_DIR) + 1:]]
        if crls:
            (target / ROOT_CRLS_DIR).mkdir(mode=0o700)
        for name in crls:
            (target / name).write_bytes(zf.read(name))
        if HOLDER_INDEX_KEY in names:
            index_key = target / HOLDER_INDEX_KEY
            with open(os.open(index_key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as d:
                d.write(zf.read(HOLDER_INDEX_KEY))
        if "demo-key-passphrase" in names:
            secret = target / "demo-key-passphrase"
            secret.write_bytes(zf.read("demo-key-passphrase"))
            secret.chmod(0o600)
        s = settings_for(target, demo or "demo-key-passphrase" in names)
        from ecert.platform import holder_index_key

        store = Store(s.database_url, holder_key=holder_index_key(s.data_dir))
        store.create_schema()

        @contextlib.contextmanager
        def open_table(name: str) -> Iterator[IO[str]]:
            member = f"tables/{name}.jsonl"
            if member not in names:
                yield io.StringIO("")
                return
            with zf.open(member) as raw, io.TextIOWrapper(raw, encoding="utf-8") as fh:
                yield fh

        store_backup.load(store, open_table, manifest["tables"])
        store.dispose()
    head = manifest.get("tree_head") or {}
    console.print(f"restored into {target}; tree size {head.get('tree_size', 0)}, root "
                  f"{head.get('sha256_root_hash', '-')}. Run `ecert audit verify` to check it.")


def upgrade(data_dir: DataDir = None, demo: Demo = False) -> None:
    """Migrate the database to this version's schema (Alembic; safe to repeat). Take a backup
    first. `ecert serve` and `ecert init` also migrate on start; this says what it did."""
    s = settings_for(data_dir, demo)
    from ecert.platform import holder_index_key

    store = Store(s.database_url, holder_key=holder_index_key(s.data_dir))
    try:
        before, head = store.schema_revision()
        if before == head:
            console.print(f"schema already at revision {head}")
            return
        store.create_schema()
        after, _ = store.schema_revision()
    finally:
        store.dispose()
    console.print(f"schema upgraded from revision {before or '(none)'} to {after}. "
                  "Run `ecert audit verify` to check the data.")


def _utc(now: dt.datetime) -> dt.datetime:
    return now.astimezone(dt.UTC)


__all__ = ["backup", "restore", "upgrade", "cli_actor", "err"]
