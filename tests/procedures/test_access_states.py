"""Who reads a revision in each state (roles × states × routes): issued revisions (current,
superseded, withdrawn) are everyone's; unissued ones (draft, review, approved) only the system
administrator's, the owning department's (ADM) and the people with a task on the change request.
The controlled PDF exists only for a current revision."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.core.clock import local_now
from portal.extensions import db
from portal.procedures import publishing, services
from portal.workflow import engine

TEXT = """---
code: {code}
title: 状态{code}
category: 行政管理
owner_department: ADM
revision: {revision}
effective_date: {effective}
change_note: 测试
forms: []
deadlines: {{}}
---

第一条 {text}
"""

STATES = ("draft", "review", "approved", "current", "superseded", "withdrawn")
ROLES = ("anon", "admin", "adminoffice", "adminhead", "gm", "employee")
ROUTES = {
    "read": "/procedures/{code}",
    "revision": "/procedures/{code}/revisions/{id}",
    "pdf": "/procedures/{code}/pdf",
    "diff": "/procedures/{code}/diff?from={id}&to={id}",
    "change": "/procedures/{code}/changes/{id}",
}

# Who sees the unissued revision: the administrator, the author and her department's head
# (ADM); the general manager once the request reaches him (the approver, approved state).
OWNERS = {"admin", "adminoffice", "adminhead"}
SEES = {
    "draft": OWNERS,
    "review": OWNERS,
    "approved": OWNERS | {"gm"},
    "current": set(ROLES) - {"anon"},
    "superseded": set(ROLES) - {"anon"},
    "withdrawn": set(ROLES) - {"anon"},
}


def markdown(code, revision="A/0", text="内容。", effective=None) -> str:
    day = (effective or local_now().date()).isoformat()
    return TEXT.format(code=code, revision=revision, text=text, effective=day)


def draft(code, author, revision="A/0", effective=None):
    procedure = services.get_procedure(code)
    if procedure is None:
        from portal.procedures.models import Procedure

        procedure = Procedure(code=code, title=f"状态{code}", owner_department="ADM",
                              category="行政管理")  # fmt: skip
        db.session.add(procedure)
        db.session.flush()
    return services.publish_revision(
        procedure, markdown(code, revision, f"{revision} 内容。", effective), author, draft=True
    )


def build(org) -> dict[str, tuple[str, int]]:
    """One procedure per state: state -> (code, id of the revision in that state)."""
    office = org["adminoffice"]
    made = {"draft": draft("QP-ST-DRAFT", office)}
    review = draft("QP-ST-REVIEW", office)
    publishing.submit_for_review(review, office, "新建", "substantive", [])
    made["review"] = review
    later = local_now().date() + timedelta(days=30)
    approved = draft("QP-ST-APPROVED", office, effective=later)
    publishing.submit_for_review(approved, office, "新建", "substantive", [])
    engine.transition(approved.instance, "approve", org["adminhead"])
    engine.transition(approved.instance, "approve", org["gm"])
    made["approved"] = approved
    old = services.load_markdown(markdown("QP-ST-CURRENT")).revision
    services.load_markdown(markdown("QP-ST-CURRENT", "A/1", "新内容。"))
    made["superseded"] = old
    made["current"] = services.get_current_revision("QP-ST-CURRENT")
    gone = services.load_markdown(markdown("QP-ST-WITHDRAWN")).revision
    publishing.withdraw(gone.procedure, office, "业务取消")
    made["withdrawn"] = gone
    db.session.commit()
    assert {state: r.status for state, r in made.items()} == {s: s for s in STATES}
    return {state: (r.procedure.code, r.id) for state, r in made.items()}


def expected(state: str, route: str, role: str) -> int:
    if role == "anon":
        return 302
    sees = role in SEES[state]
    if route == "pdf":  # the controlled copy: the revision in force only
        return 200 if state in ("current", "superseded") else 404
    if route == "read":
        if state in ("current", "superseded", "withdrawn"):
            return 200
        return 200 if sees else 404  # a document with no issued revision is not there
    return 200 if sees else 403


@pytest.fixture
def states(app, org):
    return build(org)


@pytest.mark.parametrize("role", ROLES)
def test_access_per_state(client, login, states, role):
    if role != "anon":
        login(role)
    wrong = []
    for state in STATES:
        code, revision_id = states[state]
        for route, pattern in ROUTES.items():
            url = pattern.format(code=code, id=revision_id)
            status = client.get(url).status_code
            if status != expected(state, route, role):
                wrong.append(f"{role} {state} {route}: {status} != {expected(state, route, role)}")
    assert not wrong, "\n".join(wrong)


def test_unissued_revisions_are_marked_in_the_list_for_their_owners(client, login, states):
    login("adminoffice")
    page = client.get("/procedures/").get_data(as_text=True)
    for code, label in (("QP-ST-DRAFT", "草稿"), ("QP-ST-REVIEW", "审核中"),
                        ("QP-ST-APPROVED", "待发布")):  # fmt: skip
        row = page.split(f"<code>{code}</code>")[1].split("</tr>")[0]
        assert label in row
    login("employee")
    page = client.get("/procedures/?hidden=1").get_data(as_text=True)
    assert "QP-ST-DRAFT" not in page and "QP-ST-REVIEW" not in page
    assert "QP-ST-APPROVED" not in page and "QP-ST-CURRENT" in page
