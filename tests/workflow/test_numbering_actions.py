"""Numbering per flow (prefix, period, a category from the record, assigned on submit or at a
named step) and open actions (registered by the engine or declared by a domain's flow)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from portal.core import audit, clock
from portal.extensions import db
from portal.workflow import engine, services
from portal.workflow.engine import ActionSpec
from portal.workflow.flow import Flow, HasRole, Numbering, Step, register_flow
from portal.workflow.models import Status
from tests.workflow.demo_form import DemoRequest

NOV = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def _extend_refusal(ctx) -> str | None:
    if ctx.instance.status != Status.IN_PROGRESS:
        return "只有办理中的记录可以延期。"
    return None if ctx.actor.id == ctx.instance.applicant_id else "只有申请人可以申请延期。"


def _extend(ctx, comment: str, **_) -> None:
    engine.log(ctx, "extend", Status.IN_PROGRESS, Status.IN_PROGRESS, comment)


ARCHIVE = Flow(
    key="numbered",
    name="存档测试",
    # DA-2026-<category>-0001, given when the archivist acknowledges receipt
    numbering=Numbering("DA", period="year", category=lambda r: r.title, at="receive"),
    model=DemoRequest,
    steps=(
        Step("head", "部门负责人审核", HasRole("gm")),
        Step("receive", "档案员签收", HasRole("archivist"), kind="stage"),
        Step("keep", "保管", HasRole("archivist"), kind="stage"),
    ),
    detail_endpoint="home.index",
    title=lambda r: r.title,
    actions=(
        ActionSpec("extend", "申请延期", _extend_refusal, _extend, needs_comment=True,
                   comment_label="延期理由", trail="申请延期"),
    ),
)  # fmt: skip
PLAIN = Flow(
    key="plain",
    name="无期间编号",
    numbering=Numbering("GD", period="none"),
    model=DemoRequest,
    steps=(Step("head", "审批", HasRole("gm")),),
    detail_endpoint="home.index",
)


@pytest.fixture
def start(app, org):
    register_flow(app, ARCHIVE)
    register_flow(app, PLAIN)

    def _start(flow: str, title: str = "HT") -> object:
        record = DemoRequest(title=title)
        db.session.add(record)
        db.session.flush()
        instance = engine.start(flow, record, org["employee"])
        db.session.commit()
        return instance

    return _start


def act(instance, action, user, comment="意见", **kw):
    engine.transition(instance, action, user, comment, **kw)
    db.session.commit()


def test_number_is_given_at_the_named_step_per_category_and_year(start, org):
    with clock.frozen(NOV):
        contract, notice, second = (
            start("numbered", "HT"),
            start("numbered", "TZ"),
            start("numbered"),
        )
        for instance in (contract, notice, second):
            act(instance, "submit", org["employee"])
            act(instance, "approve", org["gm"])
        assert contract.number is None and contract.step_key == "receive"  # not yet received
        act(notice, "complete", org["archivist"])
        act(contract, "complete", org["archivist"])
        act(second, "complete", org["archivist"])
    assert (contract.number, notice.number, second.number) == (
        "DA-2026-HT-0001",
        "DA-2026-TZ-0001",
        "DA-2026-HT-0002",
    )
    act(contract, "void", org["admin"], "误登记")
    assert contract.number == "DA-2026-HT-0001"  # a voided record keeps its number
    with clock.frozen(datetime(2027, 1, 5, 2, 0, tzinfo=UTC)):
        nxt = start("numbered", "HT")
        act(nxt, "submit", org["employee"])
        act(nxt, "approve", org["gm"])
        act(nxt, "complete", org["archivist"])
    assert nxt.number == "DA-2027-HT-0001"  # the series starts again each year


def test_numbers_without_a_period(start, org):
    first, second = start("plain"), start("plain")
    act(first, "submit", org["employee"])
    act(second, "submit", org["employee"])
    assert (first.number, second.number) == ("GD-0001", "GD-0002")


def test_a_domain_action_declares_who_when_and_what_the_trail_says(start, org):
    instance = start("numbered")
    assert "extend" not in [b.action for b in services.available_actions(instance, org["employee"])]
    act(instance, "submit", org["employee"])
    buttons = {b.action: b for b in services.available_actions(instance, org["employee"])}
    assert buttons["extend"].label == "申请延期" and buttons["extend"].needs_comment
    assert "extend" not in [b.action for b in services.available_actions(instance, org["gm"])]
    with pytest.raises(engine.WorkflowError, match="延期理由"):
        engine.transition(instance, "extend", org["employee"], "")
    db.session.rollback()
    with pytest.raises(engine.WorkflowError, match="只有申请人"):
        engine.transition(instance, "extend", org["gm"], "想延期")
    db.session.rollback()
    act(instance, "extend", org["employee"], "材料未齐")
    event = db.session.scalars(services.audit.events_for("workflow", instance.id)).all()[-1]
    assert (audit.action_label(event), event.comment) == ("申请延期", "材料未齐")


def test_an_engine_action_applies_to_every_flow(start, org, monkeypatch):
    monkeypatch.setattr(engine, "ACTIONS", dict(engine.ACTIONS))
    monkeypatch.setattr(audit, "ACTION_LABELS", dict(audit.ACTION_LABELS))
    spec = ActionSpec(
        "note", "备注", lambda ctx: None,
        lambda ctx, comment, **_: engine.log(ctx, "note", "", "", comment), trail="添加备注",
    )  # fmt: skip
    engine.register_action(spec)
    for flow in ("numbered", "plain"):
        instance = start(flow)
        act(instance, "note", org["gm"], "已阅")
        assert "note" in [b.action for b in services.available_actions(instance, org["gm"])]
    assert audit.ACTION_LABELS["note"] == "添加备注"
