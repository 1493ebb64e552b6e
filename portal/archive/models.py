"""Archives (档案, QP-ADM-03): the 存档登记表 (a batch of items a department hands over or keeps
and reports for the record), the items themselves with their archive numbers, loans (借阅),
the queue for an item on loan, and disposal proposals (销毁) with the items they list.

An item is never deleted: a returned item keeps its row and reason, a destroyed item keeps its
row and number and prints on the 档案销毁清册 for ever.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import Department, User
from portal.core.clock import now
from portal.core.types import UTCDateTime
from portal.extensions import db
from portal.files.models import Attachment
from portal.workflow.models import Instance, RecordMixin

# --- what the forms choose from -----------------------------------------------------------------

# Retention (保管期限), in the codes of DA/T 22: 永久 (Y), 定期 30 年 (D30), 定期 10 年 (D10).
RETENTIONS = {"Y": "永久", "D30": "30 年", "D10": "10 年"}
RETENTION_YEARS = {"Y": None, "D30": 30, "D10": 10}
RETENTION_RANK = {"D10": 1, "D30": 2, "Y": 3}


@dataclass(frozen=True)
class Category:
    code: str  # the two letters in the archive number (DA-2026-HT-0001)
    name: str
    minimum: str  # the shortest retention allowed, also the default (第二十一条)
    examples: str
    accounting: bool = False  # retention counted from the end of the accounting year


CATEGORY_LIST = (
    Category("WS", "公司文件", "D30", "章程、决议、公司发文、会议纪要、证照"),
    Category("TZ", "通知", "D10", "公司和部门的通知、通报"),
    Category("HT", "合同", "D30", "销售合同、采购合同及其附件"),
    Category("TB", "招投标文件", "D10", "投标书、招标书、评标资料"),
    Category("JS", "技术档案", "D30", "图纸、工艺文件、技术标准、研发项目资料"),
    Category("CW", "会计档案", "D10", "会计凭证、账簿、财务报告、银行对账单", accounting=True),
    Category("RS", "人事档案", "D30", "员工档案、劳动合同、考核和培训记录"),
    Category("ZL", "质量记录", "D10", "检验记录、客户投诉处理记录、审核报告"),
)
CATEGORIES = {c.code: c for c in CATEGORY_LIST}

SECRECY = {"normal": "普通", "secret": "秘密", "confidential": "机密"}
ORIGINAL = {"original": "原件", "copy": "复印件"}
CUSTODY = {"archive": "移交行政部档案室", "department": "本部门保管，报行政部备案"}
ITEM_STATUS = {
    "pending": "待核对",
    "returned": "已退回",
    "archived": "已归档",
    "destroyed": "已销毁",
}
LOAN_MODES = {"onsite": "档案室查阅", "take_out": "借出", "electronic": "电子借阅（下载）"}
CONDITIONS = {"good": "完好", "damaged": "有破损", "missing": "有缺失"}
DISPOSAL_METHODS = {"shred": "粉碎", "contractor": "交有资质的单位销毁", "erase": "电子文件删除"}
# Electronic formats an item may be registered with: label, the MIME type the content must have.
FILE_FORMATS = {
    "pdf": ("PDF", "application/pdf"),
    "docx": ("Word（DOCX）", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ("Excel（XLSX）", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "jpg": ("JPEG 图片", "image/jpeg"),
    "png": ("PNG 图片", "image/png"),
}  # fmt: skip


def retention_label(code: str) -> str:
    return RETENTIONS.get(code, code)


# --- the 存档登记表 and its items ---------------------------------------------------------------


class ArchiveBatch(RecordMixin, db.Model):
    """One 存档登记表: items a department hands to 行政部 (or keeps and reports, 备案), checked
    one by one by the archivist (第八、九、十条)."""

    __tablename__ = "archive_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("workflow_instances.id"), index=True)
    custody: Mapped[str] = mapped_column(String(12), default="archive")
    note: Mapped[str] = mapped_column(Text, default="")
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    instance: Mapped[Instance | None] = relationship()
    checked_by: Mapped[User | None] = relationship()
    items: Mapped[list[ArchiveItem]] = relationship(
        back_populates="batch", order_by="ArchiveItem.seq", cascade="all, delete-orphan"
    )

    @property
    def filing(self) -> bool:
        """备案: the department keeps the items and reports them (technical archives)."""
        return self.custody == "department"

    @property
    def custody_label(self) -> str:
        return CUSTODY.get(self.custody, self.custody)

    @property
    def accepted(self) -> list[ArchiveItem]:
        return [i for i in self.items if i.number]

    @property
    def returned(self) -> list[ArchiveItem]:
        return [i for i in self.items if i.status == "returned"]


class ArchiveItem(db.Model):
    """One archive item (件): what the 档案总目录 lists. Numbered `DA-<year>-<category>-<seq>`
    when the archivist accepts it, gapless per category and year (第五条)."""

    __tablename__ = "archive_items"
    __table_args__ = (
        Index("ix_archive_items_register", "category", "year", "number"),
        Index("ix_archive_items_location", "room", "cabinet", "shelf", "box"),
        Index("ix_archive_items_department", "department_id", "year"),
        # The 存档登记表's order (number, then id) and the 档案销毁清册's.
        Index("ix_archive_items_number", "number", "id"),
        Index("ix_archive_items_destroyed", "status", "destroyed_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("archive_batches.id"), index=True)
    seq: Mapped[int] = mapped_column(default=1)  # its line on the 存档登记表
    number: Mapped[str | None] = mapped_column(String(30), unique=True)
    year: Mapped[int | None]  # the year it was archived (its number's year)
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(4))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    document_date: Mapped[date]
    volumes: Mapped[int] = mapped_column(default=1)
    pages: Mapped[int]
    copies: Mapped[int] = mapped_column(default=1)
    original: Mapped[bool] = mapped_column(default=True)
    secrecy: Mapped[str] = mapped_column(String(12), default="normal")
    retention: Mapped[str] = mapped_column(String(3))
    room: Mapped[str] = mapped_column(String(40), default="")
    cabinet: Mapped[str] = mapped_column(String(20), default="")
    shelf: Mapped[str] = mapped_column(String(20), default="")
    box: Mapped[str] = mapped_column(String(20), default="")
    reference: Mapped[str] = mapped_column(String(60), default="")  # 合同或项目编号
    file_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id"))
    file_format: Mapped[str] = mapped_column(String(10), default="")
    file_sha256: Mapped[str] = mapped_column(String(64), default="")
    return_reason: Mapped[str] = mapped_column(String(200), default="")
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archived_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The proposal that destroyed it.
    disposal_id: Mapped[int | None] = mapped_column(ForeignKey("archive_disposals.id"))
    destroyed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    batch: Mapped[ArchiveBatch] = relationship(back_populates="items")
    department: Mapped[Department | None] = relationship()
    # The loan it is out on now (handed over, not yet returned): at most one.
    out_on: Mapped[list[ArchiveLoan]] = relationship(
        primaryjoin="and_(ArchiveLoan.item_id == ArchiveItem.id, ArchiveLoan.mode != 'electronic',"
        " ArchiveLoan.handed_over_at.is_not(None), ArchiveLoan.returned_at.is_(None))",
        viewonly=True,
    )
    file: Mapped[Attachment | None] = relationship()
    archived_by: Mapped[User | None] = relationship()

    @property
    def category_label(self) -> str:
        category = CATEGORIES.get(self.category)
        return category.name if category else self.category

    @property
    def secrecy_label(self) -> str:
        return SECRECY.get(self.secrecy, self.secrecy)

    @property
    def retention_label(self) -> str:
        return retention_label(self.retention)

    @property
    def status_label(self) -> str:
        return ITEM_STATUS.get(self.status, self.status)

    @property
    def classified(self) -> bool:
        """秘密 and 机密: borrowing needs the GM too."""
        return self.secrecy in ("secret", "confidential")

    @property
    def location(self) -> str:
        parts = [(self.room, ""), (self.cabinet, "柜"), (self.shelf, "架"), (self.box, "盒")]
        return " ".join(f"{v}{unit}" if unit and not v.endswith(unit) else v for v, unit in parts
                        if v)  # fmt: skip

    @property
    def label(self) -> str:
        return f"{self.number or '（未编号）'} {self.title}"

    @property
    def retention_end_year(self) -> int | None:
        """The last year of its retention: counted from the year after it was archived, and
        for accounting records from the end of the accounting year of the document (第二十一条).
        None: kept for ever (or not archived)."""
        years = RETENTION_YEARS.get(self.retention)
        if years is None or self.year is None:
            return None
        category = CATEGORIES.get(self.category)
        start = self.document_date.year if category and category.accounting else self.year
        return start + years


# --- borrowing --------------------------------------------------------------------------------


class ArchiveLoan(RecordMixin, db.Model):
    """A 档案借阅 (第十五至十九条): the borrower's head approves, the GM too for 秘密 and 机密;
    the archivist hands the item over and takes it back with its condition; an electronic
    item is lent as a download link valid until the due date."""

    __tablename__ = "archive_loans"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("workflow_instances.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("archive_items.id"), index=True)
    mode: Mapped[str] = mapped_column(String(12), default="onsite")
    purpose: Mapped[str] = mapped_column(Text, default="")
    start_date: Mapped[date]
    due_date: Mapped[date]
    renewed: Mapped[bool] = mapped_column(default=False)
    # A renewal waiting for approval (秘密 and above): the date asked for and who decides next.
    renewal_due: Mapped[date | None]
    renewal_stage: Mapped[str] = mapped_column(String(10), default="")
    handed_over_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handed_over_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    condition_out: Mapped[str] = mapped_column(String(200), default="")
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    condition_in: Mapped[str] = mapped_column(String(12), default="")
    return_note: Mapped[str] = mapped_column(String(200), default="")
    downloads: Mapped[int] = mapped_column(default=0)

    instance: Mapped[Instance | None] = relationship()
    item: Mapped[ArchiveItem] = relationship()
    handed_over_by: Mapped[User | None] = relationship(foreign_keys=[handed_over_by_id])
    returned_by: Mapped[User | None] = relationship(foreign_keys=[returned_by_id])

    @property
    def physical(self) -> bool:
        return self.mode != "electronic"

    @property
    def mode_label(self) -> str:
        return LOAN_MODES.get(self.mode, self.mode)

    @property
    def out(self) -> bool:
        """The item is with the borrower now."""
        return self.physical and self.handed_over_at is not None and self.returned_at is None

    @property
    def condition_label(self) -> str:
        return CONDITIONS.get(self.condition_in, self.condition_in)


class ArchiveQueue(db.Model):
    """Someone waiting for an item on loan: told when it comes back."""

    __tablename__ = "archive_queue"
    __table_args__ = (UniqueConstraint("item_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("archive_items.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    item: Mapped[ArchiveItem] = relationship()
    user: Mapped[User] = relationship()


# --- retention and disposal -------------------------------------------------------------------


class ArchiveDisposal(RecordMixin, db.Model):
    """A 销毁 proposal (第二十二至二十四条): the archivist lists items whose retention has ended;
    each owning department's head and the GM approve; the destruction is recorded with its
    date, method and two witnesses. Its items print on the 档案销毁清册."""

    __tablename__ = "archive_disposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("workflow_instances.id"), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    destroyed_on: Mapped[date | None]
    method: Mapped[str] = mapped_column(String(12), default="")
    witness1_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    witness2_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(String(200), default="")

    instance: Mapped[Instance | None] = relationship()
    witness1: Mapped[User | None] = relationship(foreign_keys=[witness1_id])
    witness2: Mapped[User | None] = relationship(foreign_keys=[witness2_id])
    items: Mapped[list[ArchiveItem]] = relationship(
        secondary="archive_disposal_items", order_by="ArchiveItem.number"
    )

    @property
    def method_label(self) -> str:
        return DISPOSAL_METHODS.get(self.method, self.method)


class ArchiveDisposalItem(db.Model):
    """An item listed on a disposal proposal (a voided proposal keeps its list)."""

    __tablename__ = "archive_disposal_items"

    disposal_id: Mapped[int] = mapped_column(ForeignKey("archive_disposals.id"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("archive_items.id"), primary_key=True)
