"""The delegations in force and the designed forms' versions are kept per worker
(core/generations.py): a change made on another node, or earlier in the same request, is seen
at once, and a page reads neither table while nothing changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import g, request

from portal.extensions import db
from portal.workflow import delegation, engine
from portal.workflow.flow import register_flow
from tests.conftest import Auth
from tests.workflow.demo_form import DEMO_FLOW
from tests.workflow.test_inbox import badge, listed


@pytest.fixture
def waiting(make_request, org):
    """A colleague's request at 王总 (总经理审批)."""
    instance = make_request(applicant="inspector", title="同事的申请")
    engine.transition(instance, "submit", instance.applicant, "")
    engine.transition(instance, "approve", org["quality"], "同意")
    db.session.commit()
    return instance


@pytest.fixture
def other_node(make_app, org):
    """A second app on the same database (another gunicorn node), logged in as the employee."""
    node = make_app()
    register_flow(node, DEMO_FLOW)
    client = node.test_client()
    with node.app_context():
        Auth(client).as_user(org["employee"])
    return client


def test_a_delegation_made_on_one_node_is_seen_by_the_next_request_on_another(
    waiting, org, client, login, other_node
):
    login("employee")
    before = other_node.get("/inbox").text
    assert listed(before) == [] and badge(before) == 0  # the node now keeps "no delegations"
    today = delegation.today()
    made = delegation.create_delegation(org["gm"], org["employee"], today,
                                        today + timedelta(days=2), created_by=org["gm"])  # fmt: skip
    db.session.commit()
    page = other_node.get("/inbox").text
    assert listed(page) == [waiting.number] and badge(page) == 1
    delegation.cancel_delegation(made, org["gm"])
    db.session.commit()
    after = other_node.get("/inbox").text
    assert listed(after) == [] and badge(after) == 0


def test_a_page_reads_neither_table_while_nothing_changed(
    waiting, org, client, login, count_queries
):
    today = delegation.today()
    delegation.create_delegation(org["gm"], org["employee"], today, today + timedelta(days=2),
                                 created_by=org["gm"])  # fmt: skip
    db.session.commit()
    login("employee")
    number = waiting.number
    pages = []
    for _ in range(2):  # the first request fills the worker's caches
        db.session.remove()
        for name in list(g):
            g.pop(name)
        with count_queries() as seen:
            pages.append(client.get("/inbox").text)
    assert listed(pages[1]) == [number] and badge(pages[1]) == 1
    _user, *others = seen  # the user's statement reads the tables' fingerprints
    assert not [s for s in others if "workflow_delegations" in s or "form_versions" in s]


def test_a_request_that_writes_a_delegation_reads_it_again(waiting, org, app):
    from flask_login import login_user

    from portal.core import generations
    from portal.workflow.access import acting_principals

    with app.test_request_context("/inbox"):
        generations.remember([None] * len(generations.columns()))  # as the user's statement does
        login_user(org["employee"])
        assert acting_principals(org["employee"], "demo") == []
        today = delegation.today()
        delegation.create_delegation(org["gm"], org["employee"], today, today,
                                     created_by=org["gm"])  # fmt: skip
        request.environ.pop("portal.principals", None)  # the request's own memo of the answer
        assert acting_principals(org["employee"], "demo") == [org["gm"].id]


def test_a_page_reads_the_navigation_counts_with_the_user(
    waiting, org, client, login, count_queries
):
    login("employee")
    for _ in range(2):  # the first request fills the worker's caches
        db.session.remove()
        with count_queries() as seen:
            client.get("/inbox")
    user, *others = seen
    assert "FROM users" in user and "FROM notifications" in user
    assert not [s for s in others if "FROM notifications" in s]


def test_counts_read_ahead_are_dropped_once_the_request_writes(org, app):
    from portal.core.templating import BADGES_AHEAD
    from portal.notifications.services import notify

    with app.test_request_context("/"):
        request.environ[BADGES_AHEAD] = {"notifications.index": 0}
        notify([org["employee"]], "测试", kind="task", url="/")
        db.session.flush()
        assert BADGES_AHEAD not in request.environ
