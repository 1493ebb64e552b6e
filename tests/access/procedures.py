"""Procedure library: everyone logged in reads issued revisions; drafts and change requests are
for the owning department and the system administrator, who also manages imports."""

ANON = {"anon": 302}
READ = {**ANON, "*": 200}
ADMIN_ONLY = {**ANON, "admin": 200, "*": 403}
# Authors of QP-TST-01: the system administrator and the owning department (ADM)'s members.
AUTHORS = {**ANON, "admin": 200, "adminhead": 200, "adminoffice": 200, "archivist": 200, "*": 403}
_HEADS = ("adminhead", "gm", "head", "finance", "service")
REPORTS = {**ADMIN_ONLY, "quality": 200, "inspector": 200, **dict.fromkeys(_HEADS, 200)}
OWNERS = {**ADMIN_ONLY, **dict.fromkeys(("adminhead", "adminoffice", "archivist"), 200)}
COPIES = {**OWNERS, "quality": 200, "inspector": 200}

MARKDOWN = """---
code: QP-TST-01
title: 测试管理制度
category: 行政管理
owner_department: ADM
revision: {revision}
effective_date: 2026-01-01
change_note: 测试
forms: []
deadlines: {{}}
---

## 第一章 总则

第一条 {text}

第二条 本制度由行政部负责解释。
"""


def world(org):
    from portal.extensions import db
    from portal.procedures import services

    first = services.load_markdown(MARKDOWN.format(revision="A/0", text="为规范管理，制定本制度。"))
    old_id = first.revision.id
    services.load_markdown(MARKDOWN.format(revision="A/1", text="为规范公司管理，制定本制度。"))
    draft = services.publish_revision(
        first.procedure,
        MARKDOWN.format(revision="A/2", text="草稿内容。"),
        org["admin"],
        draft=True,
    )
    db.session.commit()
    return {"code": "QP-TST-01", "old_id": old_id, "draft_id": draft.id}


ROUTES = {
    "procedures.index": [
        {"url": "/procedures/", "expect": READ},
        {"url": "/procedures/?group=department&hidden=1", "expect": READ},
    ],
    "procedures.detail": [
        {"url": "/procedures/{code}", "expect": READ},
        {"url": "/procedures/QP-NONE-99", "expect": {**ANON, "*": 404}},
    ],
    "procedures.revision": [
        {"url": "/procedures/{code}/revisions/{old_id}", "expect": READ},
        {"url": "/procedures/{code}/revisions/{draft_id}", "expect": AUTHORS},
        {"url": "/procedures/{code}/revisions/999999", "expect": {**ANON, "*": 404}},
    ],
    "procedures.diff": [
        {"url": "/procedures/{code}/diff", "expect": READ},
        {"url": "/procedures/{code}/diff?from={old_id}&to={draft_id}", "expect": AUTHORS},
    ],
    "procedures.pdf": [
        {"url": "/procedures/{code}/pdf", "expect": READ},
        {"url": "/procedures/QP-NONE-99/pdf", "expect": {**ANON, "*": 404}},
    ],
    "procedures.acknowledge": [
        {"url": "/procedures/{code}/read", "method": "POST", "expect": {**ANON, "*": 303}},
    ],
    "procedures.import_files": [
        {"url": "/procedures/import", "expect": ADMIN_ONLY},
        {
            "url": "/procedures/import",
            "method": "POST",
            "data": {},
            "expect": {**ANON, "admin": 422, "*": 403},
        },
    ],
    "procedures.import_file": [
        {
            "url": "/procedures/import/file",
            "method": "POST",
            "data": {},
            "expect": {**ANON, "admin": 422, "*": 403},
        },
    ],
    "procedures.accept_suggestion": [
        {
            "url": "/procedures/import/suggestion",
            "method": "POST",
            "data": {"code": "QP-TST-01", "line": "x"},
            "expect": {**ANON, "admin": 422, "*": 403},
        },
    ],
    "procedures.source": [{"url": "/procedures/{code}/source", "expect": ADMIN_ONLY}],
    "procedures.export": [{"url": "/procedures/{code}/export.md", "expect": ADMIN_ONLY}],
    "procedures.publish": [
        {
            "url": "/procedures/{code}/publish",
            "method": "POST",
            "data": {"text": ""},
            "expect": {**ANON, "admin": 422, "*": 403},
        },
    ],
    "procedures.preview": [
        {
            "url": "/procedures/{code}/preview",
            "method": "POST",
            "data": {"text": ""},
            "expect": AUTHORS,
        },
        # A new document's preview: anyone with a department may draft one.
        {"url": "/procedures/preview", "method": "POST", "data": {"body": ""}, "expect": READ},
    ],
    "procedures.new": [
        {"url": "/procedures/new", "expect": READ},
        {
            "url": "/procedures/new",
            "method": "POST",
            "data": {"title": ""},
            "expect": {**ANON, "*": 422},
        },
    ],
    "procedures.edit": [
        {"url": "/procedures/{code}/edit", "expect": AUTHORS},
        {
            "url": "/procedures/{code}/edit",
            "method": "POST",
            "data": {"title": ""},
            "expect": {
                **AUTHORS,
                **dict.fromkeys(("admin", "adminhead", "adminoffice"), 422),
                "archivist": 422,
            },
        },
        {"url": "/procedures/QP-NONE-99/edit", "expect": {**ANON, "*": 404}},
    ],
    # Document control, the change request: a draft is seen and submitted by its authors only
    # (the state-by-state matrix is tests/procedures/test_access_states.py).
    "procedures.change": [
        {"url": "/procedures/{code}/changes/{draft_id}", "expect": AUTHORS},
        {"url": "/procedures/{code}/changes/{old_id}", "expect": READ},
        {"url": "/procedures/{code}/changes/999999", "expect": {**ANON, "*": 404}},
    ],
    "procedures.change_record": [
        {
            "url": "/procedures/changes/{draft_id}",
            "expect": {**AUTHORS, **{u: 303 for u in AUTHORS if AUTHORS[u] == 200}},
        },
    ],
    "procedures.withdraw": [
        {"url": "/procedures/{code}/withdraw", "expect": AUTHORS},
        {
            "url": "/procedures/{code}/withdraw",
            "method": "POST",
            "data": {"reason": ""},
            "expect": {**AUTHORS, **{u: 422 for u in AUTHORS if AUTHORS[u] == 200}},
        },
    ],
    "procedures.submit": [
        {
            "url": "/procedures/{code}/changes/{draft_id}/submit",
            "method": "POST",
            "data": {"change_note": ""},
            "expect": {**AUTHORS, **{u: 422 for u in AUTHORS if AUTHORS[u] == 200}},
        },
    ],
    # Document control, reading side: reports for the administrator, the quality role and
    # department heads; periodic review for the owning department (ADM); copies for the
    # administrator, the quality role and the owning department.
    "procedures.readers": [{"url": "/procedures/{code}/readers", "expect": REPORTS}],
    "procedures.reading_report": [{"url": "/procedures/reading-report", "expect": REPORTS}],
    "procedures.reviews_due": [{"url": "/procedures/reviews-due", "expect": READ}],
    "procedures.review_confirm": [
        {"url": "/procedures/{code}/periodic-review", "expect": OWNERS},
        {
            "url": "/procedures/{code}/periodic-review",
            "method": "POST",
            "data": {"note": "长" * 501},
            "expect": {**OWNERS, **{u: 422 for u in OWNERS if OWNERS[u] == 200}},
        },
    ],
    "procedures.copies": [{"url": "/procedures/{code}/copies", "expect": COPIES}],
    "procedures.copy_new": [
        {"url": "/procedures/{code}/copies/new", "expect": COPIES},
        {
            "url": "/procedures/{code}/copies/new",
            "method": "POST",
            "data": {"holder": ""},
            "expect": {**COPIES, **{u: 422 for u in COPIES if COPIES[u] == 200}},
        },
    ],
    "procedures.copy_recall": [
        {
            "url": "/procedures/{code}/copies/999999/recall",
            "method": "POST",
            "expect": {**COPIES, **{u: 404 for u in COPIES if COPIES[u] == 200}},
        },
    ],
}
