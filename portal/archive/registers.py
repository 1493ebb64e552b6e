"""The archive registers on `core.registers` (filters, paging, CSV/XLSX/PDF exports): the
存档登记表 of items (档案总目录, by category, department and year), the 存档登记 forms, the
借阅登记表 (with overdue), the inventory by location and the 档案销毁清册; and the home panel of
loans out."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from portal.archive import services
from portal.archive.flow import due_end
from portal.archive.models import (
    CATEGORIES,
    ITEM_STATUS,
    SECRECY,
    ArchiveBatch,
    ArchiveDisposal,
    ArchiveItem,
    ArchiveLoan,
)
from portal.core.clock import format_local, local_now, now
from portal.core.registers import Column, Register, filter_carrier
from portal.extensions import db
from portal.home.services import Panel
from portal.workflow.models import STATUS_LABELS, Instance, Status

STATUS_CHOICES = tuple((k, v) for k, v in STATUS_LABELS.items() if k != Status.DRAFT)
YEAR = re.compile(r"(19|20)\d\d")


def _department(row) -> str:
    return row.department.name if row.department else ""


def loan_status(item: ArchiveItem) -> str:
    """Who has it and since when ("借出：张三，自 2026-12-01"), or where it is."""
    if item.status == "destroyed":
        return "已销毁"
    if item.out_on:
        loan = item.out_on[0]
        return f"借出：{loan.instance.applicant.display_name}，自 {format_local(loan.handed_over_at, '%Y-%m-%d')}"
    return "在库" if item.status == "archived" else ""


# --- the 存档登记表 of items (档案总目录) ------------------------------------------------------------


def _items(user):
    return services.items_query(user).options(
        selectinload(ArchiveItem.out_on).selectinload(ArchiveLoan.instance)
    )


ITEMS = Register(
    key="archive",
    title="存档登记表",
    columns=(
        Column("number", "档号", lambda i: i.number or "", ArchiveItem.number, 18),
        Column("title", "题名", lambda i: i.title, ArchiveItem.title, 30),
        Column("category", "类别", lambda i: i.category_label, ArchiveItem.category, 10),
        Column("department", "归档部门", _department, ArchiveItem.department_id, 10),
        Column("year", "年度", lambda i: i.year, ArchiveItem.year, 6),
        Column("document_date", "形成日期", lambda i: i.document_date, ArchiveItem.document_date, 11),
        Column("pages", "卷/页/份", lambda i: f"{i.volumes}/{i.pages}/{i.copies}", None, 9),
        Column("secrecy", "密级", lambda i: i.secrecy_label, ArchiveItem.secrecy, 6),
        Column("retention", "保管期限", lambda i: i.retention_label, ArchiveItem.retention, 8),
        Column("location", "存放位置", lambda i: i.location or ("电子文件" if i.file_id else ""), None, 18),
        Column("loan", "借阅状态", loan_status, None, 20),
        Column("status", "状态", lambda i: i.status_label, ArchiveItem.status, 8),
    ),
    base_query=_items,
    date_column=ArchiveItem.archived_at,
    department_column=ArchiveItem.department_id,
    status_column=ArchiveItem.status,
    status_choices=tuple(ITEM_STATUS.items()),
    default_sort=ArchiveItem.number,
    tiebreak=ArchiveItem.id,
    search_hint="档号、题名、合同或项目编号…",
    text_columns=(ArchiveItem.number, ArchiveItem.title, ArchiveItem.reference),
    row_class=lambda i: "muted" if i.status in ("destroyed", "returned") else "",
    row_url=lambda i: url_for("archive.item", id=i.id),
    link_column="title",  # items waiting for their check have no number yet
)  # fmt: skip


@dataclass(frozen=True)
class ItemFilters:
    category: str = ""
    year: int | None = None
    secrecy: str = ""
    room: str = ""


def item_filters(args) -> ItemFilters:
    category = args.get("category", "")
    year = (args.get("year") or "").strip()
    secrecy = args.get("secrecy", "")
    return ItemFilters(
        category if category in CATEGORIES else "",
        int(year) if YEAR.fullmatch(year) else None,
        secrecy if secrecy in SECRECY else "",
        (args.get("room") or "").strip()[:40],
    )


def _titled(title: str, notes: list[str]) -> str:
    return f"{title}（{'，'.join(notes)}）" if notes else title


def _narrowed(query, chosen: ItemFilters):
    if chosen.category:
        query = query.where(ArchiveItem.category == chosen.category)
    if chosen.year:
        query = query.where(ArchiveItem.year == chosen.year)
    if chosen.secrecy:
        query = query.where(ArchiveItem.secrecy == chosen.secrecy)
    if chosen.room:
        query = query.where(ArchiveItem.room == chosen.room)
    return query


def _notes(chosen: ItemFilters) -> list[str]:
    notes = [CATEGORIES[chosen.category].name] if chosen.category else []
    notes += [f"{chosen.year} 年度"] if chosen.year else []
    notes += [SECRECY[chosen.secrecy]] if chosen.secrecy else []
    notes += [f"库房 {chosen.room}"] if chosen.room else []
    return notes


def items_register(args) -> Register:
    """The items narrowed to a category, a year, a secrecy level (the shared filters add the
    department, the status and a keyword)."""
    chosen = item_filters(args)
    return replace(ITEMS, base_query=lambda user: _narrowed(_items(user), chosen),
                   title=_titled(ITEMS.title, _notes(chosen)))  # fmt: skip


# --- inventory by location ---------------------------------------------------------------------


def _inventory(user):
    return _items(user).where(ArchiveItem.status == "archived", ArchiveItem.room != "")


INVENTORY = Register(
    key="archive-inventory",
    title="档案库存（按存放位置）",
    columns=(
        Column("room", "库房", lambda i: i.room, ArchiveItem.room, 10),
        Column("cabinet", "柜", lambda i: i.cabinet, ArchiveItem.cabinet, 6),
        Column("shelf", "架", lambda i: i.shelf, ArchiveItem.shelf, 6),
        Column("box", "盒", lambda i: i.box, ArchiveItem.box, 6),
        Column("number", "档号", lambda i: i.number or "", ArchiveItem.number, 18),
        Column("title", "题名", lambda i: i.title, None, 30),
        Column("department", "归档部门", _department, None, 10),
        Column("custody", "保管", lambda i: "本部门（备案）" if i.batch.filing else "档案室", None, 10),
        Column("volumes", "卷数", lambda i: i.volumes, None, 6),
        Column("loan", "借阅状态", loan_status, None, 20),
    ),
    base_query=_inventory,
    keyset=False,  # shelf order (inventory_register): pages by OFFSET
    date_column=ArchiveItem.archived_at,
    department_column=ArchiveItem.department_id,
    default_sort=ArchiveItem.room,
    tiebreak=ArchiveItem.id,
    search_hint="档号、题名、柜架盒…",
    text_columns=(ArchiveItem.number, ArchiveItem.title, ArchiveItem.cabinet, ArchiveItem.shelf,
                  ArchiveItem.box),
    row_url=lambda i: url_for("archive.item", id=i.id),
    link_column="title",  # items waiting for their check have no number yet
)  # fmt: skip


def inventory_register(args) -> Register:
    chosen = item_filters(args)

    def query(user):
        rows = _narrowed(_inventory(user), chosen)
        return rows.order_by(ArchiveItem.room, ArchiveItem.cabinet, ArchiveItem.shelf,
                             ArchiveItem.box)  # fmt: skip

    return replace(INVENTORY, base_query=query, title=_titled(INVENTORY.title, _notes(chosen)))


def rooms() -> list[str]:
    rows = db.session.scalars(
        select(ArchiveItem.room).where(ArchiveItem.room != "").distinct().order_by(ArchiveItem.room)
    )
    return list(rows)


# --- the 存档登记 forms -----------------------------------------------------------------------------


def _batches(user):
    return services.visible(user, "archive").options(
        selectinload(ArchiveBatch.items), selectinload(ArchiveBatch.instance)
    )


def _numbers(batch: ArchiveBatch) -> str:
    return "、".join(i.number for i in batch.accepted)


BATCHES = Register(
    key="archive-batches",
    title="存档登记",
    columns=(
        Column("date", "登记日期", lambda b: b.instance.submitted_at, Instance.submitted_at, 16),
        Column("number", "编号", lambda b: b.number, Instance.number, 16),
        Column("department", "归档部门", lambda b: b.instance.department.name if b.instance.department else "", None, 10),
        Column("applicant", "登记人", lambda b: b.instance.applicant.display_name, None, 8),
        Column("custody", "保管方式", lambda b: "备案" if b.filing else "移交档案室", None, 10),
        Column("items", "件数", lambda b: len(b.items), None, 6),
        Column("numbers", "档号", _numbers, None, 30),
        Column("returned", "退回", lambda b: "；".join(f"{i.title}：{i.return_reason}" for i in b.returned), None, 20),
        Column("status", "状态", lambda b: b.instance.status_label, None, 8),
    ),
    base_query=_batches,
    date_column=Instance.submitted_at,
    department_column=Instance.department_id,
    status_column=Instance.status,
    status_choices=STATUS_CHOICES,
    search_hint="编号、题名…",
    text_columns=(Instance.number, Instance.title),
    row_url=lambda b: url_for("archive.detail", id=b.id),
    tiebreak=Instance.id,  # one instance a record: date order as the instances' index has it
)  # fmt: skip


# --- the 借阅登记表 ---------------------------------------------------------------------------------


def overdue(loan: ArchiveLoan) -> bool:
    return loan.out and now() > due_end(loan.due_date)


def _loan_state(loan: ArchiveLoan) -> str:
    if overdue(loan):
        days = (local_now().date() - loan.due_date).days
        return f"逾期 {days} 天" if days else "今日到期未还"
    if loan.renewal_stage:
        return "续借审批中"
    if loan.out:
        return "借出中"
    return loan.instance.status_label


def _loans(user):
    return services.visible(user, "archive_loans").options(
        selectinload(ArchiveLoan.item), selectinload(ArchiveLoan.instance)
    )


LOANS = Register(
    key="archive-loans",
    title="档案借阅登记表",
    columns=(
        Column("date", "申请日期", lambda x: x.instance.submitted_at, Instance.submitted_at, 16),
        Column("number", "编号", lambda x: x.number, Instance.number, 16),
        Column("borrower", "借阅人", lambda x: x.instance.applicant.display_name, None, 8),
        Column("department", "部门", lambda x: x.instance.department.name if x.instance.department else "", None, 10),
        Column("item", "档号", lambda x: x.item.number or "", None, 18),
        Column("title", "题名", lambda x: x.item.title, None, 24),
        Column("secrecy", "密级", lambda x: x.item.secrecy_label, None, 6),
        Column("mode", "方式", lambda x: x.mode_label, None, 10),
        Column("due", "归还日期", lambda x: x.due_date, ArchiveLoan.due_date, 11),
        Column("handed_over", "借出时间", lambda x: x.handed_over_at, ArchiveLoan.handed_over_at, 16),
        Column("returned", "归还时间", lambda x: x.returned_at, ArchiveLoan.returned_at, 16),
        Column("condition", "归还状况", lambda x: x.condition_label, None, 8),
        Column("state", "状态", _loan_state, None, 10),
    ),
    base_query=_loans,
    date_column=Instance.submitted_at,
    department_column=Instance.department_id,
    status_column=Instance.status,
    status_choices=STATUS_CHOICES,
    search_hint="编号、档号、题名…",
    text_columns=(Instance.number, Instance.title),
    row_class=lambda x: "overdue" if overdue(x) else "",
    row_url=lambda x: url_for("archive.loan_detail", id=x.id),
    tiebreak=Instance.id,
)  # fmt: skip


def loans_register(args) -> Register:
    """The 借阅登记表, only the loans out past their due date with `overdue=1`."""
    if args.get("overdue") != "1":
        return LOANS

    def query(user):
        return _loans(user).where(
            Instance.status == Status.IN_PROGRESS, Instance.step_key == "give_back",
            ArchiveLoan.due_date < local_now().date(),
        )  # fmt: skip

    return replace(LOANS, base_query=query, title=_titled(LOANS.title, ["逾期未还"]))


# --- the 档案销毁清册 --------------------------------------------------------------------------------


def _destroyed(user):
    return (
        select(ArchiveItem)
        .join(ArchiveDisposal, ArchiveItem.disposal_id == ArchiveDisposal.id)
        .where(ArchiveItem.status == "destroyed", services.item_visible(user))
        .options(selectinload(ArchiveItem.department))
    )


def _disposal(item: ArchiveItem) -> ArchiveDisposal:
    return db.session.get(ArchiveDisposal, item.disposal_id)


DESTROYED = Register(
    key="archive-destroyed",
    title="档案销毁清册",
    columns=(
        Column("number", "档号", lambda i: i.number, ArchiveItem.number, 18),
        Column("title", "题名", lambda i: i.title, None, 28),
        Column("category", "类别", lambda i: i.category_label, None, 8),
        Column("department", "形成部门", _department, None, 10),
        Column("document_date", "形成日期", lambda i: i.document_date, None, 11),
        Column("retention", "保管期限", lambda i: i.retention_label, None, 8),
        Column("destroyed_on", "销毁日期", lambda i: _disposal(i).destroyed_on, ArchiveItem.destroyed_at, 11),
        Column("method", "销毁方式", lambda i: _disposal(i).method_label, None, 12),
        Column("witnesses", "监销人", lambda i: "、".join(w.display_name for w in (_disposal(i).witness1, _disposal(i).witness2) if w), None, 14),
        Column("disposal", "销毁审批单", lambda i: _disposal(i).number, None, 14),
    ),
    base_query=_destroyed,
    date_column=ArchiveItem.destroyed_at,
    department_column=ArchiveItem.department_id,
    default_sort=ArchiveItem.destroyed_at,
    tiebreak=ArchiveItem.id,
    search_hint="档号、题名…",
    text_columns=(ArchiveItem.number, ArchiveItem.title),
    row_url=lambda i: url_for("archive.item", id=i.id),
)  # fmt: skip


# --- filters the register pages carry into their export links -------------------------------------

REPORT_FILTERS = {
    "archive.index": ("archive.index_export", ("category", "year", "secrecy")),
    "archive.inventory": ("archive.inventory_export", ("category", "year", "room")),
    "archive.loans": ("archive.loans_export", ("overdue",)),
}
carry_filters = filter_carrier(REPORT_FILTERS)


def loans_panel(user) -> Panel | None:
    """Home: loans out now (the archivist), or one's own."""
    manager = services.can_manage(user)
    query = (
        select(ArchiveLoan)
        .join(Instance, ArchiveLoan.instance_id == Instance.id)
        .where(Instance.status == Status.IN_PROGRESS, Instance.step_key == "give_back")
        # One statement whatever the number of loans: each row's item, instance and borrower.
        .options(
            contains_eager(ArchiveLoan.instance).joinedload(Instance.applicant),
            joinedload(ArchiveLoan.item),
        )
    )
    if not manager:
        query = query.where(Instance.applicant_id == user.id)
    loans = db.session.scalars(query.order_by(ArchiveLoan.due_date).limit(8)).all()
    if not loans and not manager:
        return None
    entries = [{"label": f"{x.item.number} {x.item.title}",
                "url": url_for("archive.loan_detail", id=x.id),
                "meta": f"{x.instance.applicant.display_name}，应还 {x.due_date}",
                "overdue": overdue(x)} for x in loans]  # fmt: skip
    return Panel("借出的档案", entries, "没有借出未还的档案。",
                 url_for("archive.loans", overdue=1), order=40)  # fmt: skip
