"""Every (state, action, user) cell of the 存档登记 and 借阅 flows, table-driven. A cell not
listed is refused with a WorkflowError (or the service's refusal) and changes nothing.
`complete` is tried as its page does it (the page's service first records its data)."""

from __future__ import annotations

import pytest

from portal.archive import services
from portal.extensions import db
from portal.workflow import engine
from portal.workflow.models import Status
from tests.archive.helpers import approve_loan, archived_item, batch, hand_over, loan
from tests.factories import standard_org
from tests.transitions import check_cell


@pytest.fixture(scope="module")
def app(module_app):
    """Each cell brings its own records: one app and organisation serve the whole module."""
    return module_app


@pytest.fixture(scope="module")
def org(app):
    return standard_org()


IP = Status.IN_PROGRESS
USERS = ["employee", "head", "archivist", "adminhead", "gm", "admin", "finance"]
VOIDERS = {"archivist": (Status.VOIDED, None), "admin": (Status.VOIDED, None)}

# --- 存档登记 ---------------------------------------------------------------------------------

BATCH_ACTIONS = ["approve", "complete", "reject", "withdraw", "void"]
BATCH_STATES = ["head", "check", "completed", "returned"]
BATCH_EXPECTED = {
    ("head", "approve"): {"head": (IP, "check")},
    ("head", "reject"): {"head": (Status.RETURNED, None)},
    ("head", "withdraw"): {"employee": (Status.WITHDRAWN, None)},
    ("head", "void"): VOIDERS,
    ("check", "complete"): {"archivist": (Status.COMPLETED, None)},
    ("check", "void"): VOIDERS,
    ("completed", "void"): VOIDERS,
    ("returned", "void"): {"employee": (Status.VOIDED, None), **VOIDERS},
}


def bring_batch(state: str, org):
    record = batch(org)
    if state in ("check", "completed"):
        engine.transition(record.instance, "approve", org["head"])
    if state == "completed":
        act_batch(record, "complete", org["archivist"])
    if state == "returned":
        engine.transition(record.instance, "reject", org["head"], "请补充")
    db.session.commit()
    return record


def act_batch(record, action, user):
    page = engine.current_page(record.instance) if action == "complete" else None
    if page == "archive.check":
        try:
            services.check_batch(record, {i.id: {"accept": True} for i in record.items}, user)
        except services.ArchiveError as exc:
            raise engine.WorkflowError(str(exc)) from exc
    engine.transition(record.instance, action, user, "意见", page=page)


# --- 借阅 ----------------------------------------------------------------------------------------

LOAN_ACTIONS = ["approve", "complete", "reject", "withdraw", "void", "renew", "approve_renewal"]
LOAN_STATES = ["head", "gm", "hand_over", "give_back", "completed"]
LOAN_EXPECTED = {
    ("head", "approve"): {"head": (IP, "gm")},
    ("head", "reject"): {"head": (Status.RETURNED, None)},
    ("head", "withdraw"): {"employee": (Status.WITHDRAWN, None)},
    ("head", "void"): VOIDERS,
    ("gm", "approve"): {"gm": (IP, "hand_over")},
    ("gm", "reject"): {"gm": (Status.RETURNED, None)},
    ("gm", "withdraw"): {"employee": (Status.WITHDRAWN, None)},
    ("gm", "void"): VOIDERS,
    ("hand_over", "complete"): {"archivist": (IP, "give_back")},
    ("hand_over", "withdraw"): {"employee": (Status.WITHDRAWN, None)},
    ("hand_over", "void"): VOIDERS,
    ("give_back", "complete"): {"archivist": (Status.COMPLETED, None)},
    ("give_back", "void"): VOIDERS,
    ("give_back", "renew"): {"employee": (IP, "give_back")},
    ("completed", "void"): VOIDERS,
}


def bring_loan(state: str, org):
    record = loan(org, archived_item(org, "secret"), mode="take_out")
    instance = record.instance
    if state != "head":
        engine.transition(instance, "approve", org["head"])
    if state in ("hand_over", "give_back", "completed"):
        engine.transition(instance, "approve", org["gm"])
    if state in ("give_back", "completed"):
        hand_over(record, org)
    if state == "completed":
        act_loan(record, "complete", org["archivist"])
    db.session.commit()
    return record


def act_loan(record, action, user):
    page = engine.current_page(record.instance) if action == "complete" else None
    try:
        if page == "archive.hand_over":
            services.hand_over(record, services.now(), "完好", user)
        elif page == "archive.take_back":
            services.take_back(record, services.now(), "good", "", user)
    except services.ArchiveError as exc:
        raise engine.WorkflowError(str(exc)) from exc
    engine.transition(record.instance, action, user, "意见", page=page)


FLOWS = {"batch": (BATCH_STATES, BATCH_ACTIONS, BATCH_EXPECTED, bring_batch, act_batch),
         "loan": (LOAN_STATES, LOAN_ACTIONS, LOAN_EXPECTED, bring_loan, act_loan)}  # fmt: skip
CELLS = [(f, s, a) for f, (states, actions, *_) in FLOWS.items() for s in states for a in actions]


@pytest.mark.parametrize(("flow", "state", "action"), CELLS, ids=["-".join(c) for c in CELLS])
def test_transition_cell(flow, state, action, org):
    _, _, expected_table, bring, act = FLOWS[flow]
    check_cell(
        lambda: bring(state, org),
        lambda record, username: act(record, action, org[username]),
        expected_table.get((state, action), {}),
        USERS,
        (flow, state, action),
    )


def test_tables_only_name_known_cells():
    for states, actions, expected, *_ in FLOWS.values():
        assert set(expected) <= {(s, a) for s in states for a in actions}
        assert all(u in USERS for cell in expected.values() for u in cell)


def test_an_approved_loan_waits_for_the_archivist_only(org):
    record = loan(org, archived_item(org))
    approve_loan(record, org)
    assert [t.assignee.username for t in record.instance.open_tasks] == ["archivist"]
