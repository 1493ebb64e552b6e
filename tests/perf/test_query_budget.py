"""The query budget (issue 18): a page runs a fixed number of SQL statements whatever the
number of rows behind it. Each page is counted with 10 rows and with 1,000 (records, or the
clauses of a procedure) and must run the same statements, within its budget.

The issue's goal is at most 6 statements a page. Every logged-in page starts with 1: the user
with roles and department, the fingerprints of the per-worker caches (designed forms'
versions, delegations in force: core/generations.py) and, on a whole page, the navigation's
badge counts. The budgets below are what each page reaches now and may only go down.
"""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.procedures import services as procedures
from tests.perf.conftest import copy_records

BUDGET = {
    # 1 statement for each panel: 待我审批, 我的申请, deadlines, seals out, low stock, loans,
    # recently revised procedures (with what the user read) and required reading
    "home": 9,
    "procedure": 5,
    # 1 the user (base), 1 the page of rows with its count, the rest each register's relations
    "seals": 5,
    "complaints": 6,
    "supplies": 6,
    # 1 the filters' categories and departments, 4 the clause search, 1 the records of every form
    "search": 7,
    # 1 each: the record with its instance, tasks and items; the active people (the forms' and
    # the path's names) with the CC list; the audit trail; the attachments; the governing clauses
    "record": 6,
}

FORM_TYPES = ("seals", "complaints", "supplies")


def procedure_markdown(clauses: int) -> str:
    articles = "\n\n".join(
        f"第{n}条 第{n}项规定，按《测试申请表》办理。" for n in range(1, clauses + 1)
    )
    return f"""---
code: QP-PERF-01
title: 性能测试制度
category: 测试类别
owner_department: QA
revision: A/0
effective_date: 2026-03-01
change_note: 首次发布
forms: []
deadlines: {{}}
---

## 第一章 总则

{articles}
"""


def grow(rows: int) -> None:
    """Bring every register to `rows` records beyond the demo's."""
    for form_type in FORM_TYPES:
        copy_records(form_type, rows)


def short(statements: list[str]) -> str:
    return "\n".join(" ".join(s.split())[:160] for s in statements)


PAGES = {
    "home": "/",
    "seals": "/seals/",
    "complaints": "/complaints/",
    "supplies": "/supplies/",
    "search": "/search?q=合同",
}


def test_pages_run_as_many_statements_at_1000_rows_as_at_10(demo, login, statements):
    from portal.seals.models import SealRequest

    login("admin")  # reads every record: each row is on the page
    grow(10)
    pages = {**PAGES, "record": f"/seals/{db.session.scalar(select(func.min(SealRequest.id)))}"}
    small = {page: statements(url) for page, url in pages.items()}
    grow(990)
    large = {page: statements(url) for page, url in pages.items()}
    problems = [
        f"{page}: {len(small[page])} statements at 10 rows, {len(large[page])} at 1,000 "
        f"(budget {BUDGET[page]})\n-- 10:\n{short(small[page])}\n-- 1,000:\n{short(large[page])}"
        for page in pages
        if not len(small[page]) == len(large[page]) <= BUDGET[page]
    ]
    assert not problems, "\n\n".join(problems)


def test_a_procedure_of_1000_clauses_runs_as_many_statements_as_one_of_10(demo, login, statements):
    login("employee")
    procedures.load_markdown(procedure_markdown(10))
    db.session.commit()
    small = statements("/procedures/QP-PERF-01")
    procedures.load_markdown(procedure_markdown(1000))
    db.session.commit()
    large = statements("/procedures/QP-PERF-01")
    assert len(small) == len(large) <= BUDGET["procedure"], short(large)
