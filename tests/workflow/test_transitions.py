"""Every (state, action, user) cell of the engine, table-driven on the test-only demo flow.

A cell not listed in EXPECTED must be refused with a WorkflowError and change nothing.
"""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.workflow import engine
from portal.workflow.models import Status
from tests.factories import standard_org
from tests.transitions import check_cell


@pytest.fixture(scope="module")
def app(module_app):
    """Each cell starts its own requests: one app and organisation serve the whole module."""
    return module_app


@pytest.fixture(scope="module")
def org(app):
    return standard_org()


ACTIONS = [
    "submit",
    "approve",
    "complete",
    "reject",
    "send_back",
    "withdraw",
    "void",
    "pause",
    "resume",
]
USERS = ["employee", "head", "gm", "quality", "adminoffice", "admin", "inspector"]
STATES = [
    "draft",
    "head",
    "gm",
    "board",
    "done",
    "paused",
    "returned",
    "withdrawn",
    "completed",
    "voided",
]

# (state, action) -> {user: (status, step)}; users not listed are refused.
IP = Status.IN_PROGRESS
EXPECTED = {
    ("draft", "submit"): {"employee": (IP, "head")},
    ("draft", "void"): {"employee": (Status.VOIDED, None), "admin": (Status.VOIDED, None)},
    ("head", "approve"): {"head": (IP, "gm")},
    ("head", "reject"): {"head": (Status.RETURNED, None)},
    ("head", "withdraw"): {"employee": (Status.WITHDRAWN, None)},
    ("head", "void"): {"admin": (Status.VOIDED, None)},
    ("head", "pause"): {"head": (IP, "head"), "adminoffice": (IP, "head"), "admin": (IP, "head")},
    ("gm", "approve"): {"gm": (IP, "board")},
    ("gm", "reject"): {"gm": (Status.RETURNED, None)},
    ("gm", "send_back"): {"gm": (IP, "head")},
    ("gm", "withdraw"): {"employee": (Status.WITHDRAWN, None)},
    ("gm", "void"): {"admin": (Status.VOIDED, None)},
    ("gm", "pause"): {"gm": (IP, "gm"), "adminoffice": (IP, "gm"), "admin": (IP, "gm")},
    ("board", "approve"): {"quality": (IP, "board")},  # 会签: service still has to approve
    ("board", "reject"): {"quality": (Status.RETURNED, None)},
    ("board", "send_back"): {"quality": (IP, "gm")},
    ("board", "withdraw"): {"employee": (Status.WITHDRAWN, None)},
    ("board", "void"): {"admin": (Status.VOIDED, None)},
    ("board", "pause"): {
        "quality": (IP, "board"),
        "adminoffice": (IP, "board"),
        "admin": (IP, "board"),
    },
    ("done", "complete"): {"adminoffice": (Status.COMPLETED, None)},
    ("done", "send_back"): {"adminoffice": (IP, "board")},
    ("done", "void"): {"admin": (Status.VOIDED, None)},
    ("done", "pause"): {"adminoffice": (IP, "done"), "admin": (IP, "done")},
    ("paused", "approve"): {"head": (IP, "gm")},
    ("paused", "reject"): {"head": (Status.RETURNED, None)},
    ("paused", "withdraw"): {"employee": (Status.WITHDRAWN, None)},
    ("paused", "void"): {"admin": (Status.VOIDED, None)},
    ("paused", "resume"): {
        "head": (IP, "head"),
        "adminoffice": (IP, "head"),
        "admin": (IP, "head"),
    },
    ("returned", "submit"): {"employee": (IP, "head")},
    ("returned", "void"): {"employee": (Status.VOIDED, None), "admin": (Status.VOIDED, None)},
    ("withdrawn", "submit"): {"employee": (IP, "head")},
    ("withdrawn", "void"): {"employee": (Status.VOIDED, None), "admin": (Status.VOIDED, None)},
    ("completed", "void"): {"admin": (Status.VOIDED, None)},
}


def _act(instance, action, username, org, comment="意见"):
    engine.transition(instance, action, org[username], comment)
    db.session.commit()


def bring_to(state: str, make_request, org):
    instance = make_request()
    steps = {
        "head": [("submit", "employee")],
        "gm": [("submit", "employee"), ("approve", "head")],
        "board": [("submit", "employee"), ("approve", "head"), ("approve", "gm")],
        "done": [("submit", "employee"), ("approve", "head"), ("approve", "gm"),
                 ("approve", "quality"), ("approve", "service")],
        "paused": [("submit", "employee"), ("pause", "head")],
        "returned": [("submit", "employee"), ("reject", "head")],
        "withdrawn": [("submit", "employee"), ("withdraw", "employee")],
        "completed": [("submit", "employee"), ("approve", "head"), ("approve", "gm"),
                      ("approve", "quality"), ("approve", "service"), ("complete", "adminoffice")],
        "voided": [("void", "employee")],
    }.get(state, [])  # fmt: skip
    for action, username in steps:
        _act(instance, action, username, org)
    return instance


CELLS = [(s, a) for s in STATES for a in ACTIONS]


@pytest.mark.parametrize(("state", "action"), CELLS, ids=[f"{s}-{a}" for s, a in CELLS])
def test_transition_cell(state, action, make_request, org):
    check_cell(
        lambda: bring_to(state, make_request, org),
        lambda instance, username: _act(instance, action, username, org),
        EXPECTED.get((state, action), {}),
        USERS,
        (state, action),
        state=lambda instance: (instance.status, instance.step_key, instance.paused_at),
    )


def test_table_only_names_known_cells():
    assert set(EXPECTED) <= set(CELLS)
    assert all(u in USERS for cell in EXPECTED.values() for u in cell)
