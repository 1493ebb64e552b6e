"""Home page panels: tasks awaiting the user, and the user's open requests."""

from __future__ import annotations

from flask import url_for
from sqlalchemy.orm import contains_eager

import portal.workflow.services as services
from portal.core.clock import format_local
from portal.extensions import db
from portal.home.services import Panel
from portal.workflow.engine import record_url
from portal.workflow.flow import get_flow
from portal.workflow.models import Status, Task


def awaiting_panel(user) -> Panel:
    query = services.awaiting(user).options(contains_eager(Task.instance))
    tasks = db.session.scalars(query.limit(8)).all()
    items = [
        {
            "label": f"{t.instance.number} {t.instance.title}（{t.step_name}）",
            "url": record_url(t.instance),
            "meta": f"期限 {format_local(t.due_at)}"
            if t.due_at
            else get_flow(t.instance.form_type).name,
            "overdue": t.overdue,
        }
        for t in tasks
    ]
    return Panel("待我审批", items, "没有待您处理的事项。", url_for("workflow.inbox"), order=10)


def open_requests_panel(user) -> Panel:
    rows = db.session.scalars(services.mine(user).limit(20)).all()
    active = [i for i in rows if i.status in (Status.DRAFT, Status.IN_PROGRESS, Status.RETURNED)][
        :8
    ]
    items = [
        {
            "label": f"{i.number or '草稿'} {i.title}",
            "url": record_url(i),
            "meta": i.status_label,
            "overdue": False,
        }
        for i in active
    ]
    return Panel("我的申请", items, "您没有进行中的申请。", url_for("workflow.mine"), order=20)
