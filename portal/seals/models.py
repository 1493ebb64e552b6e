"""Seals (the catalogue an administrator keeps) and seal-use requests (用印申请) with one item
per chosen seal, where the keeper records the stamping, the hand-over and the return."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from portal.auth.models import ROLE_NAMES, Department, User, users_with_role
from portal.core.clock import now
from portal.core.types import UTCDateTime
from portal.extensions import db
from portal.workflow.models import Instance


class SealKind:
    OFFICIAL = "official"
    CONTRACT = "contract"
    FINANCE = "finance"
    LEGAL_REP = "legal_rep"
    DEPARTMENT = "department"


SEAL_KINDS = {
    SealKind.OFFICIAL: "公章",
    SealKind.CONTRACT: "合同专用章",
    SealKind.FINANCE: "财务专用章",
    SealKind.LEGAL_REP: "法定代表人名章",
    SealKind.DEPARTMENT: "部门章",
}
# QP-ADM-01 第十四条: these two go through the finance head as well.
FINANCE_KINDS = {SealKind.FINANCE, SealKind.LEGAL_REP}


class SealStatus:
    IN_STOCK = "in_stock"
    OUT = "out"
    DISABLED = "disabled"


SEAL_STATUSES = {
    SealStatus.IN_STOCK: "在库",
    SealStatus.OUT: "外借中",
    SealStatus.DISABLED: "停用",
}

MAX_COPIES = 999
# Checked only when the applicant submits (a draft may be saved half filled in).
REQUIRED_TO_SUBMIT = {
    "seal_ids": "请至少选择一枚印章。",
    "document_name": "请填写文件名称。",
    "document_type": "请选择文件类型。",
    "purpose": "请填写用印事由。",
    "receiving_party": "请填写文件送达单位。",
    "copies": "请填写份数。",
}

DOCUMENT_TYPES = {
    "contract": "合同",
    "certificate": "证明",
    "report": "报表",
    "letter": "对外函件",
    "other": "其他",
}


class Seal(db.Model):
    """One physical seal. Its history is the audit log (`subject_type="seal"`)."""

    __tablename__ = "seals"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    # The keeper is a named user, or else a role whose first active member keeps the seal.
    keeper_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    keeper_role: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[str] = mapped_column(String(20), default=SealStatus.IN_STOCK)
    remarks: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)

    department: Mapped[Department | None] = relationship()
    keeper: Mapped[User | None] = relationship()

    @property
    def kind_label(self) -> str:
        return SEAL_KINDS.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        return SEAL_STATUSES.get(self.status, self.status)

    @property
    def usable(self) -> bool:
        return self.status != SealStatus.DISABLED

    def responsible_keeper(self) -> User | None:
        """The one person who stamps with this seal. A role resolves to its first active
        member, so a stamping step with several seals needs exactly one decision per seal."""
        if self.keeper is not None:
            return self.keeper if self.keeper.active else None
        if self.keeper_role:
            return db.session.scalar(users_with_role(self.keeper_role).limit(1))
        return None

    def kept_by(self, user: User) -> bool:
        """The keeper, or a member of the keeping role (they may read its requests)."""
        if self.keeper_id is not None:
            return self.keeper_id == user.id
        return bool(self.keeper_role) and user.has_role(self.keeper_role)

    @property
    def keeper_label(self) -> str:
        if self.keeper is not None:
            return self.keeper.display_name
        if self.keeper_role:
            return f"{ROLE_NAMES.get(self.keeper_role, self.keeper_role)}（角色）"
        return "未指定"


class SealRequest(db.Model):
    """A 用印申请: what is stamped, how many copies, for whom, and whether the seal leaves."""

    __tablename__ = "seal_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("workflow_instances.id"), unique=True
    )
    document_name: Mapped[str] = mapped_column(String(200), default="")
    document_type: Mapped[str] = mapped_column(String(20), default="")
    purpose: Mapped[str] = mapped_column(Text, default="")
    receiving_party: Mapped[str] = mapped_column(String(200), default="")
    copies: Mapped[int | None] = mapped_column()
    urgent: Mapped[bool] = mapped_column(default=False)
    take_out: Mapped[bool] = mapped_column(default=False)
    destination: Mapped[str] = mapped_column(String(200), default="")
    carrier: Mapped[str] = mapped_column(String(60), default="")
    expected_return_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    remarks: Mapped[str] = mapped_column(Text, default="")
    # Kept with the record so the register can search by seal without a join per row.
    seal_names: Mapped[str] = mapped_column(String(300), default="")
    take_out_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stamped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the last seal stamped
    handed_over_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # every seal back
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)

    # The backref lets the register page through instances (indexed by form type and date)
    # and load their requests in one query.
    instance: Mapped[Instance | None] = relationship(
        backref=backref("seal_request", uselist=False, viewonly=True)
    )
    items: Mapped[list[SealRequestItem]] = relationship(
        back_populates="request", order_by="SealRequestItem.id", cascade="all, delete-orphan"
    )

    @property
    def seal_ids(self) -> list[int]:
        return [item.seal_id for item in self.items]

    @property
    def document_type_label(self) -> str:
        return DOCUMENT_TYPES.get(self.document_type, "")

    @property
    def stamped_copies(self) -> int | None:
        counts = [i.copies_stamped for i in self.items if i.copies_stamped is not None]
        return min(counts) if counts else None

    def overdue(self, at: datetime | None = None) -> bool:
        """Taken out, not back, and past the expected return time."""
        return bool(
            self.take_out
            and self.handed_over_at is not None
            and self.returned_at is None
            and self.expected_return_at is not None
            and self.expected_return_at < (at or now())
        )


class SealRequestItem(db.Model):
    """One seal on one request: the keeper's stamping (and hand-over/return on a take-out)."""

    __tablename__ = "seal_request_items"
    __table_args__ = (
        UniqueConstraint("request_id", "seal_id"),
        # The 印章使用登记表's order (stamping time, then id): its pages and date filter.
        Index("ix_seal_request_items_stamped", "stamped_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("seal_requests.id"))
    seal_id: Mapped[int] = mapped_column(ForeignKey("seals.id"), index=True)
    copies_stamped: Mapped[int | None] = mapped_column()
    stamped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stamped_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    handed_over_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    request: Mapped[SealRequest] = relationship(back_populates="items")
    seal: Mapped[Seal] = relationship()
    stamped_by: Mapped[User | None] = relationship(foreign_keys=[stamped_by_id])
    on_behalf_of: Mapped[User | None] = relationship(foreign_keys=[on_behalf_of_id])
    returned_to: Mapped[User | None] = relationship(foreign_keys=[returned_to_id])
