"""Stage clocks with an injectable clock: read from QP-CS-01 (and its fallback), calendar
hours through weekends and holidays, business hours when the procedure says so, working days
for the CAPA report, pause and resume, reminders and escalations through `workflow tick`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from portal.complaints.flow import read_clocks
from portal.core import clock
from portal.core.calendar import save_holiday
from portal.extensions import db
from portal.notifications.models import Notification
from portal.procedures import services as procedures
from portal.workflow import engine
from portal.workflow.clocks import stage_map
from portal.workflow.tick import tick
from tests.complaints.helpers import MONDAY_10, REPO_PROCEDURE

H = timedelta(hours=1)
# Friday 2026-11-27 20:00 in Shanghai; Monday 2026-11-30 is made a holiday below.
FRIDAY_20 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def open_due(complaint) -> datetime:
    return complaint.instance.open_tasks[0].due_at


def load_procedure(**replace) -> None:
    text = REPO_PROCEDURE.read_text(encoding="utf-8")
    for old, new in replace.items():
        text = text.replace(old.replace("__", "\n"), new.replace("__", "\n"))
    procedures.load_markdown(text)
    db.session.commit()


def notes(user, kind):
    query = select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)
    return db.session.scalars(query).all()


def test_clocks_come_from_the_procedure_and_a_change_applies_to_new_cases(make_complaint, player):
    load_procedure()
    first = make_complaint()
    assert first.clock_source == "QP-CS-01 A/0"
    assert open_due(first) == MONDAY_10 + 12 * H
    load_procedure(**{"revision: A/0": "revision: A/1",
                      "initial_analysis:__    hours: 12": "initial_analysis:__    hours: 6"})  # fmt: skip
    second = make_complaint(customer_company="东莞新锐科技有限公司", at=MONDAY_10 + H)
    assert second.clock_source == "QP-CS-01 A/1"
    assert open_due(second) == MONDAY_10 + H + 6 * H
    # The first case keeps the clocks it was registered under.
    assert first.clocks["initial_analysis"] == {"hours": 12}
    with clock.frozen(MONDAY_10 + 2 * H):
        player.act(first)
    assert open_due(first) == MONDAY_10 + 24 * H  # containment, counted from registration


def test_fallback_figures_when_the_procedure_is_not_loaded(app, make_complaint, player):
    clocks, source = read_clocks()
    assert "未加载" in source and clocks["initial_analysis"] == {"hours": 12}
    complaint = make_complaint()
    clocks = stage_map(complaint.instance, complaint)
    assert clocks["analysis"].due_at == MONDAY_10 + 12 * H
    assert clocks["containment"].due_at == MONDAY_10 + 24 * H  # projected before it opens
    assert clocks["reply_send"].due_at == MONDAY_10 + 48 * H


def test_calendar_hours_run_through_weekends_and_holidays(make_complaint, player):
    save_holiday(date(2026, 11, 30), "调休", False)
    db.session.commit()
    complaint = make_complaint(at=FRIDAY_20)
    assert open_due(complaint) == FRIDAY_20 + 12 * H  # Saturday 08:00
    with clock.frozen(FRIDAY_20 + H):
        player.act(complaint)
    assert open_due(complaint) == FRIDAY_20 + 24 * H  # containment: Saturday 20:00
    with clock.frozen(FRIDAY_20 + 2 * H):
        player.to(complaint, "capa")
    # 4.6.3: five working days after Friday, skipping the weekend and the Monday holiday:
    # Tue, Wed, Thu, Fri, Mon -> Monday 2026-12-07 at the end of the working day (17:30).
    assert open_due(complaint) == datetime(2026, 12, 7, 9, 30, tzinfo=UTC)


def test_business_hours_when_the_procedure_says_so(make_complaint):
    load_procedure(**{"initial_analysis:__    hours: 12": "initial_analysis:__    hours: 12__    business: true"})  # fmt: skip
    save_holiday(date(2026, 11, 30), "调休", False)
    db.session.commit()
    friday_1630 = datetime(2026, 11, 27, 8, 30, tzinfo=UTC)
    complaint = make_complaint(at=friday_1630)
    assert complaint.clocks["initial_analysis"] == {"hours": 12, "business": True}
    # 1 h on Friday, Monday is a holiday, 9 h on Tuesday, 2 h on Wednesday -> Wed 10:30.
    assert open_due(complaint) == datetime(2026, 12, 2, 2, 30, tzinfo=UTC)


def test_pause_stops_analysis_and_reply_clocks_but_not_containment(make_complaint, player, org):
    complaint = make_complaint()
    with clock.frozen(MONDAY_10 + 2 * H):
        engine.transition(complaint.instance, "pause", org["service"], "等待客户寄回不良样品")
        db.session.commit()
    assert stage_map(complaint.instance)["analysis"].state == "paused"
    with clock.frozen(MONDAY_10 + 7 * H):
        engine.transition(complaint.instance, "resume", org["service"], "样品已收到")
        db.session.commit()
    assert open_due(complaint) == MONDAY_10 + 17 * H  # 12 h + 5 h paused
    with clock.frozen(MONDAY_10 + 8 * H):
        player.act(complaint)
    assert open_due(complaint) == MONDAY_10 + 24 * H  # 4.2.2: containment is not paused
    with clock.frozen(MONDAY_10 + 9 * H):
        engine.transition(complaint.instance, "pause", org["quality"], "等待客户补充资料")
        db.session.commit()
        assert stage_map(complaint.instance)["containment"].state == "running"
    with clock.frozen(MONDAY_10 + 12 * H):
        engine.transition(complaint.instance, "resume", org["quality"], "")
        player.act(complaint)  # containment done
    assert open_due(complaint) == MONDAY_10 + (48 + 5 + 3) * H  # reply: both pauses skipped


def test_reminders_and_escalations_through_tick(make_complaint, org, runner):
    complaint = make_complaint()
    with clock.frozen(MONDAY_10 + 7 * H):
        assert tick().reminders == 0
    with clock.frozen(MONDAY_10 + 8 * H + 30 * timedelta(minutes=1)):
        result = runner.invoke(args=["workflow", "tick"])
        assert "reminders 2" in result.output  # quality and inspector, 4 h before (4.2.3)
        db.session.expire_all()
        assert tick().reminders == 0
        assert stage_map(complaint.instance)["analysis"].state == "due_soon"
    with clock.frozen(MONDAY_10 + 12 * H + 30 * timedelta(minutes=1)):
        assert tick().escalations == 2
        assert tick().escalations == 0
        assert stage_map(complaint.instance)["analysis"].state == "overdue"
    db.session.commit()
    assert len(notes(org["inspector"], "reminder")) == 1
    # Overdue goes to the department head and the service manager (4.2.3).
    assert notes(org["service"], "escalation")
    assert notes(org["quality"], "escalation")


def test_paused_complaint_is_not_escalated(make_complaint, org):
    complaint = make_complaint()
    with clock.frozen(MONDAY_10 + H):
        engine.transition(complaint.instance, "pause", org["service"], "等待客户寄回不良样品")
        db.session.commit()
    with clock.frozen(MONDAY_10 + 30 * H):
        assert tick().escalations == 0


def test_stage_states_for_the_register(make_complaint, player):
    complaint = make_complaint()
    with clock.frozen(MONDAY_10 + 13 * H):  # analysis late
        player.act(complaint)
    with clock.frozen(MONDAY_10 + 14 * H):  # containment on time
        player.act(complaint)
        clocks = stage_map(complaint.instance)
    assert clocks["analysis"].state == "done_late"
    assert clocks["containment"].state == "done_on_time"
    assert clocks["reply"].state == "running"
    assert "期限" in clocks["reply"].text()


def test_follow_up_counts_from_closing_and_low_scores_are_rechecked(make_complaint, player):
    complaint = make_complaint()
    closed = MONDAY_10 + 100 * H
    with clock.frozen(MONDAY_10 + 10 * H):
        player.to(complaint, "close")
    with clock.frozen(closed):
        player.act(complaint)
    assert open_due(complaint) == closed + timedelta(days=7)
    with clock.frozen(closed + 24 * H):  # Saturday 14:00 -> two working days: Tuesday 17:30
        player.act(complaint, satisfaction=2, second_reason="low_score")
    assert complaint.instance.step_key == "second_follow_up"
    assert open_due(complaint) == datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
