"""`ecert dept …`: departments and their signing keys (`dept client-cert` is in cli/tls.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ecert.cli.common import DataDir, Demo, cli_actor, console, platform_for
from ecert.errors import UsageError
from ecert.services import resign

app = typer.Typer(help="Departments and their signing keys", no_args_is_help=True)


@app.command("add")
def dept_add(code: Annotated[str, typer.Option("--code", help="18-char USCC")],
             name: Annotated[str, typer.Option("--name")],
             supervisor: Annotated[str | None, typer.Option("--supervisor")] = None,
             data_dir: DataDir = None, demo: Demo = False) -> None:
    """Add an issuing/using department and give it a signing key and certificate."""
    p = platform_for(data_dir, demo)
    rec = p.add_department(code.strip().upper(), name, supervisor, cli_actor())
    console.print(f"department {rec.code} {rec.name} added")


@app.command("list")
def dept_list(data_dir: DataDir = None, demo: Demo = False) -> None:
    for d in platform_for(data_dir, demo).list_departments():
        succ = f" → {d.successor_code}" if d.successor_code else ""
        console.print(f"{d.code}  {d.name}{succ}")


@app.command("rotate-key")
def dept_rotate(code: str,
                revoke: Annotated[str | None, typer.Option(
                    "--revoke", help="also revoke the old certificate: superseded|key_compromise")] = None,
                data_dir: DataDir = None, demo: Demo = False) -> None:
    """New key and certificate; the old certificate stays published for verification."""
    p = platform_for(data_dir, demo)
    rec = p.rotate_key(code, cli_actor(), revoke)
    console.print(f"new signing certificate serial {rec.serial} (x5t#S256 {rec.x5t_s256})")
    if revoke == "key_compromise":
        _resign_foreground(p)


def _resign_foreground(p: object) -> None:
    """Re-sign what the compromised key sealed, with a progress bar (resumable: a stopped run
    is continued by `ecert dept resign-status --run` or the server's housekeeping)."""
    from rich.progress import Progress

    left = len(resign.pending(p))
    with Progress(console=console) as bar:
        task = bar.add_task("re-signing", total=left)
        done = resign.run(p, cli_actor(), on_step=lambda s: bar.update(task, completed=s.done))
    console.print(f"re-signed {done.done} certificate(s) under the new key")


@app.command("resign-status")
def dept_resign_status(code: Annotated[str | None, typer.Argument()] = None,
                       run: Annotated[bool, typer.Option("--run", help="re-sign them now")] = False,
                       data_dir: DataDir = None, demo: Demo = False) -> None:
    """Certificates still sealed by a key revoked for compromise (all departments, or CODE)."""
    p = platform_for(data_dir, demo)
    left = resign.pending(p, code)
    console.print(f"{len(left)} certificate(s) left to re-sign")
    if run and left:
        _resign_foreground(p)


@app.command("succeed")
def dept_succeed(old: str, new: str, data_dir: DataDir = None, demo: Demo = False) -> None:
    """Art. 9: OLD was reorganised; NEW signs and maintains its certificates from now on."""
    p = platform_for(data_dir, demo)
    p.succeed(old, new, cli_actor())
    console.print(f"{old} is succeeded by {new}")


@app.command("seal")
def dept_seal(code: str,
              png: Annotated[Path, typer.Argument(help="PNG with a transparent background")],
              data_dir: DataDir = None, demo: Demo = False) -> None:
    """Upload a department's seal image (印章图样); checked by its content, audited."""
    from ecert.services import seals

    try:
        data = png.read_bytes()
    except OSError as exc:
        raise UsageError(f"{png}: cannot read ({exc.strerror})") from exc
    up = seals.upload_seal(platform_for(data_dir, demo), cli_actor(), code, data)
    console.print(f"seal of {up.dept_code} stored ({up.bytes} bytes, sha256 {up.sha256[:16]}…)")


@app.command("specimen")
def dept_specimen(type_code: str,
                  out: Annotated[Path, typer.Option("--out", "-o", help="PDF to write")],
                  data_dir: DataDir = None, demo: Demo = False) -> None:
    """Write a certificate type's specimen face (样本, Art. 8): watermarked, not a certificate."""
    from ecert.services import seals

    out.write_bytes(seals.specimen_pdf(platform_for(data_dir, demo), type_code))
    console.print(f"specimen of {type_code} written to {out}")
