"""Reading the library: a revision's clause tree with its links and contents, the reading
page's view, the library index (by state for those who see unissued documents), departments
read once per request, and the recent-revisions home panel."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app, url_for
from sqlalchemy import exists, select

from portal.auth.models import User
from portal.extensions import db
from portal.procedures import markdown as md
from portal.procedures import reading_cache
from portal.procedures.departments import department_names
from portal.procedures.legacy import LEGACY_CATEGORY
from portal.procedures.models import (
    ISSUED,
    UNISSUED,
    Procedure,
    ProcedureRead,
    Revision,
    RevisionStatus,
    current_procedures,
)
from portal.procedures.reading import Acknowledgements, acknowledgements, read_revision_ids
from portal.procedures.revisions import citation_text, recently_revised_query

# -- reading ----------------------------------------------------------------------------------


@dataclass
class ClauseNode:
    anchor: str
    number: str
    heading: str
    html: str
    citation: str  # what "复制引用" copies
    depth: int
    children: list[ClauseNode] = field(default_factory=list)

    @property
    def toc_label(self) -> str:
        return f"{self.number} {self.heading}".strip()


def name_links(
    procedure: Procedure, page_url: Callable[[str], str] | None = None
) -> tuple[dict[str, str], set[str]]:
    """Names to link when showing a procedure: its forms (when their page exists) and the
    titles of the other procedures. Returns (name → url, names also linked without 《》).
    `page_url(code)` gives another procedure's URL in the static export, which has no forms."""
    links: dict[str, str] = {}
    # Only issued procedures are link targets: a draft (an imported page, say) that happens to
    # share a title must not capture the references to the real procedure.
    others = db.session.execute(
        current_procedures().with_only_columns(Procedure.title, Procedure.code)
    ).all()
    for title, code in others:
        if code != procedure.code:
            url = page_url(code) if page_url else url_for("procedures.detail", code=code)
            links.setdefault(title, url)
    bare: set[str] = set()
    if page_url is not None:
        return links, bare
    views = current_app.view_functions
    for form in procedure.forms or []:
        endpoint = form.get("endpoint")
        if endpoint and endpoint in views:
            links[form["name"]] = url_for(endpoint)
            bare.add(form["name"])
    # Forms that are data (designed forms): each source gives (name, url) for this procedure.
    for source in current_app.extensions.get("portal_procedure_forms", []):
        for name, url in source(procedure.code):
            links.setdefault(name, url)
            bare.add(name)
    return links, bare


def clause_nodes(
    revision: Revision, page_url: Callable[[str], str] | None = None
) -> list[ClauseNode]:
    """The revision's clauses as a tree for the template, names linked, citations ready.
    Computed once per revision and set of link targets (procedures/reading_cache.py), except
    for the static export."""
    return _linked_nodes(revision, page_url, *name_links(revision.procedure, page_url))


def _linked_nodes(
    revision: Revision, page_url: Callable[[str], str] | None, links: dict[str, str], bare: set
) -> list[ClauseNode]:
    procedure = revision.procedure

    def build() -> list[ClauseNode]:
        link = md.name_linker(links, bare, also=[procedure.title])
        nodes: dict[int, ClauseNode] = {}
        roots: list[ClauseNode] = []
        for clause in revision.clauses:
            node = ClauseNode(
                anchor=clause.anchor,
                number=clause.number,
                heading=clause.heading,
                html=link(clause.html),
                citation=citation_text(revision, clause.citation or clause.number),
                depth=clause.depth,
            )
            nodes[clause.id] = node
            (nodes[clause.parent_id].children if clause.parent_id else roots).append(node)
        return roots

    if page_url is not None:
        return build()
    return reading_cache.cached(("nodes", *reading_key(revision, links, bare)), build)


def reading_key(revision: Revision, links: dict[str, str], bare: set[str]) -> tuple:
    """What a revision's rendered text depends on: the revision (never changed once stored),
    the procedure's code and title (in citations) and the names linked in the text."""
    procedure = revision.procedure
    fingerprint = reading_cache.links_fingerprint(links, bare)
    return (revision.id, revision.content_hash, procedure.code, procedure.title, fingerprint)


def toc_entries(nodes: list[ClauseNode]) -> list[ClauseNode]:
    """TOC: the headed clauses (chapters, sections), or the top level when none has a heading."""
    headed = [n for n in nodes if n.heading]
    return headed or nodes


@dataclass
class ReadingView:
    procedure: Procedure
    revision: Revision
    owner_name: str
    nodes: list[ClauseNode]
    toc: list[ClauseNode]
    history: list[Revision]  # published revisions, newest first
    acks: Acknowledgements | None  # only on the current revision
    # The rendered text's key in procedures/reading_cache.py (None: not cached, the export).
    cache_key: tuple | None = None
    # 修订历史: authoring.HistoryRow of the issued revisions (版本 / 日期 / 修订内容 / 修订人 / 批准人).
    history_rows: list = field(default_factory=list)


def reading_view(
    revision: Revision, user: User | None, page_url: Callable[[str], str] | None = None
) -> ReadingView:
    """What the reading page shows. Without a user (the static export) there are no read
    acknowledgements; `page_url` is the export's link to another procedure's page."""
    from portal.procedures import authoring  # it builds on this module

    procedure = revision.procedure
    links, bare = name_links(procedure, page_url)
    nodes = _linked_nodes(revision, page_url, links, bare)
    history = [r for r in reversed(procedure.revisions) if r.status in ISSUED]
    is_current = revision.status == RevisionStatus.CURRENT
    owner = department_names().get(procedure.owner_department, procedure.owner_department)
    return ReadingView(
        procedure=procedure,
        revision=revision,
        owner_name=owner,
        nodes=nodes,
        toc=toc_entries(nodes),
        history=history,
        acks=acknowledgements(revision, user) if is_current and user is not None else None,
        cache_key=None if page_url else reading_key(revision, links, bare),
        history_rows=authoring.revision_history(procedure) if len(history) > 0 else [],
    )


# -- the library index ------------------------------------------------------------------------


@dataclass
class IndexRow:
    procedure: Procedure
    revision: Revision
    owner_name: str
    unread: bool
    # 草稿 / 审核中 / 待发布: an unissued revision the user may see (owners, administrators)
    state: str = ""
    state_revision: Revision | None = None


@dataclass
class LibraryIndex:
    group_by: str  # "category" or "department"
    groups: list[tuple[str, list[IndexRow]]]
    categories: list[str]
    departments: list[tuple[str, str]]  # (code, name)
    hidden_count: int


def library_index(
    user: User | None,
    group_by: str = "category",
    category: str = "",
    department: str = "",
    show_hidden: bool = False,
) -> LibraryIndex:
    """Current procedures grouped by category or owner department, with the filter choices."""
    names = department_names()
    everything = db.session.execute(current_procedures(show_hidden=True)).all()
    pending = _unissued_for(user)
    current_ids = {p.id for p, _ in everything}
    everything += [(p, r) for p, r in pending.values() if p.id not in current_ids]
    visible = [(p, r) for p, r in everything if show_hidden or not p.hidden]
    rows = [
        (p, r)
        for p, r in visible
        if (not category or p.category == category)
        and (not department or p.owner_department == department)
    ]
    # No user (the static export): nothing is marked unread.
    read = read_revision_ids(user, (r.id for _, r in rows)) if user else {r.id for _, r in rows}
    groups: dict[str, list[IndexRow]] = {}
    for p, r in rows:
        owner = names.get(p.owner_department, p.owner_department) or "未指定部门"
        key = owner if group_by == "department" else (p.category or "未分类")
        row = IndexRow(p, r, owner, r.id not in read and r.status == RevisionStatus.CURRENT)
        if p.id in pending:
            row.state_revision = pending[p.id][1]
            row.state = row.state_revision.status_name
        groups.setdefault(key, []).append(row)
    return LibraryIndex(
        group_by="department" if group_by == "department" else "category",
        # Imported pages waiting for review come after the company's own procedures.
        groups=sorted(groups.items(), key=lambda g: (g[0] == LEGACY_CATEGORY, g[0])),
        categories=sorted({p.category for p, _ in everything if p.category}),
        departments=sorted(
            {
                (p.owner_department, names.get(p.owner_department, p.owner_department))
                for p, _ in everything
                if p.owner_department
            }
        ),
        hidden_count=sum(1 for p, _ in everything if p.hidden),
    )


def _unissued_for(user: User | None) -> dict[int, tuple[Procedure, Revision]]:
    """Procedure id -> (procedure, its unissued revision) for the ones `user` may see in the
    list: all for administrators, their department's for others, none for the export."""
    if user is None or not user.is_authenticated:
        return {}
    query = (
        select(Procedure, Revision)
        .join(Revision, Revision.procedure_id == Procedure.id)
        .where(Revision.status.in_(UNISSUED))
        .order_by(Revision.id)
    )
    if not user.is_sysadmin:
        department = user.department
        if department is None:
            return {}
        query = query.where(Procedure.owner_department == department.code)
    return {p.id: (p, r) for p, r in db.session.execute(query).all()}


# -- home panel and demo data -----------------------------------------------------------------


def recent_revisions_panel(user):
    """Home page panel "最近修订的制度", unread ones marked."""
    from portal.home.services import Panel

    # Whether the user acknowledged each one, in the same statement.
    acknowledged = exists().where(
        ProcedureRead.user_id == user.id, ProcedureRead.revision_id == Revision.id
    )
    rows = db.session.execute(recently_revised_query(6).add_columns(acknowledged)).all()
    items = []
    for revision, read in rows:
        procedure = revision.procedure
        meta = " · ".join(
            part
            for part in (
                revision.label,
                f"{revision.effective_date.isoformat()} 生效" if revision.effective_date else "",
            )
            if part
        )
        items.append(
            {
                "label": f"{procedure.title}（{procedure.code}）",
                "url": url_for("procedures.detail", code=procedure.code),
                "meta": meta,
                "tag": "" if read else "未读",
            }
        )
    return Panel(
        title="最近修订的制度",
        items=items,
        empty="暂无制度。",
        more_url=url_for("procedures.index"),
        order=20,
    )
