"""Procedure library services: permissions, loaders and the small API other domains use
(`get_current_revision`, `procedure_deadlines`, `clause_url`, `find_clauses`,
`recently_revised`), and the demo loader.

The library's work lives along its seams, one module each: `revisions` (storing, Markdown,
diffs), `legacy` (imports), `library` (reading and the index), `reading` (acknowledgements and
required reading), `authoring` (the form editor), `publishing` (document control). Their public
names are re-exported here, so callers may keep writing `services.<name>`.

Services flush; the caller (a view or a CLI command) commits once.
"""

from __future__ import annotations

import os
from pathlib import Path

from portal.procedures import publishing
from portal.procedures.departments import department_heads, department_names
from portal.procedures.legacy import (
    LEGACY_CATEGORY,
    LEGACY_ISSUE_NOTE,
    FileResult,
    derive_code,
    dry_run,
    import_legacy_files,
    legacy_code,
    parse_legacy,
    store_legacy_file,
)
from portal.procedures.library import (
    ClauseNode,
    IndexRow,
    LibraryIndex,
    ReadingView,
    clause_nodes,
    library_index,
    name_links,
    reading_key,
    reading_view,
    recent_revisions_panel,
    toc_entries,
)
from portal.procedures.models import (
    Revision,
)
from portal.procedures.reading import (
    Acknowledgements,
    acknowledge,
    acknowledgements,
    read_revision_ids,
)
from portal.procedures.revisions import (
    DOCS_DIR,
    FULL_WIDTH_BRACKETS,
    SELF_CITING_STYLES,
    DiffView,
    Preview,
    RevisionData,
    StoreResult,
    _document_html,
    _insert_clauses,
    _markdown_data,
    citation_text,
    clause_rows,
    clause_tree,
    clause_url,
    content_hash,
    diff_pair,
    edit_start_text,
    export_filename,
    export_markdown,
    find_clauses,
    get_current_revision,
    get_procedure,
    get_procedure_or_404,
    get_revision_or_404,
    get_revision_or_current,
    get_shown_revision_or_404,
    load_markdown,
    load_markdown_dir,
    preview_markdown,
    procedure_deadlines,
    publish_revision,
    recently_revised,
    revision_diff,
    shown_revision,
    store_revision,
)

# -- permissions (predicates shared by views and templates) -----------------------------------


def can_manage(user) -> bool:
    """Import, view source, edit and publish: system administrators only."""
    return bool(user and user.is_authenticated and user.is_sysadmin)


def can_view_revision(user, revision: Revision) -> bool:
    """The one visibility rule (`publishing.can_view_revision`)."""
    return publishing.can_view_revision(user, revision)


def demo_loader() -> list[str]:
    """`make run`: the bundled procedures, and the legacy seed pages when PORTAL_SEEDS is set."""
    results = load_markdown_dir(DOCS_DIR)
    changed = sum(1 for r in results if r.status != "unchanged")
    lines = [f"procedures: {len(results)} Markdown procedures ({changed} new or revised)"]
    seeds = os.environ.get("PORTAL_SEEDS", "")
    if seeds and Path(seeds).is_dir():
        paths = sorted(Path(seeds).glob("*.txt"))
        files = import_legacy_files((p.name, p.read_bytes()) for p in paths)
        documents = [d for f in files for d in f.documents]
        new = sum(1 for d in documents if d.status != "unchanged")
        errors = [f.error for f in files if f.error]
        lines.append(
            f"procedures: {len(paths)} legacy pages, {len(documents)} documents ({new} new or "
            f"revised){'; errors: ' + '; '.join(errors) if errors else ''}"
        )
    return lines


__all__ = [  # the library's modules, re-exported: callers may write `services.<name>`
    "DOCS_DIR",
    "FULL_WIDTH_BRACKETS",
    "LEGACY_CATEGORY",
    "LEGACY_ISSUE_NOTE",
    "SELF_CITING_STYLES",
    "Acknowledgements",
    "ClauseNode",
    "DiffView",
    "FileResult",
    "IndexRow",
    "LibraryIndex",
    "Preview",
    "ReadingView",
    "RevisionData",
    "StoreResult",
    "_document_html",
    "_insert_clauses",
    "_markdown_data",
    "acknowledge",
    "acknowledgements",
    "can_manage",
    "can_view_revision",
    "citation_text",
    "clause_nodes",
    "clause_rows",
    "clause_tree",
    "clause_url",
    "content_hash",
    "demo_loader",
    "department_heads",
    "department_names",
    "derive_code",
    "diff_pair",
    "dry_run",
    "edit_start_text",
    "export_filename",
    "export_markdown",
    "find_clauses",
    "get_current_revision",
    "get_procedure",
    "get_procedure_or_404",
    "get_revision_or_404",
    "get_revision_or_current",
    "get_shown_revision_or_404",
    "import_legacy_files",
    "legacy_code",
    "library_index",
    "load_markdown",
    "load_markdown_dir",
    "name_links",
    "parse_legacy",
    "preview_markdown",
    "procedure_deadlines",
    "publish_revision",
    "read_revision_ids",
    "reading_key",
    "reading_view",
    "recent_revisions_panel",
    "recently_revised",
    "revision_diff",
    "shown_revision",
    "store_legacy_file",
    "store_revision",
    "toc_entries",
]
