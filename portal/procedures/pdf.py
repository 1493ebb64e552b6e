"""A procedure as PDF: every clause with its number, a running header, page numbers and a
bookmark outline built from the clause tree, and on every page its marking: 受控副本 No. NNN with
the holder (procedures/copies.py), else 非受控 with the print date, or 已作废.

The template (templates/procedures/pdf.html, extending pdf/base_document.html) gets plain data.
"""

from __future__ import annotations

import re
from dataclasses import asdict

from flask import current_app
from markupsafe import Markup

from portal.core.clock import format_local, now
from portal.procedures import authoring
from portal.procedures.models import Revision
from portal.procedures.services import SELF_CITING_STYLES, department_names

# Articles and numbered clauses without a heading get an outline entry down to this depth
# (their sub-items, "(一)" or "a)", would only lengthen the outline).
OUTLINE_DEPTH = 2
OUTLINE_LABEL_CHARS = 18


def _outline_label(clause) -> str:
    """ "第五条 公司印章分为以下五类…": the number and the start of the text."""
    text = " ".join((clause.text or "").split())
    if len(text) > OUTLINE_LABEL_CHARS:
        text = text[:OUTLINE_LABEL_CHARS] + "…"
    return f"{clause.number} {text}".strip()


def clause_rows(revision: Revision) -> list[dict]:
    """The clauses in document order as plain rows; `html` is the sanitised clause text."""
    rows = []
    for clause in revision.clauses:
        outline = None
        if (
            not clause.heading
            and clause.style in SELF_CITING_STYLES
            and clause.depth <= OUTLINE_DEPTH
        ):
            outline = {"level": min(clause.depth + 2, 4), "label": _outline_label(clause)}
        rows.append(
            {
                "anchor": clause.anchor,
                "number": clause.number,
                "heading": clause.heading,
                "html": Markup(clause.html or ""),  # sanitised when stored (markdown.render_text)
                "depth": clause.depth,
                "outline": outline,
            }
        )
    return rows


def pdf_data(revision: Revision, copy=None) -> dict:
    """`copy`: the ControlledCopy being printed; without it the print is uncontrolled (非受控),
    and a superseded or withdrawn revision prints as 已作废 (procedures/copies.py: pdf_mark)."""
    from portal.procedures.copies import pdf_mark

    procedure = revision.procedure
    owner = procedure.owner_department
    names = department_names()
    holder_dept = names.get(copy.holder_department, "") if copy is not None else ""
    return {
        "mark": pdf_mark(revision, copy, format_local(now(), "%Y-%m-%d"), holder_dept),
        "company": current_app.config.get("COMPANY_NAME", ""),
        "title": revision.title or procedure.title,
        "code": procedure.code,
        "revision_label": revision.label or "—",
        "effective_date": revision.effective_date.isoformat() if revision.effective_date else "—",
        "owner_name": names.get(owner, owner) or "未指定",
        "category": procedure.category,
        "change_note": revision.change_note,
        "preamble_html": Markup(revision.preamble_html or ""),
        "clauses": clause_rows(revision),
        "printed_at": format_local(now(), "%Y-%m-%d %H:%M"),
        # 修订历史 up to the printed revision (a superseded print leaves out its successors).
        "history": [
            asdict(row)
            for row in authoring.revision_history(procedure)
            if row.revision_id <= revision.id
        ],
    }


def procedure_pdf(revision: Revision, copy=None) -> bytes:
    from portal.pdf import render_pdf  # WeasyPrint loads on first use, not with the app

    return render_pdf("procedures/pdf.html", pdf_data(revision, copy))


def pdf_filename(code: str, label: str) -> str:
    """ASCII file name, e.g. qp-cs-01-a-0.pdf (codes and labels may hold "/" or Chinese)."""
    stem = re.sub(r"[^a-z0-9._-]+", "-", f"{code}-{label}".lower()).strip("-")
    return f"{stem or 'procedure'}.pdf"
