"""Every (stage, action, user) cell of the complaint flow, table-driven like
tests/workflow/test_transitions.py. A cell not listed in EXPECTED must be refused with a
WorkflowError and change nothing. `complete` is tried with the stage page's data filled in
(without it the step's `requires` check refuses everyone; see test_stage_needs_its_page).
"""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.workflow import engine
from portal.workflow.models import Status

ACTIONS = ["submit", "complete", "approve", "send_back", "reject", "withdraw", "void", "pause",
           "resume"]  # fmt: skip
USERS = ["service", "quality", "inspector", "producer", "employee", "admin"]
STATES = [
    "analysis", "paused", "clarify", "containment", "reply", "reply_approval", "reply_send",
    "capa", "capa_action", "verify", "close", "follow_up", "second_follow_up", "returned",
    "completed", "voided",
]  # fmt: skip

IP = Status.IN_PROGRESS
QA_STAFF = ("quality", "inspector")
PAUSERS = ("service", "quality", "inspector", "admin")  # pause_roles, sysadmin (and assignees)
NEXT = {
    "analysis": "containment", "paused": "containment", "clarify": "follow_up",
    "containment": "reply", "reply": "reply_approval", "reply_send": "capa",
    "capa": "capa_action", "capa_action": "verify", "verify": "close", "close": "follow_up",
}  # fmt: skip
OWNERS = {
    "analysis": QA_STAFF, "paused": QA_STAFF, "clarify": ("service",), "containment": QA_STAFF,
    "reply": QA_STAFF, "reply_send": ("service",), "capa": QA_STAFF, "capa_action": ("producer",),
    "verify": QA_STAFF, "close": QA_STAFF, "follow_up": ("service",),
    # the service manager made the first call, so the quality manager makes the second (4.8.3)
    "second_follow_up": ("quality",), "reply_approval": ("quality",),
}  # fmt: skip
PREVIOUS = {
    "clarify": "analysis", "containment": "analysis", "reply": "containment",
    "reply_approval": "reply", "reply_send": "reply_approval", "capa": "reply_send",
    "capa_action": "capa", "verify": "capa_action", "close": "verify", "follow_up": "close",
    "second_follow_up": "follow_up",
}  # fmt: skip
RUNNING = [s for s in STATES if s not in ("returned", "completed", "voided")]


def _expected() -> dict:
    table: dict = {}
    for state in RUNNING:
        step = "analysis" if state == "paused" else state
        owners = OWNERS[state]
        if state in NEXT:
            table[(state, "complete")] = dict.fromkeys(owners, (IP, NEXT[state]))
        if state in ("follow_up", "second_follow_up"):
            table[(state, "complete")] = dict.fromkeys(owners, (Status.COMPLETED, None))
        if state in PREVIOUS:
            table[(state, "send_back")] = dict.fromkeys(owners, (IP, PREVIOUS[state]))
        if state not in ("follow_up", "second_follow_up"):  # nothing left to withdraw from
            table[(state, "withdraw")] = {"service": (Status.WITHDRAWN, None)}
        table[(state, "void")] = {"admin": (Status.VOIDED, None)}
        key = "resume" if state == "paused" else "pause"
        table[(state, key)] = dict.fromkeys({*PAUSERS, *owners}, (IP, step))
    table[("reply_approval", "approve")] = {"quality": (IP, "reply_send")}
    table[("reply_approval", "reject")] = {"quality": (Status.RETURNED, None)}
    table[("returned", "submit")] = {"service": (IP, "analysis")}
    table[("returned", "void")] = {"service": (Status.VOIDED, None), "admin": (Status.VOIDED, None)}
    table[("completed", "void")] = {"admin": (Status.VOIDED, None)}
    return table


EXPECTED = _expected()


def bring_to(state: str, make_complaint, player):
    complaint = make_complaint()
    if state == "paused":
        engine.transition(complaint.instance, "pause", player.org["service"], "等待客户寄样")
    elif state == "clarify":
        player.to(complaint, "clarify", valid=False)
    elif state == "second_follow_up":
        player.to(complaint, "follow_up")
        player.act(complaint, satisfaction=2, second_reason="low_score")
    elif state == "returned":
        player.to(complaint, "reply_approval")
        engine.transition(complaint.instance, "reject", player.org["quality"], "重新登记")
    elif state == "completed":
        player.to(complaint, "follow_up")
        player.act(complaint)
    elif state == "voided":
        engine.transition(complaint.instance, "void", player.org["admin"], "误登记")
    elif state != "analysis":
        player.to(complaint, state)
    db.session.commit()
    return complaint


def _act(complaint, state, action, username, player):
    if action == "complete":
        player.fill(complaint, "analysis" if state == "paused" else complaint.instance.step_key)
    page = engine.current_page(complaint.instance)  # as the stage page does
    engine.transition(complaint.instance, action, player.org[username], "意见", page=page)
    db.session.commit()


CELLS = [(s, a) for s in STATES for a in ACTIONS]


@pytest.mark.parametrize(("state", "action"), CELLS, ids=[f"{s}-{a}" for s, a in CELLS])
def test_transition_cell(state, action, make_complaint, player):
    expected = EXPECTED.get((state, action), {})
    complaint = bring_to(state, make_complaint, player)
    instance = complaint.instance
    before = (instance.status, instance.step_key, instance.paused_at)
    for username in USERS:
        if username in expected:
            continue
        with pytest.raises(engine.WorkflowError):
            if action == "complete" and instance.step_key:
                player.fill(complaint, "analysis" if state == "paused" else instance.step_key)
            page = engine.current_page(instance)
            engine.transition(instance, action, player.org[username], "意见", page=page)
        db.session.rollback()
        assert (instance.status, instance.step_key, instance.paused_at) == before, username
    for username, outcome in expected.items():
        fresh = bring_to(state, make_complaint, player)
        _act(fresh, state, action, username, player)
        assert (fresh.instance.status, fresh.instance.step_key) == outcome, (
            state,
            action,
            username,
        )


def test_table_only_names_known_cells():
    assert set(EXPECTED) <= set(CELLS)
    assert all(u in USERS for cell in EXPECTED.values() for u in cell)


def test_stage_needs_its_page(make_complaint, org):
    """The generic “完成” cannot skip a stage page, and the page itself cannot complete the
    step without its data."""
    complaint = make_complaint()
    with pytest.raises(engine.WorkflowError, match="办理页面"):
        engine.transition(complaint.instance, "complete", org["quality"], "完成")
    db.session.rollback()
    with pytest.raises(engine.WorkflowError, match="初步分析"):
        engine.transition(
            complaint.instance, "complete", org["quality"], "完成", page="complaints.analysis"
        )
    db.session.rollback()
    assert complaint.instance.step_key == "analysis"
