"""The monthly complaint report (QP-CS-01 4.11): counts, on-time rates, time to close,
satisfaction, repeat customers; an SVG chart drawn here; the same data as PDF and XLSX.

Definitions follow 4.11.2: a stage counts in the month its deadline falls in (done on time vs
done late or still open after the deadline); satisfaction counts follow-ups made in the month;
time to close counts complaints closed in the month; counts by category, department and status
count complaints registered in the month. Repeat customers: a customer of this month with two or
more complaints in the three months ending with it (4.11.3).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time

from flask import current_app
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, selectinload

from portal.core import values
from portal.core import xlsx as xlsx_writer
from portal.core.charts import bar_chart
from portal.core.clock import local_now, local_zone, now
from portal.extensions import db
from portal.workflow.flow import get_flow
from portal.workflow.models import Instance, Status, Task, TaskStatus

from .models import CATEGORIES, Complaint, label

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
ON_TIME_TARGET = 90  # per cent, 4.11.2
SATISFACTION_TARGET = 85
RATE_STEPS = (
    ("complaints", "analysis"), ("complaints", "containment"), ("complaints", "reply_send"),
    ("complaints", "capa"), ("complaints", "follow_up"),
    ("complaint_returns", "disposition"), ("complaint_returns", "rework"),
)  # fmt: skip
RATE_NAMES = {"reply_send": "答复客户（48小时）", "disposition": "退货处置", "rework": "退货返工"}


class MonthError(ValueError):
    """Shown to the user as is."""


def parse_month(value: str | None) -> tuple[int, int]:
    """ "2026-05" -> (2026, 5); empty -> the current month; anything else -> MonthError."""
    value = (value or "").strip()
    if not value:
        today = local_now()
        return today.year, today.month
    match = MONTH.match(value)
    if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2100:
        raise MonthError(f"月份“{value[:20]}”无效：请按 YYYY-MM 填写，例如 {local_now():%Y-%m}。")
    return int(match.group(1)), int(match.group(2))


def _bounds(year: int, month: int, back: int = 0) -> tuple[datetime, datetime]:
    """Local month start and end (aware); `back` months earlier for the start."""
    tz = local_zone()
    start_year, start_month = year, month - back
    while start_month < 1:
        start_month += 12
        start_year -= 1
    end = date(year + (month == 12), month % 12 + 1, 1)
    return (
        datetime.combine(date(start_year, start_month, 1), time(0), tz),
        datetime.combine(end, time(0), tz),
    )


@dataclass
class Rate:
    name: str
    on_time: int = 0
    late: int = 0

    @property
    def total(self) -> int:
        return self.on_time + self.late

    @property
    def percent(self) -> float | None:
        return self.on_time * 100 / self.total if self.total else None


@dataclass
class Report:
    year: int
    month: int
    total: int = 0
    by_category: list[tuple[str, int]] = field(default_factory=list)
    by_department: list[tuple[str, int]] = field(default_factory=list)
    by_status: list[tuple[str, int]] = field(default_factory=list)
    stage_rates: list[Rate] = field(default_factory=list)
    overall: Rate = field(default_factory=lambda: Rate("及时处理率"))
    closed: int = 0
    mean_close_hours: float | None = None
    followed_up: int = 0
    satisfaction_avg: float | None = None
    satisfied: Rate = field(default_factory=lambda: Rate("客户满意率"))
    repeat_customers: list[dict] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def title(self) -> str:
        return f"{self.year} 年 {self.month} 月客户投诉统计分析"


# --- gathering -----------------------------------------------------------------------------------


def _registered_in(start: datetime, end: datetime):
    return (
        select(Complaint)
        .join(Instance, Complaint.instance_id == Instance.id)
        .where(
            Instance.status != Status.DRAFT,
            Instance.submitted_at >= start,
            Instance.submitted_at < end,
        )
        .options(selectinload(Complaint.instance), selectinload(Complaint.capa_department))
        .order_by(Instance.submitted_at)
    )


def _status_bucket(record: Complaint) -> str:
    instance = record.instance
    if instance.status == Status.IN_PROGRESS:
        if record.closed_at is not None:
            return "已结案待回访"
        return "已暂停" if instance.paused_at else "处理中"
    if instance.status == Status.COMPLETED:
        return "已完成"
    return instance.status_label


def _department(record: Complaint) -> str:
    if record.valid is False:
        return "无效投诉"
    return record.capa_department.name if record.capa_department else "待定"


def _stage_rates(start: datetime, end: datetime) -> tuple[list[Rate], Rate]:
    """On time vs late per stage for deadlines inside the month, and per complaint overall."""
    tasks = db.session.scalars(
        select(Task)
        .join(Task.instance)
        .where(
            Instance.form_type.in_(["complaints", "complaint_returns"]),
            Instance.status != Status.VOIDED,
            Task.due_at >= start,
            Task.due_at < end,
            Task.status.notin_([TaskStatus.CANCELLED, TaskStatus.SENT_BACK, TaskStatus.REJECTED]),
        )
        .options(contains_eager(Task.instance))
    ).all()
    # One stage may have several tasks (或签: everyone in 品质部); the decided one counts.
    stages: dict[tuple, Task] = {}
    for task in tasks:
        key = (task.instance_id, task.step_key, task.round)
        kept = stages.get(key)
        if kept is None or (kept.status == TaskStatus.OPEN and task.status != TaskStatus.OPEN):
            stages[key] = task
    current = now()
    rates = {key: Rate(_rate_name(*key)) for key in RATE_STEPS}
    per_case: dict[int, bool] = {}
    for task in stages.values():
        if task.status == TaskStatus.OPEN and task.due_at >= current:
            continue  # not due yet
        on_time = task.decided_at is not None and task.decided_at <= task.due_at
        rate = rates.get((task.instance.form_type, task.step_key))
        if rate is not None:
            rate.on_time += on_time
            rate.late += not on_time
        if task.instance.form_type == "complaints":
            per_case[task.instance_id] = per_case.get(task.instance_id, True) and on_time
    overall = Rate("及时处理率", sum(per_case.values()), len(per_case) - sum(per_case.values()))
    return list(rates.values()), overall


def _rate_name(form_type: str, step_key: str) -> str:
    if step_key in RATE_NAMES:
        return RATE_NAMES[step_key]
    return get_flow(form_type).step(step_key).name


def _closing(start: datetime, end: datetime) -> tuple[int, float | None]:
    rows = db.session.execute(
        select(Complaint.closed_at, Instance.submitted_at)
        .join(Instance, Complaint.instance_id == Instance.id)
        .where(Complaint.closed_at >= start, Complaint.closed_at < end)
    ).all()
    hours = [(closed - submitted).total_seconds() / 3600 for closed, submitted in rows]
    return len(hours), (sum(hours) / len(hours) if hours else None)


def _satisfaction(start: datetime, end: datetime) -> tuple[list[int], Rate]:
    scores = list(
        db.session.scalars(
            select(Complaint.satisfaction).where(
                Complaint.followed_up_at >= start,
                Complaint.followed_up_at < end,
                Complaint.satisfaction.is_not(None),
            )
        )
    )
    good = sum(1 for s in scores if s >= 4)
    return scores, Rate("客户满意率", good, len(scores) - good)


def _repeats(month_rows: list[Complaint], year: int, month: int) -> list[dict]:
    customers = {" ".join(r.customer_company.split()).lower() for r in month_rows}
    start, end = _bounds(year, month, back=2)
    window = db.session.scalars(_registered_in(start, end)).all()
    groups: dict[str, list[Complaint]] = {}
    for record in window:
        if record.instance.status == Status.VOIDED:
            continue
        key = " ".join(record.customer_company.split()).lower()
        if key in customers:
            groups.setdefault(key, []).append(record)
    out = []
    for cases in groups.values():
        if len(cases) < 2:
            continue
        products = Counter(c.product for c in cases)
        out.append({
            "customer": cases[0].customer_company,
            "count": len(cases),
            "numbers": "、".join(c.number for c in cases),
            "same_product": "、".join(p for p, n in products.items() if n > 1),
        })  # fmt: skip
    return sorted(out, key=lambda r: -r["count"])


def build(year: int, month: int) -> Report:
    start, end = _bounds(year, month)
    report = Report(year, month)
    rows = [r for r in db.session.scalars(_registered_in(start, end)) if r.instance]
    report.by_status = Counter(_status_bucket(r) for r in rows).most_common()
    rows = [r for r in rows if r.instance.status != Status.VOIDED]
    report.total = len(rows)
    counts = Counter(r.category for r in rows)
    report.by_category = [(name, counts.get(key, 0)) for key, name in CATEGORIES]
    report.by_department = Counter(_department(r) for r in rows).most_common()
    report.stage_rates, report.overall = _stage_rates(start, end)
    report.closed, report.mean_close_hours = _closing(start, end)
    scores, report.satisfied = _satisfaction(start, end)
    report.followed_up = len(scores)
    report.satisfaction_avg = sum(scores) / len(scores) if scores else None
    report.repeat_customers = _repeats(rows, year, month)
    report.rows = [_row(r) for r in rows]
    return report


def _row(record: Complaint) -> dict:
    return {
        "number": record.number,
        "registered": record.registered_at,
        "customer": record.customer_company,
        "product": record.product,
        "category": label(CATEGORIES, record.category),
        "valid": {True: "有效", False: "无效"}.get(record.valid, "待判定"),
        "department": _department(record),
        "status": _status_bucket(record),
        "closed": record.closed_at,
        "satisfaction": record.satisfaction,
    }


# --- presentation --------------------------------------------------------------------------------


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def duration(hours: float | None) -> str:
    if hours is None:
        return "—"
    days, rest = divmod(hours, 24)
    return f"{int(days)} 天 {rest:.1f} 小时" if days else f"{hours:.1f} 小时"


def charts(report: Report, color: str = "#1d5fbf", mark: str = "#b42318") -> list[Markup]:
    return [
        bar_chart(report.by_category, "按类别统计（件）", color=color),
        bar_chart(
            [(r.name, r.percent) for r in report.stage_rates],
            "各环节按时完成率",
            unit="%",
            scale=100,
            target=ON_TIME_TARGET,
            color=color,
            mark=mark,
        ),
    ]


def summary(report: Report) -> list[tuple[str, str]]:
    """The key figures, in the order the page, the PDF and the XLSX show them."""
    return [
        ("本月登记投诉", f"{report.total} 件"),
        ("及时处理率（目标 ≥ 90%）", f"{percent(report.overall.percent)}（{report.overall.on_time}/{report.overall.total}）"),
        ("本月结案", f"{report.closed} 件"),
        ("平均结案时间", duration(report.mean_close_hours)),
        ("本月回访", f"{report.followed_up} 件"),
        ("平均评分（1–5 分）", "—" if report.satisfaction_avg is None else f"{report.satisfaction_avg:.2f}"),
        ("客户满意率（≥ 4 分，目标 ≥ 85%）", f"{percent(report.satisfied.percent)}（{report.satisfied.on_time}/{report.satisfied.total}）"),
        ("重复投诉客户", f"{len(report.repeat_customers)} 家"),
    ]  # fmt: skip


def pdf_data(report: Report) -> dict:
    return {
        "company": current_app.config["COMPANY_NAME"],
        "title": report.title,
        "report": _plain(report),
        "summary": summary(report),
        "charts": charts(report, color="#555", mark="#000"),  # print: greys only
        "printed_at": local_now().strftime("%Y-%m-%d %H:%M"),
    }


def _plain(report: Report) -> dict:
    """The report as rows of plain values for the PDF template."""
    return {
        "key": report.key,
        "by_category": [list(r) for r in report.by_category],
        "by_department": [list(r) for r in report.by_department],
        "by_status": [list(r) for r in report.by_status],
        "stage_rates": [
            [r.name, r.on_time, r.late, percent(r.percent)] for r in report.stage_rates
        ],
        "repeat_customers": [
            [r["customer"], r["count"], r["numbers"], r["same_product"] or "—"]
            for r in report.repeat_customers
        ],
    }


def xlsx(report: Report) -> bytes:
    preamble: list[tuple[list, bool]] = [([report.title], True)]
    sections = [
        ("关键指标", ["指标", "数值"], summary(report)),
        ("按类别", ["类别", "件数"], report.by_category),
        ("按责任部门", ["部门", "件数"], report.by_department),
        ("按状态", ["状态", "件数"], report.by_status),
        ("各环节按时完成率", ["环节", "按时", "超时", "按时率"],
         [(r.name, r.on_time, r.late, values.percent(r.percent)) for r in report.stage_rates]),
        ("重复投诉客户（近三个月）", ["客户", "件数", "投诉编号", "重复产品"],
         [(r["customer"], r["count"], r["numbers"], r["same_product"]) for r in report.repeat_customers]),
    ]  # fmt: skip
    for title, header, rows in sections:
        preamble += [([], False), ([title], True), (header, True)]
        preamble += [(list(row), False) for row in rows]
    columns = ["投诉编号", "受理时间", "客户", "产品", "类别", "判定", "责任部门", "状态",
               "结案时间", "评分"]  # fmt: skip
    return xlsx_writer.write([
        xlsx_writer.Sheet("汇总", preamble=preamble, widths=[34, 22, 40]),
        xlsx_writer.Sheet("明细", columns, [list(row.values()) for row in report.rows]),
    ])  # fmt: skip
