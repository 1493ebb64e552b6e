"""差旅报销 (travel expense claim): a test-only form type built from the kit alone, the worked
example of docs/architecture.md "How to add a form". One module instead of a package's eight
files, so that the whole of it reads in one sitting; a real domain splits it the same way:

  models → flow → services → pages → views (+ forms, registers)

Tables are prefixed `test_` (no migration). The blueprint, flow and step page are registered on
a test app by `install(app)`, before it serves its first request.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, flash, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from wtforms.validators import DataRequired, InputRequired

from portal.auth.models import RoleCode
from portal.auth.permissions import require
from portal.core import registers
from portal.core.downloads import pdf_response
from portal.core.forms import (
    LineItemsField,
    LocalDateField,
    MoneyField,
    PortalForm,
    RowForm,
    change_rows,
    csrf_in_form,
    line,
    to_fen,
)
from portal.core.htmx import see_other
from portal.extensions import db
from portal.workflow import access, engine, records
from portal.workflow import services as workflow
from portal.workflow.flow import ApplicantHead, Flow, HasRole, Numbering, Step, register_flow
from portal.workflow.models import Instance, RecordMixin
from portal.workflow.pages import Outcome, StepPage, add_step_pages, check_pages

# --- models ------------------------------------------------------------------------------------


class TravelClaim(RecordMixin, db.Model):
    __tablename__ = "test_travel_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("workflow_instances.id"))
    purpose: Mapped[str] = mapped_column(String(200), default="")
    total_fen: Mapped[int] = mapped_column(default=0)
    paid_fen: Mapped[int | None] = mapped_column()
    voucher: Mapped[str] = mapped_column(String(40), default="")

    instance: Mapped[Instance | None] = relationship()
    lines: Mapped[list[TravelLine]] = relationship(
        order_by="TravelLine.id", cascade="all, delete-orphan"
    )


class TravelLine(db.Model):
    __tablename__ = "test_travel_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("test_travel_claims.id"))
    day: Mapped[date]
    item: Mapped[str] = mapped_column(String(80))
    amount_fen: Mapped[int]


def yuan(fen: int | None) -> str:
    return "" if fen is None else f"{fen / 100:,.2f}"


# --- flow: steps, who acts, numbering, the page that completes the payment ----------------------

TRAVEL_FLOW = Flow(
    key="travel",
    name="差旅报销",
    numbering=Numbering("BX", period="year"),  # BX-2026-0001
    model=TravelClaim,
    steps=(
        Step("head", "部门负责人审批", ApplicantHead()),
        Step(
            "pay",
            "财务付款",
            HasRole(RoleCode.FINANCE, "财务部"),
            kind="stage",
            page="travel.pay",
            execution=True,
            action_label="登记付款",
        ),
    ),
    detail_endpoint="travel.detail",
    title=lambda r: r.purpose,
    viewer_roles=(RoleCode.SYSADMIN, RoleCode.FINANCE),
    canonical=lambda r: {
        "purpose": r.purpose,
        "lines": [[str(x.day), x.item, x.amount_fen] for x in r.lines],
        "paid": r.paid_fen,
        "voucher": r.voucher,
    },
)

# --- forms ---------------------------------------------------------------------------------------


class LineForm(RowForm):
    day = LocalDateField("日期", [DataRequired("请填写日期。")], earliest=-timedelta(days=90),
                         latest=timedelta(0))  # fmt: skip
    item = line("费用项目", "请填写费用项目。", max_len=80)
    amount = MoneyField("金额（元）", [InputRequired("请填写金额。")])


class TravelForm(PortalForm):
    purpose = line("出差事由", "请填写出差事由。", max_len=200)
    lines = LineItemsField(LineForm, "费用明细", min_rows=1, max_rows=20)


class PayForm(PortalForm):
    paid = MoneyField("实付金额（元）", [InputRequired("请填写实付金额。")], minimum="0")
    voucher = line("付款凭证号", "请填写付款凭证号。", max_len=40)

    def __init__(self, *args, total_fen: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.total_fen = total_fen

    def validate_paid(self, field):
        if field.fen is not None and field.fen > self.total_fen:
            from wtforms.validators import ValidationError

            raise ValidationError(f"实付金额不能超过报销合计 {yuan(self.total_fen)} 元。")


# --- services: write, flush; the view commits -----------------------------------------------------


def submit_claim(data: dict, user) -> TravelClaim:
    claim = TravelClaim(purpose=data["purpose"].strip())
    for row in data["lines"]:
        claim.lines.append(TravelLine(day=row["day"], item=row["item"].strip(),
                                      amount_fen=to_fen(row["amount"])))  # fmt: skip
    claim.total_fen = sum(x.amount_fen for x in claim.lines)
    db.session.add(claim)
    db.session.flush()
    claim.instance = engine.start("travel", claim, user)
    engine.transition(claim.instance, "submit", user)
    return claim


def visible_claims(user):
    return access.visible_records(user, "travel").where(Instance.submitted_at.is_not(None))


# --- pages: the step page, the PDF ------------------------------------------------------------------


def _save_pay(claim: TravelClaim, form: PayForm, user, button: str) -> Outcome:
    claim.paid_fen, claim.voucher = form.paid.fen, form.voucher.data.strip()
    return Outcome("已登记付款。", comment=f"实付 {yuan(claim.paid_fen)} 元，凭证 {claim.voucher}")


STEP_PAGES = (
    StepPage("travel.pay", "travel", "/<int:id>/pay", "财务付款",
             form=lambda claim, user: PayForm(total_fen=claim.total_fen), save=_save_pay),
)  # fmt: skip


def claim_pdf(claim: TravelClaim) -> bytes:
    instance = claim.instance
    fields = [
        [{"label": "申请人", "value": instance.applicant.display_name},
         {"label": "部门", "value": instance.department.name if instance.department else ""}],
        [{"label": "出差事由", "value": claim.purpose, "span": 2}],
        [{"label": "报销合计（元）", "value": yuan(claim.total_fen)},
         {"label": "实付（元）", "value": yuan(claim.paid_fen)}],
    ]  # fmt: skip
    rows = [[str(x.day), x.item, yuan(x.amount_fen)] for x in claim.lines]
    section = {"title": "费用明细", "columns": ["日期", "费用项目", "金额（元）"], "rows": rows}
    return records.record_pdf(instance, "pdf/base_record.html", "差旅报销单", fields,
                              sections=[section], signatures=["报销人签字", "部门负责人签字"])  # fmt: skip


# --- registers -------------------------------------------------------------------------------------

REGISTER = registers.Register(
    key="travel",
    title="差旅报销登记表",
    columns=(
        registers.Column("number", "编号", lambda c: c.number, Instance.number, 16),
        registers.Column("applicant", "报销人", lambda c: c.instance.applicant.display_name),
        registers.Column("purpose", "出差事由", lambda c: c.purpose, None, 30),
        registers.Column("total", "合计（元）", lambda c: yuan(c.total_fen)),
        registers.Column("status", "状态", lambda c: c.instance.status_label),
    ),
    base_query=visible_claims,
    date_column=Instance.submitted_at,
    status_column=Instance.status,
    text_columns=(Instance.number, TravelClaim.purpose),
    row_url=lambda c: url_for("travel.detail", id=c.id),
)

# --- views: load, check, validate, one service call, commit, redirect ---------------------------------

bp = Blueprint("travel", __name__, url_prefix="/travel", template_folder="templates")
add_step_pages(bp, STEP_PAGES)


@bp.route("/")
def index():
    return registers.render(REGISTER, request.args, "travel/index.html")


@bp.route("/register.<any(csv, xlsx, pdf):fmt>")
def register_export(fmt: str):
    return registers.export(REGISTER, fmt, request.args)


@bp.route("/new", methods=["GET", "POST"])
@csrf_in_form
def new():
    form = TravelForm()
    if not change_rows(form) and form.validate_on_submit():
        claim = submit_claim(form.data, current_user)
        db.session.commit()
        flash(f"已提交：{claim.number}", "success")
        return see_other(url_for("travel.detail", id=claim.id))
    status = 422 if form.errors or form.messages else 200
    return render_template("travel/new.html", form=form), status


@bp.route("/<int:id>")
def detail(id: int):
    claim = access.get_record_or_404(TravelClaim, id)
    require(access.can_view_record, claim)
    page = workflow.record_context(claim, current_user)
    return render_template("travel/detail.html", claim=claim, yuan=yuan, **page)


@bp.route("/<int:id>/pdf")
def pdf(id: int):
    claim = access.get_record_or_404(TravelClaim, id)
    require(access.can_view_record, claim)
    return pdf_response(claim_pdf(claim), f"{claim.number}.pdf")


def install(app) -> None:
    """What a domain's init_app does: blueprint, flow, and the start-up check of its pages."""
    app.register_blueprint(bp)
    register_flow(app, TRAVEL_FLOW)
    check_pages(app)
