"""`flask procedures ...`: load the Markdown procedures, import legacy text pages, export the
static site, rebuild the search index."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from portal.core.sqlite import write_intent
from portal.extensions import db
from portal.procedures import services
from portal.procedures.markdown import MarkdownError

procedures_cli = AppGroup(
    "procedures", help="Procedure library: load Markdown, import text, export a static copy."
)

# Below this many files a progress bar is noise.
PROGRESS_MIN_FILES = 3


def _expand(paths: tuple[str, ...]) -> list[Path]:
    """Files as given, folders as their *.txt files (sorted, so runs are reproducible)."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        files.extend(sorted(path.glob("*.txt")) if path.is_dir() else [path])
    return files


def _read(paths: list[Path]):
    for path in paths:
        yield path.name, path.read_bytes()


@procedures_cli.command("load")
@click.argument("directory", required=False, type=click.Path(exists=True, file_okay=False))
def load(directory):
    """Load the Markdown procedures of DIRECTORY (default docs/procedures); idempotent."""
    try:
        with write_intent():  # the server may be writing too: queue for the lock up front
            results = services.load_markdown_dir(directory or services.DOCS_DIR)
            db.session.commit()
    except MarkdownError as exc:
        raise click.ClickException(str(exc)) from exc
    for result in results:
        revision = result.revision
        click.echo(
            f"{result.procedure.code:<12} {revision.label:<6} {result.status:<9} "
            f"{len(revision.clauses):>3} clauses  {result.procedure.title}"
        )


@procedures_cli.command("import")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--dry-run", is_flag=True, help="Parse only; touch no table.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option(
    "--score",
    "score_dir",
    type=click.Path(exists=True, file_okay=False),
    help="Parse DIR's *.txt only and score them against their *.expected.yaml.",
)
@click.option(
    "--expected",
    "expected_dir",
    type=click.Path(exists=True, file_okay=False),
    help="With --score: where the *.expected.yaml files are (default: beside the texts).",
)
@click.option(
    "--issue",
    is_flag=True,
    help="Documents already in force on paper: issue them at once (default: drafts).",
)
def import_(paths, dry_run, as_json, score_dir, expected_dir, issue):
    """Import legacy text pages (files, or folders of *.txt) as drafts, or issued (--issue)."""
    if score_dir:
        _score(Path(score_dir), expected_dir and Path(expected_dir), as_json)
        return
    if not paths:
        raise click.UsageError("give files or folders to import, or --score DIR")
    files = _expand(paths)
    if dry_run:
        report = services.dry_run(_read(files))
        if as_json:
            click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        else:
            for doc in report["documents"]:
                click.echo(f"{doc['title']}  ({len(doc['clauses'])} top-level clauses)")
        _fail_on(report.get("errors", []))
        return
    with write_intent():
        results = _import_with_progress(files, quiet=as_json, issue=issue)
        db.session.commit()
    _report(results, as_json)
    _fail_on([{"file": r.name, "error": r.error} for r in results if not r.ok])


def _score(directory: Path, expected_dir: Path | None, as_json: bool) -> None:
    """Print the importer's figures over a folder of texts with expected outlines; no table."""
    from portal.procedures.importer.score import score_directory

    score = score_directory(directory, expected_dir)
    if not score.files:
        raise click.ClickException(f"no *.txt with a *.expected.yaml in {directory}")
    if as_json:
        payload = {name: value for name, value, _ in score.figures()}
        click.echo(json.dumps({**payload, "failures": score.failures}, ensure_ascii=False))
        return
    click.echo(f"{score.files} files, {score.documents_expected} documents expected")
    for name, value, unit in score.figures():
        click.echo(f"{name:<17} {value} {unit}")
    for failure in score.failures:
        click.echo(f"  {failure}")


def _import_with_progress(files: list[Path], quiet: bool, issue: bool = False):
    if quiet or len(files) < PROGRESS_MIN_FILES:
        return services.import_legacy_files(_read(files), issue=issue)
    with click.progressbar(length=len(files), label="Importing", file=sys.stderr) as bar:
        return services.import_legacy_files(
            _read(files), progress=lambda _: bar.update(1), issue=issue
        )


def _report(results, as_json: bool) -> None:
    if as_json:
        payload = {
            "files": [
                {
                    "file": r.name,
                    "error": r.error,
                    "documents": [
                        {
                            "code": d.procedure.code,
                            "title": d.procedure.title,
                            "status": d.status,
                            "clauses": d.clause_count,
                        }
                        for d in r.documents
                    ],
                }
                for r in results
            ]
        }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    for r in results:
        if not r.ok:
            continue
        click.echo(f"{r.name}: {len(r.documents)} documents, {r.warning_count} warnings")
        for d in r.documents:
            click.echo(f"  {d.procedure.code:<14} {d.status:<9} {d.procedure.title}")


def _fail_on(errors: list[dict]) -> None:
    """Bad files: a clear message on stderr and exit status 1 (the good files are imported)."""
    for error in errors:
        click.echo(f"error: {error['error']}", err=True)
    if errors:
        raise click.exceptions.Exit(1)


@procedures_cli.command("export-static")
@click.argument("outdir", type=click.Path(file_okay=False))
@click.option("--zip", "make_zip", is_flag=True, help="Also pack the site into OUTDIR.zip.")
def export_static(outdir, make_zip):
    """Write every current procedure as static HTML with offline search into OUTDIR."""
    from portal.procedures.export import export_static as export

    result = export(Path(outdir), make_zip=make_zip)
    index = result.index
    click.echo(
        f"{result.procedures} procedures, {result.clauses} clauses: {result.files} files, "
        f"{result.bytes / 1024:.0f} KB in {result.outdir}"
    )
    click.echo(f"offline search index: {index['files']} files, {index['bytes'] / 1024:.0f} KB")
    if result.archive:
        click.echo(f"archive: {result.archive} ({result.archive.stat().st_size / 1024:.0f} KB)")


@procedures_cli.command("reindex")
def reindex():
    """Rebuild the search index from the stored revisions (after a restore, or to repair it)."""
    from portal.search import index as search

    with write_intent():
        count = search.reindex_all()
        db.session.commit()
    click.echo(f"search index: {count} clauses")
