"""The three supplies flows, following the bundled 办公用品管理办法 (QP-ADM-02):

- 办公用品领用单 (第六、七条): department head → 行政办主任 when urgent or over the department's
  monthly forecast (第七、十二条) → the admin assistant issues on the issue day, the 1st or the
  15th moved to the next working day (第五条), short lines kept as a backorder → the requester
  signs for what was received (or the assistant records the signed slip).
- 办公用品申购单 (第十五条): department head → 行政办 decides transfer from stock or purchase →
  the GM when a purchase exceeds the limit (`SUPPLIES_GM_LIMIT_FEN`, 2000 元).
- 月度采购计划 (第十六条): built on the 25th; 行政办主任 reviews → the GM above the limit → the
  assistant receives the goods against it into the ledger.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import current_app

from portal.auth.models import RoleCode
from portal.core.calendar import is_workday
from portal.core.clock import format_local, local_now, local_zone
from portal.extensions import db
from portal.supplies.ledger import StockError, post
from portal.supplies.models import (
    DECISIONS,
    PurchasePlan,
    PurchaseRequest,
    Requisition,
    qty_text,
)
from portal.workflow import engine
from portal.workflow.engine import ActionSpec
from portal.workflow.flow import (
    KEEP,
    AnyOf,
    Applicant,
    ApplicantHead,
    Deadline,
    Flow,
    HasRole,
    Numbering,
    Step,
    applicant_is_gm,
)
from portal.workflow.models import Status

PROCEDURE = "QP-ADM-02"
ISSUE_DAYS = (1, 15)  # 第五条
GM = HasRole(RoleCode.GM, "总经理")
ADMIN_HEAD = HasRole(RoleCode.ADMIN_HEAD, "行政办主任")
ASSISTANT = HasRole(RoleCode.ADMIN_STAFF, "行政助理")


def gm_limit_fen() -> int:
    return int(current_app.config.get("SUPPLIES_GM_LIMIT_FEN", 200_000))


# --- issue days --------------------------------------------------------------------------------


def _working_on_or_after(day: date) -> date:
    while not is_workday(day):
        day += timedelta(days=1)
    return day


def _previous_workday(day: date) -> date:
    day -= timedelta(days=1)
    while not is_workday(day):
        day -= timedelta(days=1)
    return day


def issue_days_from(start: date, count: int = 4) -> list[date]:
    """The next `count` issue days from `start`'s month: the 1st and the 15th, each moved to the
    next working day when it falls on a weekend or holiday."""
    days, year, month = [], start.year, start.month
    while len(days) < count + 2:
        days += [_working_on_or_after(date(year, month, d)) for d in ISSUE_DAYS]
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return [d for d in days if d >= start][:count]


def next_issue_day(submitted: date | None = None) -> date:
    """The issue day a requisition submitted on `submitted` is issued on: the first whose
    previous working day is not before the submit day (第六条(一))."""
    today = submitted or local_now().date()
    for day in issue_days_from(today, 6):
        if _previous_workday(day) >= today:
            return day
    raise AssertionError("no issue day within three months")  # pragma: no cover


def _issue_deadline(record: Requisition) -> datetime | None:
    if record.issue_day is None:
        return None
    end = time.fromisoformat(current_app.config.get("WORK_END", "17:30"))
    return datetime.combine(record.issue_day, end, local_zone())


# --- what routes a requisition -----------------------------------------------------------------


def needs_admin_head(record: Requisition) -> bool:
    return record.urgent or record.over_forecast


def requisition_problems(record: Requisition) -> list[str]:
    """What stops this requisition from being submitted (its lines are checked by the form too;
    this is the engine's own check, so nothing inconsistent is ever submitted)."""
    problems = []
    if not record.lines:
        problems.append("请至少填写一行领用物品。")
    for line in record.lines:
        item = line.item
        if not item.active:
            problems.append(f"“{item.name}”已停用，请删除该行。")
        if line.quantity <= 0 or line.quantity > item.max_per_line:
            problems.append(f"“{item.name}”的数量应在 1 到 {qty_text(item.max_per_line)} 之间。")
    items = [line.item_id for line in record.lines]
    if len(items) != len(set(items)):
        problems.append("同一物品出现在多行，请合并为一行。")
    if record.urgent and not record.urgent_reason.strip():
        problems.append("紧急领用须写明原因（第七条）。")
    return problems


def _submit_check(record: Requisition) -> str | None:
    problems = requisition_problems(record)
    return "；".join(problems) if problems else None


# --- the backorder: an action of the flow (it writes the ledger) -------------------------------


def _refuse_backorder(ctx) -> str | None:
    record = ctx.record
    if not ctx.actor.has_role(RoleCode.ADMIN_STAFF, RoleCode.SYSADMIN):
        return "只有行政助理可以补发。"
    if ctx.instance.status not in (Status.IN_PROGRESS, Status.COMPLETED) or not record.backorder:
        return "该领用单没有欠发的物品。"
    if not any(line.item.on_hand > 0 for line in record.backorder):
        return "欠发物品目前仍无库存，到货入库后再补发。"
    return None


def issue_backorder(record: Requisition, user) -> list[str]:
    """Issue what stock allows of each outstanding line; returns "品名 数量" of what went out."""
    issued = []
    for line in record.backorder:
        quantity = min(line.outstanding, line.item.on_hand)
        if not line.item.fractional:
            quantity = quantity.to_integral_value(rounding="ROUND_FLOOR")
        if quantity <= 0:
            continue
        post(line.item, "issue", -quantity, user, department_id=record.instance.department_id,
             line_id=line.id, reference=record.number, note="补发")  # fmt: skip
        line.issued += quantity
        issued.append(f"{line.item.name} {qty_text(quantity, line.item.unit)}")
    return issued


def _apply_backorder(ctx, comment: str, **_) -> None:
    try:
        issued = issue_backorder(ctx.record, ctx.actor)
    except StockError as exc:
        raise engine.WorkflowError(str(exc)) from exc
    left = "；仍欠发：" + "、".join(
        f"{line.item.name} {qty_text(line.outstanding, line.item.unit)}" for line in ctx.record.backorder
    ) if ctx.record.backorder else "；已全部发放"  # fmt: skip
    status = ctx.instance.status
    engine.log(
        ctx, "issue_backorder", status, status, f"补发：{'、'.join(issued)}{left}。{comment}"
    )
    db.session.flush()


BACKORDER = ActionSpec(
    "issue_backorder", "补发欠发物品", _refuse_backorder, _apply_backorder, style="primary",
    trail="补发欠发物品",
)  # fmt: skip


def _lines_title(record) -> str:
    names = [line.item.name if getattr(line, "item", None) else line.name for line in record.lines]
    return "、".join(names[:3]) + (" 等" if len(names) > 3 else "") or "（未填写物品）"


def _requisition_canonical(record: Requisition) -> dict:
    return {
        "purpose": record.purpose,
        "urgent": [record.urgent, record.urgent_reason],
        "issue_day": str(record.issue_day or ""),
        "lines": [
            [x.item.code, x.item.name, str(x.quantity), str(x.issued), x.purpose]
            for x in record.lines
        ],
        "received_at": format_local(record.received_at),
    }


REQUISITION_FLOW = Flow(
    key="supplies",
    name="办公用品领用",
    numbering=Numbering("LY"),
    model=Requisition,
    steps=(
        Step("head", "部门负责人审核", ApplicantHead(), on_applicant=GM, clause="art-6"),
        Step("admin_head", "行政办主任审批（紧急或超出月度预算）", ADMIN_HEAD,
             when=needs_admin_head, clause="art-7", when_label="紧急领用或超出部门月度预算时"),
        Step("issue", "行政助理发放", ASSISTANT, kind="stage", page="supplies.issue",
             execution=True, on_applicant=KEEP, action_label="按单发放", can_send_back=False,
             deadline=Deadline(resolve=_issue_deadline), escalate_to=ADMIN_HEAD, clause="art-6"),
        Step("receive", "领用人签收", AnyOf((Applicant(), ASSISTANT), "领用人（或行政助理登记签字）"),
             kind="stage", page="supplies.receive", on_applicant=KEEP, action_label="确认签收",
             can_send_back=False, clause="art-6"),
    ),
    detail_endpoint="supplies.detail",
    title=_lines_title,
    viewer_roles=(RoleCode.SYSADMIN, RoleCode.ADMIN_HEAD, RoleCode.ADMIN_STAFF),
    void_roles=(RoleCode.SYSADMIN, RoleCode.ADMIN_HEAD),
    canonical=_requisition_canonical,
    submit_check=_submit_check,
    unapproved_note=applicant_is_gm,
    actions=(BACKORDER,),
    procedure=PROCEDURE,
)  # fmt: skip


def needs_gm(record: PurchaseRequest) -> bool:
    return record.decision == "purchase" and record.total_fen > gm_limit_fen()


PURCHASE_FLOW = Flow(
    key="supply_purchases",
    name="办公用品申购",
    numbering=Numbering("SG"),
    model=PurchaseRequest,
    steps=(
        Step("head", "部门负责人审核", ApplicantHead(), on_applicant=GM, clause="art-15"),
        Step("decide", "行政办核查（调拨或采购）", ADMIN_HEAD, kind="stage", page="supplies.decide",
             on_applicant=KEEP, action_label="核查并决定", clause="art-15"),
        Step("gm", "总经理审批", GM, when=needs_gm, clause="art-15",
             when_label="决定采购且金额超过 2000 元时"),
    ),
    detail_endpoint="supplies.purchase_detail",
    title=_lines_title,
    viewer_roles=(RoleCode.SYSADMIN, RoleCode.ADMIN_HEAD, RoleCode.ADMIN_STAFF, RoleCode.GM),
    canonical=lambda r: {
        "reason": r.reason, "needed_by": str(r.needed_by or ""),
        "decision": DECISIONS.get(r.decision, ""), "note": r.decision_note,
        "lines": [[x.name, x.spec, x.unit, str(x.quantity), x.price_fen] for x in r.lines],
    },
    procedure=PROCEDURE,
)  # fmt: skip


def plan_needs_gm(plan: PurchasePlan) -> bool:
    return plan.total_fen > gm_limit_fen()


PLAN_FLOW = Flow(
    key="supply_plans",
    name="月度采购计划",
    numbering=Numbering("CG", period="year"),
    model=PurchasePlan,
    steps=(
        Step("review", "行政办主任审核", ADMIN_HEAD, clause="art-16"),
        Step(
            "gm",
            "总经理审批",
            GM,
            when=plan_needs_gm,
            clause="art-16",
            when_label="计划金额超过 2000 元时",
        ),
        Step(
            "receive",
            "到货验收入库",
            ASSISTANT,
            kind="stage",
            page="supplies.plan_receive",
            execution=True,
            on_applicant=KEEP,
            action_label="验收入库",
            clause="art-19",
        ),
    ),
    detail_endpoint="supplies.plan_detail",
    title=lambda p: f"{p.month} 月度采购计划",
    viewer_roles=(
        RoleCode.SYSADMIN,
        RoleCode.ADMIN_HEAD,
        RoleCode.ADMIN_STAFF,
        RoleCode.GM,
        RoleCode.FINANCE,
    ),
    canonical=lambda p: {
        "month": p.month,
        "lines": [
            [x.name, x.unit, str(x.quantity), x.price_fen, x.source, str(x.received)]
            for x in p.lines
        ],
    },
    procedure=PROCEDURE,
)

FLOWS = (REQUISITION_FLOW, PURCHASE_FLOW, PLAN_FLOW)
