"""A test-only form type that exercises every engine feature (table prefixed `test_`)."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from portal.auth.models import User
from portal.extensions import db
from portal.workflow.flow import (
    ALL,
    ApplicantHead,
    Deadline,
    DepartmentHead,
    Flow,
    FromRecord,
    HasRole,
    NamedUser,
    Numbering,
    Step,
)


class DemoRequest(db.Model):
    __tablename__ = "test_demo_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100), default="测试事项")
    amount: Mapped[int] = mapped_column(default=100)
    board: Mapped[str] = mapped_column(String(200), default="quality,service")


def _board(record: DemoRequest) -> list[User]:
    names = [n for n in record.board.split(",") if n]
    return list(
        db.session.scalars(db.select(User).where(User.username.in_(names)).order_by(User.id))
    )


DEMO_FLOW = Flow(
    key="demo",
    name="测试申请",
    numbering=Numbering("TS"),
    model=DemoRequest,
    steps=(
        Step("head", "部门负责人审批", ApplicantHead(),
             deadline=Deadline(hours=8, business=True), escalate_to=HasRole("admin_head")),
        Step("finance", "财务审批", DepartmentHead("FIN"), when=lambda r: r.amount > 1000),
        Step("gm", "总经理审批", HasRole("gm"), cc=NamedUser("adminhead"),
             deadline=Deadline(hours=24, anchor="submit")),
        Step("board", "会签", FromRecord(_board, "会签人"), mode=ALL),
        Step("done", "办理", HasRole("admin_staff"), kind="stage", action_label="办理完成"),
    ),
    detail_endpoint="home.index",
    title=lambda r: r.title,
    pausable=True,
    pause_roles=("admin_staff",),
)  # fmt: skip
