"""待我审批: the form-type filter narrows the list, overdue tasks come first, and the count the
page shows (and the nav badge) equals the rows listed, delegated tasks included."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest

from portal.core.clock import now
from portal.extensions import db
from portal.workflow import delegation, engine
from portal.workflow.flow import Numbering, register_flow
from tests.workflow.demo_form import DEMO_FLOW

OTHER_FLOW = replace(DEMO_FLOW, key="demo_other", name="测试另一申请", numbering=Numbering("TO"))


@pytest.fixture
def other_flow(app, demo_flow):
    register_flow(app, OTHER_FLOW)
    return OTHER_FLOW


@pytest.fixture
def submitted(make_request, other_flow, org):
    """Two demo requests and one of the other type, all waiting for the head (赵经理)."""

    def _submit(instance):
        engine.transition(instance, "submit", org["employee"], "")
        db.session.commit()
        return instance

    demo = [_submit(make_request(title=f"事项{n}")) for n in (1, 2)]
    other = make_request(title="另一事项")
    other.form_type = OTHER_FLOW.key
    db.session.commit()
    return demo, _submit(other)


def listed(page: str) -> list[str]:
    """The record numbers of the inbox rows, in order."""
    return re.findall(r'data-label="编号"><a href="[^"]*">([^<]+)</a>', page)


def shown_count(page: str) -> int:
    return int(re.search(r"共 (\d+) 件", page).group(1))


def badge(page: str) -> int:
    found = re.search(r'待我审批 <span class="badge" title="待处理数量">(\d+)</span>', page)
    return int(found.group(1)) if found else 0


def test_the_form_type_filter_narrows_the_list(submitted, client, login):
    demo, other = submitted
    login("head")
    everything = client.get("/inbox").text
    assert sorted(listed(everything)) == sorted(i.number for i in (*demo, other))
    assert f'<option value="{OTHER_FLOW.key}"' in everything
    only_other = client.get(f"/inbox?type={OTHER_FLOW.key}").text
    assert listed(only_other) == [other.number] and shown_count(only_other) == 1
    assert f'<option value="{OTHER_FLOW.key}" selected>' in only_other
    only_demo = client.get("/inbox?type=demo").text
    assert sorted(listed(only_demo)) == sorted(i.number for i in demo)
    assert shown_count(only_demo) == 2


def test_overdue_tasks_come_first(submitted, client, login):
    demo, other = submitted
    first, second = demo
    # the oldest task has no deadline, the next one is due tomorrow, the newest is overdue
    first.open_tasks[0].due_at = None
    second.open_tasks[0].due_at = now() + timedelta(days=1)
    other.open_tasks[0].due_at = now() - timedelta(hours=1)
    db.session.commit()
    login("head")
    page = client.get("/inbox").text
    assert listed(page) == [other.number, second.number, first.number]
    assert page.count("已超时") == 1
    assert page.index('class="overdue"') < page.index(second.number)


def test_the_count_shown_equals_the_rows_listed(submitted, org, client, login):
    demo, _ = submitted
    login("head")
    page = client.get("/inbox").text
    assert shown_count(page) == badge(page) == len(listed(page)) == 3
    engine.transition(demo[0], "approve", org["head"], "同意")  # now waiting for 王总
    db.session.commit()
    page = client.get("/inbox").text
    assert shown_count(page) == badge(page) == len(listed(page)) == 2
    filtered = client.get(f"/inbox?type={OTHER_FLOW.key}").text
    assert shown_count(filtered) == len(listed(filtered)) == 1


def test_the_count_includes_delegated_tasks_but_not_the_delegates_own_requests(
    make_request, org, client, login
):
    today = delegation.today()
    delegation.create_delegation(org["gm"], org["employee"], today, today + timedelta(days=2),
                                 created_by=org["gm"])  # fmt: skip
    db.session.commit()
    mine = make_request(applicant="employee")  # the delegate's own request: not theirs to approve
    colleague = make_request(applicant="inspector", title="同事的申请")
    for instance, head in ((mine, "head"), (colleague, "quality")):
        engine.transition(instance, "submit", instance.applicant, "")
        engine.transition(instance, "approve", org[head], "同意")  # now at 王总 (总经理审批)
    db.session.commit()
    login("employee")
    page = client.get("/inbox").text
    assert listed(page) == [colleague.number] and "代 王总" in page
    assert shown_count(page) == badge(page) == len(listed(page)) == 1
