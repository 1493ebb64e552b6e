"""The static export: every current procedure as plain HTML files with offline search.

`flask procedures export-static OUTDIR [--zip]` writes:

    index.html                 the library list (all current procedures, by category)
    search.html                offline search (static/js/offline-search.js over search/)
    procedures/<name>.html     one page per procedure, from the same templates as the site
    search/*.js                the sharded substring index (static_search.build_static_index)
    static/css/*, static/js/*  the stylesheets and scripts the pages use

Links are relative, so the copy opens from a web server and from file:// alike, and nothing is
fetched from elsewhere. Each page says in its header that it is an offline copy, with the export
date and the revision. The offline search is built from `search.export_entries`, the same text
the live search matches, so both find the same clauses.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app, render_template

from portal.core.clock import local_now
from portal.extensions import db
from portal.procedures import services
from portal.procedures.models import Procedure, Revision, current_procedures
from portal.search import index as search
from portal.search.static import build_static_index, export_documents

STATIC_FILES = (
    "css/portal.css",
    "css/procedures.css",
    "css/search.css",
    "js/portal.js",
    "js/offline-search.js",
)
PAGES_DIR = "procedures"
LAYOUT = "procedures/static/base.html"
SEARCH_PAGE = "procedures/static/search.html"
# A fixed timestamp inside the zip, so the same export gives the same archive.
ZIP_DATE = (2020, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class StaticExport:
    """What the templates see as `static_export`: where the site root is from this page."""

    root: str  # "" for a page at the top, "../" for one in procedures/
    date: str
    revision: str  # the page's revision label ("" on index and search pages)
    files: dict[str, str]  # procedure code -> page path from the site root

    def page_url(self, code: str) -> str:
        return f"{self.root}{self.files[code]}"


@dataclass
class ExportResult:
    outdir: Path
    procedures: int = 0
    clauses: int = 0
    files: int = 0
    bytes: int = 0
    index: dict = field(default_factory=dict)
    archive: Path | None = None


def page_names(codes: list[str]) -> dict[str, str]:
    """procedures/<name>.html for each code: ASCII, unique, stable (a hash settles clashes of
    codes that differ only in characters the name cannot keep)."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for code in sorted(codes):
        stem = re.sub(r"[^a-z0-9._-]+", "-", code.lower()).strip("-.") or "procedure"
        if stem in taken:
            stem = f"{stem}-{hashlib.sha1(code.encode()).hexdigest()[:8]}"
        taken.add(stem)
        names[code] = f"{PAGES_DIR}/{stem}.html"
    return names


def export_static(outdir: Path | str, *, make_zip: bool = False) -> ExportResult:
    """Write the static site into `outdir` (its earlier pages are replaced); optionally pack it
    into `<outdir>.zip` too. Needs an app context; renders in a request context of its own."""
    outdir = Path(outdir)
    rows = db.session.execute(
        current_procedures(show_hidden=True).with_only_columns(Procedure.code, Revision.id)
    ).all()
    files = page_names([code for code, _ in rows])
    date = local_now().date().isoformat()
    result = ExportResult(outdir, procedures=len(rows))
    (outdir / PAGES_DIR).mkdir(parents=True, exist_ok=True)
    with current_app.test_request_context("/"):
        for code, revision_id in rows:
            revision = db.session.get(Revision, revision_id)
            export = StaticExport("../", date, revision.label or "—", files)
            _write(outdir / files[code], _procedure_page(revision, export))
            result.clauses += len(revision.clauses)
            db.session.expunge_all()  # keep memory flat over a thousand procedures
        top = StaticExport("", date, "", files)
        _write(outdir / "index.html", _index_page(top))
        _write(outdir / "search.html", render_template(SEARCH_PAGE, static_export=top))
    _remove_stale_pages(outdir, set(files.values()))
    _copy_static(outdir)
    entries = search.export_entries(lambda code: files[code])
    documents = export_documents(lambda code: files[code])  # the procedures as hits of their own
    result.index = build_static_index(entries, outdir / "search", documents)
    site = [p for p in outdir.rglob("*") if p.is_file()]
    result.files, result.bytes = len(site), sum(p.stat().st_size for p in site)
    if make_zip:
        result.archive = zip_site(outdir)
    return result


def _procedure_page(revision: Revision, export: StaticExport) -> str:
    view = services.reading_view(revision, None, page_url=export.page_url)
    html = render_template("procedures/detail.html", view=view, layout=LAYOUT, static_export=export)
    return _offline_links(html)


def _index_page(export: StaticExport) -> str:
    library = services.library_index(None, show_hidden=True)
    html = render_template("procedures/static/index.html", library=library, static_export=export)
    return _offline_links(html)


def _offline_links(html: str) -> str:
    """A site-absolute link left in the text (e.g. one written in a procedure's Markdown) cannot
    open offline: point it at the portal itself."""
    base = current_app.config.get("PORTAL_BASE_URL", "").rstrip("/")
    return html.replace('href="/', f'href="{base}/') if base else html


def _write(path: Path, html: str) -> None:
    path.write_text(html, encoding="utf-8")


def _remove_stale_pages(outdir: Path, pages: set[str]) -> None:
    """Pages of procedures no longer in force, left by an earlier export into the same folder."""
    for old in (outdir / PAGES_DIR).glob("*.html"):
        if f"{PAGES_DIR}/{old.name}" not in pages:
            old.unlink()


def _copy_static(outdir: Path) -> None:
    static = Path(current_app.static_folder)
    for name in STATIC_FILES:
        target = outdir / "static" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(static / name, target)


def zip_site(outdir: Path, progress: Callable[[Path], None] | None = None) -> Path:
    """Pack the site into `<outdir>.zip` with one top folder, files in a stable order."""
    archive = outdir.with_name(outdir.name + ".zip")
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(p for p in outdir.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(f"{outdir.name}/{path.relative_to(outdir).as_posix()}", ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes())
            if progress:
                progress(path)
    return archive
