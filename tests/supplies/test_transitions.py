"""Every (state, action, user) cell of the requisition flow, table-driven. A cell not listed
is refused with a WorkflowError and changes nothing. `complete` is tried as its page does it
(the issue page first records what was issued)."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.supplies import services
from portal.supplies.ledger import StockError
from portal.workflow import engine
from portal.workflow.models import Status
from tests.supplies.helpers import requisition
from tests.transitions import check_cell

ACTIONS = ["submit", "approve", "complete", "reject", "send_back", "withdraw", "void",
           "issue_backorder"]  # fmt: skip
USERS = ["employee", "head", "adminhead", "adminoffice", "admin", "finance"]
STATES = ["draft", "head", "admin_head", "issue", "receive", "completed", "returned", "voided"]
IP = Status.IN_PROGRESS
VOIDERS = {"adminhead": (Status.VOIDED, None), "admin": (Status.VOIDED, None)}
EXPECTED = {
    ("draft", "submit"): {"employee": (IP, "head")},
    ("draft", "void"): {"employee": (Status.VOIDED, None), **VOIDERS},
    ("head", "approve"): {"head": (IP, "issue")},
    ("head", "reject"): {"head": (Status.RETURNED, None)},
    ("head", "withdraw"): {"employee": (Status.WITHDRAWN, None)},
    ("head", "void"): VOIDERS,
    ("admin_head", "approve"): {"adminhead": (IP, "issue")},
    ("admin_head", "reject"): {"adminhead": (Status.RETURNED, None)},
    ("admin_head", "send_back"): {"adminhead": (IP, "head")},
    ("admin_head", "withdraw"): {"employee": (Status.WITHDRAWN, None)},
    ("admin_head", "void"): VOIDERS,
    ("issue", "complete"): {"adminoffice": (IP, "receive")},
    ("issue", "withdraw"): {"employee": (Status.WITHDRAWN, None)},
    ("issue", "void"): VOIDERS,
    ("receive", "complete"): {
        "employee": (Status.COMPLETED, None),
        "adminoffice": (Status.COMPLETED, None),
    },
    ("receive", "void"): VOIDERS,
    ("completed", "void"): VOIDERS,
    ("returned", "submit"): {"employee": (IP, "head")},
    ("returned", "void"): {"employee": (Status.VOIDED, None), **VOIDERS},
}


def bring_to(state: str, items, org):
    record = requisition(org, items, submit=state != "draft", urgent=state == "admin_head")
    instance = record.instance
    if state in ("admin_head", "issue", "receive", "completed"):
        engine.transition(instance, "approve", org["head"])
    if state in ("issue", "receive", "completed") and instance.step_key == "admin_head":
        engine.transition(instance, "approve", org["adminhead"])
    if state in ("receive", "completed"):
        act(record, "complete", org["adminoffice"])
    if state == "completed":
        act(record, "complete", org["employee"])
    if state == "returned":
        engine.transition(instance, "reject", org["head"], "请补充")
    if state == "voided":
        engine.transition(instance, "void", org["admin"], "误填")
    db.session.commit()
    return record


def act(record, action: str, user) -> None:
    page = engine.current_page(record.instance) if action == "complete" else None
    if page == "supplies.issue":
        try:
            services.issue(record, {x.id: x.quantity for x in record.lines}, user)
        except StockError as exc:
            raise engine.WorkflowError(str(exc)) from exc
    engine.transition(record.instance, action, user, "意见", page=page)


CELLS = [(s, a) for s in STATES for a in ACTIONS]


@pytest.mark.parametrize(("state", "action"), CELLS, ids=[f"{s}-{a}" for s, a in CELLS])
def test_transition_cell(state, action, items, org):
    check_cell(
        lambda: bring_to(state, items, org),
        lambda record, username: act(record, action, org[username]),
        EXPECTED.get((state, action), {}),
        USERS,
        (state, action),
    )


def test_table_only_names_known_cells():
    assert set(EXPECTED) <= set(CELLS)
    assert all(u in USERS for cell in EXPECTED.values() for u in cell)
