"""`ecert catalog|issue|import|identifier|archive|pdf`: issuing and checking from a shell."""

from __future__ import annotations

import gc
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from audit_log.actor import Actor
from ecert.cli.common import DataDir, Demo, cli_actor, console, err, platform_for
from ecert.errors import UsageError
from ecert.services import issuing

catalog_app = typer.Typer(help="Certificate types (证照目录, Art. 8)", no_args_is_help=True)
identifier_app = typer.Typer(help="GB/T 36904 identifiers", no_args_is_help=True)

Dept = Annotated[str, typer.Option("--dept", help="issuing department USCC (acts as issuer)")]


def _issuer(dept: str) -> Actor:
    base = cli_actor()
    return Actor(name=base.name, role="issuer", dept_code=dept.strip().upper())


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise UsageError(f"{path}: no such file") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: not valid UTF-8 JSON ({exc})") from exc


@catalog_app.command("add")
def catalog_add(file: Path, data_dir: DataDir = None, demo: Demo = False) -> None:
    """Add a type definition (JSON) or a new version of it."""
    p = platform_for(data_dir, demo)
    t = issuing.add_type(p, _read_json(file), cli_actor())
    console.print(f"type {t.type_code} {t.name} version {t.version} added")


@catalog_app.command("list")
def catalog_list(data_dir: DataDir = None, demo: Demo = False) -> None:
    p = platform_for(data_dir, demo)
    for t in issuing.list_types(p):
        console.print(f"{t.type_code}  v{t.version}  {t.name}  (defined by {t.defining_dept})")


@catalog_app.command("show")
def catalog_show(type_code: str, data_dir: DataDir = None, demo: Demo = False) -> None:
    p = platform_for(data_dir, demo)
    print(json.dumps(dict(issuing.get_type(p, type_code).definition), ensure_ascii=False, indent=2))


def issue(type_code: Annotated[str, typer.Argument(help="type code")],
          data: Annotated[Path, typer.Option("--data", help="JSON: {holder, fields, valid_from?, "
                                                           "valid_to?, licence_number?}")],
          dept: Dept, data_dir: DataDir = None, demo: Demo = False) -> None:
    """Issue one certificate; prints its identifier and QR URL."""
    p = platform_for(data_dir, demo)
    issued = issuing.issue(p, _issuer(dept), type_code, _read_json(data))
    console.print(f"issued {issued.certificate.identifier}")
    print(issued.qr_url)


def import_(file: Path, type_code: Annotated[str, typer.Option("--type")], dept: Dept,
            rejects: Annotated[Path | None, typer.Option("--rejects")] = None,
            processes: Annotated[int | None, typer.Option(
                "--processes", min=1, help="processes in all: the others validate and draft "
                "records while this one signs and writes (default: 2 where a core is idle, "
                "else 1)")] = None,
            data_dir: DataDir = None, demo: Demo = False) -> None:
    """Digitise certificates already in force from CSV or JSONL: resumable and idempotent;
    rejected rows go to a rejects file with their reason."""
    from ecert.services.importing import default_processes, drive_import
    from issuer.imports import ImportProgress

    if not file.is_file():
        raise UsageError(f"{file}: no such file")
    p = platform_for(data_dir, demo)
    with Progress(TextColumn("[bold]导入 import"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("issued {task.fields[issued]} skipped {task.fields[skipped]} "
                             "rejected {task.fields[rejected]}"), TimeRemainingColumn(),
                  console=err) as bar:
        task = bar.add_task("import", total=None, issued=0, skipped=0, rejected=0)

        def progress(pr: ImportProgress) -> None:
            bar.update(task, completed=pr.rows_done, total=pr.rows_total, issued=pr.issued,
                       skipped=pr.skipped, rejected=pr.rejected)

        # What is alive now (modules, the ORM's metadata, settings) lives until the command
        # ends: the collector need not scan it again at every batch (≈ 10 % of an import's CPU)
        gc.freeze()
        result = drive_import(p.writing, p.issuance, file, type_code, _issuer(dept), p.now,
                              progress=progress, rejects_path=rejects,
                              processes=processes or default_processes())
    note = " (resumed)" if result.resumed_from else ""
    console.print(f"job {result.job_id}{note}: {result.rows_done} rows, {result.issued} issued, "
                  f"{result.skipped} already present, {result.rejected} rejected "
                  f"in {result.seconds:.1f}s")
    if result.rejected:
        console.print(f"rejected rows and reasons: {result.rejects_path}")


@identifier_app.command("check")
def identifier_check(identifiers: list[str]) -> None:
    """Whether each identifier is well formed and whether its check character is standard."""
    from formats.identifiers import check_identifiers

    reports = check_identifiers(identifiers)
    for rep in reports:
        mark = ("[green]ok[/green]" if rep.ok else "[red]malformed[/red]" if rep.malformed
                else "[yellow]flagged[/yellow]")
        console.print(f"{mark}  {rep.input}  {'; '.join(rep.problems)}")
    if any(rep.malformed for rep in reports):
        raise typer.Exit(1)


def archive(out: Annotated[Path, typer.Argument(help="output .zip")],
            dept: Annotated[str | None, typer.Option("--dept")] = None,
            identifier: Annotated[str | None, typer.Option("--id")] = None,
            data_dir: DataDir = None, demo: Demo = False) -> None:
    """Archive a department's certificates (or one): every version, JWS, status history,
    audit inclusion proofs and the signed tree head, verifiable offline (Art. 10, 11)."""
    if (dept is None) == (identifier is None):
        raise UsageError("give exactly one of --dept or --id")
    p = platform_for(data_dir, demo)
    result = issuing.archive(p, str(dept or identifier), out, cli_actor())
    console.print(f"{out}: {result.certificates} certificates, {result.versions} versions, "
                  f"{result.proven_entries}/{result.audit_entries} audit entries with proofs")


def pdf(identifier: str, out: Annotated[Path, typer.Argument(help="output .pdf")],
        archived: Annotated[bool, typer.Option("--archived", help="PAdES B-LTA")] = False,
        data_dir: DataDir = None, demo: Demo = False) -> None:
    """Write the signed PDF of a certificate's current version (made once, then cached)."""
    p = platform_for(data_dir, demo)
    what = "pdf-archived" if archived else "pdf"
    out.write_bytes(issuing.document(p, None, identifier, what).data)
    console.print(f"{out} written")
