"""Archive services: predicates, loaders, named queries and writes (each flushes; the view or CLI
command commits once). Status changes go through the engine; archive numbers come from the
numbering series (`flow.archive_number`)."""

from __future__ import annotations

import secrets
from datetime import date, datetime

from sqlalchemy import and_, exists, false, or_, select, true
from sqlalchemy.orm import selectinload

from portal.archive.flow import archive_number, due_end
from portal.archive.models import (
    CATEGORIES,
    RETENTION_RANK,
    ArchiveBatch,
    ArchiveDisposal,
    ArchiveDisposalItem,
    ArchiveItem,
    ArchiveLoan,
    ArchiveQueue,
)
from portal.auth.models import Department, RoleCode, User, users_with_role
from portal.core import audit
from portal.core.clock import local_now, now
from portal.core.locking import lock_row
from portal.extensions import db
from portal.files import services as files
from portal.notifications.services import notify
from portal.workflow import access, engine
from portal.workflow.models import Instance, Status
from portal.workflow.naming import headline, record_url


class ArchiveError(Exception):
    """A refusal shown beside the field `field` names (or above the form)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# --- predicates -----------------------------------------------------------------------------------

READS_ALL = (RoleCode.ARCHIVIST, RoleCode.ADMIN_HEAD, RoleCode.GM, RoleCode.SYSADMIN)


def can_manage(user) -> bool:
    """The archive room's work: retention list, disposal proposals, inventory, the items' files."""
    return bool(user.is_authenticated and user.has_role(RoleCode.ARCHIVIST, RoleCode.SYSADMIN))


def reads_all_items(user) -> bool:
    return bool(user.is_authenticated and user.has_role(*READS_ALL))


def item_visible(user, item=ArchiveItem):
    """SQL: may `user` see the catalogue row of `item`? Every archived item that is not 机密;
    any item of a department they belong to or head; everything for the archivist, 行政办主任,
    the GM and the administrator. The catalogue, its exports and the item page all use it."""
    if not user.is_authenticated:
        return false()
    if reads_all_items(user):
        return true()
    headed = select(Department.id).where(Department.head_id == user.id)
    own = or_(item.department_id == user.department_id, item.department_id.in_(headed))
    public = and_(item.status.in_(("archived", "destroyed")), item.secrecy != "confidential")
    return or_(public, own)


def can_view_item(user, item: ArchiveItem) -> bool:
    query = select(exists().where(ArchiveItem.id == item.id, item_visible(user)))
    return bool(db.session.scalar(query))


def can_borrow(user) -> bool:
    return bool(user.is_authenticated)


def can_download_file(user, item: ArchiveItem) -> bool:
    """The item's file itself: the archivist, the administrator and the owning department."""
    if not user.is_authenticated or item.file_id is None:
        return False
    return can_manage(user) or (
        item.department_id is not None and item.department_id == user.department_id
    )


# --- loaders and named queries --------------------------------------------------------------------


def get_item_or_404(item_id: int) -> ArchiveItem:
    return db.get_or_404(ArchiveItem, item_id)


def item_by_number(number: str) -> ArchiveItem | None:
    number = (number or "").strip().upper()
    if not number:
        return None
    return db.session.scalar(select(ArchiveItem).where(ArchiveItem.number == number))


def items_query(user):
    return (
        select(ArchiveItem).where(item_visible(user)).options(selectinload(ArchiveItem.department))
    )


def visible(user, form_type: str):
    return access.visible_records(user, form_type).where(Instance.submitted_at.is_not(None))


def current_loan(item: ArchiveItem) -> ArchiveLoan | None:
    """The loan the item is out on (handed over, not yet returned), if any."""
    return db.session.scalar(
        select(ArchiveLoan)
        .where(ArchiveLoan.item_id == item.id, ArchiveLoan.mode != "electronic",
               ArchiveLoan.handed_over_at.is_not(None), ArchiveLoan.returned_at.is_(None))
        .limit(1)
    )  # fmt: skip


def loans_of(item: ArchiveItem) -> list[ArchiveLoan]:
    return list(
        db.session.scalars(
            select(ArchiveLoan)
            .where(ArchiveLoan.item_id == item.id, ArchiveLoan.instance_id.is_not(None))
            .order_by(ArchiveLoan.id.desc())
        )
    )


def queue_of(item: ArchiveItem) -> list[ArchiveQueue]:
    return list(
        db.session.scalars(
            select(ArchiveQueue)
            .where(ArchiveQueue.item_id == item.id, ArchiveQueue.notified_at.is_(None))
            .order_by(ArchiveQueue.created_at)
        )
    )


def open_disposal_items():
    """Ids of items on a disposal proposal that is still running."""
    return (
        select(ArchiveDisposalItem.item_id)
        .join(ArchiveDisposal, ArchiveDisposal.id == ArchiveDisposalItem.disposal_id)
        .join(Instance, ArchiveDisposal.instance_id == Instance.id)
        .where(Instance.status == Status.IN_PROGRESS)
    )


def retention_due(year: int | None = None):
    """鉴定: archived items whose retention ends in `year` (this year by default) or earlier and
    that are not yet on a running disposal proposal. Accounting records count from the end of
    their accounting year (the document's year), the others from the year they were archived."""
    from sqlalchemy import case, extract

    from portal.archive.models import RETENTION_YEARS

    year = year or local_now().year
    accounting = [c.code for c in CATEGORIES.values() if c.accounting]
    start = case(
        (ArchiveItem.category.in_(accounting), extract("year", ArchiveItem.document_date)),
        else_=ArchiveItem.year,
    )
    ends = [and_(ArchiveItem.retention == code, start + years <= year)
            for code, years in RETENTION_YEARS.items() if years]  # fmt: skip
    return (
        select(ArchiveItem)
        .where(ArchiveItem.status == "archived", or_(*ends),
               ArchiveItem.id.not_in(open_disposal_items()))
        .options(selectinload(ArchiveItem.department))
        .order_by(ArchiveItem.number)
    )  # fmt: skip


# --- registration ----------------------------------------------------------------------------------


def min_retention(category: str) -> str:
    return CATEGORIES[category].minimum


def retention_ok(category: str, retention: str) -> bool:
    return RETENTION_RANK[retention] >= RETENTION_RANK[min_retention(category)]


ITEM_FIELDS = ("title", "category", "document_date", "volumes", "pages", "copies", "original",
               "secrecy", "retention", "room", "cabinet", "shelf", "box", "reference")  # fmt: skip


def register_batch(data: dict, user) -> ArchiveBatch:
    """A 存档登记表 with its items, submitted to the department head. Each item's electronic
    file (`file`: a checked upload) and scans are stored on the record; a department that keeps
    its items (备案) copies the archivists in at once."""
    department = db.session.get(Department, data["department_id"]) or user.department
    batch = ArchiveBatch(custody=data["custody"], note=data.get("note", ""))
    for seq, row in enumerate(data["items"], start=1):
        item = ArchiveItem(seq=seq, department_id=department.id if department else None,
                           **{k: row[k] for k in ITEM_FIELDS})  # fmt: skip
        if not retention_ok(item.category, item.retention):
            raise ArchiveError(f"第 {seq} 件的保管期限短于该类别的最低期限。", "items")
        batch.items.append(item)
    db.session.add(batch)
    db.session.flush()
    batch.instance = engine.start("archive", batch, user, department=department)
    for item, row in zip(batch.items, data["items"], strict=True):
        checked = row.get("file")
        if checked is not None:
            stored = files.store(checked, batch.instance_id, user, purpose="archive-file")
            item.file_id, item.file_sha256 = stored.id, stored.sha256
            item.file_format = row.get("file_format") or ""
        for scan in row.get("scans") or []:
            files.store(scan, batch.instance_id, user, purpose=f"scan:{item.seq}")
    db.session.flush()
    engine.refresh_title(batch.instance, batch)
    if batch.filing:
        engine.add_watchers(
            batch.instance, db.session.scalars(users_with_role(RoleCode.ARCHIVIST)), "filing"
        )
    engine.transition(batch.instance, "submit", user)
    return batch


def scans_of(batch: ArchiveBatch, item: ArchiveItem) -> list:
    return files.of_record(batch, f"scan:{item.seq}")


def check_batch(batch: ArchiveBatch, decisions: dict[int, dict], user) -> str:
    """第九条: the archivist's 逐件核对. `decisions[item.id]` = {"accept": bool, "reason": str,
    "room"/"cabinet"/"shelf"/"box": where it goes}. Accepted items get their numbers now,
    returned ones keep their reason; at least one decision per item."""
    engine.require_task(batch.instance, user, "check")
    accepted, returned = [], []
    for item in batch.items:
        if item.status != "pending":
            continue
        decision = decisions.get(item.id)
        if decision is None:
            raise ArchiveError(f"请核对第 {item.seq} 件“{item.title}”。")
        if decision["accept"]:
            for key in ("room", "cabinet", "shelf", "box"):
                if decision.get(key) is not None:
                    setattr(item, key, decision[key])
            if not (item.room or item.file_id):
                raise ArchiveError(f"第 {item.seq} 件没有存放位置，请填写库房。")
            item.number = archive_number(item.category)
            item.year = local_now().year
            item.status = "archived"
            item.archived_at, item.archived_by_id = now(), user.id
            accepted.append(item.number)
        else:
            reason = (decision.get("reason") or "").strip()
            if not reason:
                raise ArchiveError(f"退回第 {item.seq} 件须写明原因。")
            item.status, item.return_reason = "returned", reason[:200]
            returned.append(f"第 {item.seq} 件《{item.title}》：{reason}")
    batch.checked_at, batch.checked_by_id = now(), user.id
    db.session.flush()
    text = f"接收 {len(accepted)} 件：{'、'.join(accepted) or '无'}"
    if returned:
        text += f"；退回 {len(returned)} 件：{'；'.join(returned)}"
    if batch.filing:
        text = "备案" + text
    return text


# --- borrowing --------------------------------------------------------------------------------------


def borrow_problem(item: ArchiveItem | None, mode: str) -> tuple[str, str] | None:
    """(field, message) when `item` cannot be borrowed this way now, else None."""
    if item is None:
        return "item", "没有这个档号的档案，请核对档号。"
    if item.status == "destroyed":
        return "item", f"档案 {item.number} 已于 {item.destroyed_at:%Y-%m-%d} 销毁，不能借阅。"
    if item.status != "archived":
        return "item", "该档案尚未归档，不能借阅。"
    if mode == "take_out" and item.secrecy == "confidential":
        return "mode", "机密档案不得借出，只能在档案室查阅（第十四条）。"
    if mode == "electronic":
        if item.file_id is None or item.file_format != "pdf":
            return "mode", "该档案没有 PDF 电子文件，不能电子借阅，请选择档案室查阅或借出。"
        if item.secrecy == "confidential":
            return "mode", "机密档案不提供下载，只能在档案室查阅。"
    if mode != "electronic":
        loan = current_loan(item)
        if loan is not None:
            since = loan.handed_over_at.astimezone(local_now().tzinfo)
            who = loan.instance.applicant.display_name
            return "item", (f"档案 {item.number} 已借出（借阅人 {who}，自 {since:%Y-%m-%d} 起），"
                            "可以排队，归还后通知您。")  # fmt: skip
    return None


def on_loan(item: ArchiveItem) -> bool:
    return current_loan(item) is not None


def request_loan(data: dict, user) -> ArchiveLoan:
    item = data["item"]
    problem = borrow_problem(item, data["mode"])
    if problem:
        raise ArchiveError(problem[1], problem[0])
    loan = ArchiveLoan(item=item, mode=data["mode"], purpose=data["purpose"],
                       start_date=data["start_date"], due_date=data["due_date"])  # fmt: skip
    db.session.add(loan)
    db.session.flush()
    loan.instance = engine.start("archive_loans", loan, user)
    engine.transition(loan.instance, "submit", user)
    return loan


def join_queue(item: ArchiveItem, user) -> bool:
    """Wait for an item on loan; False when already waiting."""
    exists_ = db.session.scalar(
        select(ArchiveQueue.id).where(ArchiveQueue.item_id == item.id,
                                      ArchiveQueue.user_id == user.id,
                                      ArchiveQueue.notified_at.is_(None))
    )  # fmt: skip
    if exists_:
        return False
    old = db.session.scalar(
        select(ArchiveQueue).where(ArchiveQueue.item_id == item.id, ArchiveQueue.user_id == user.id)
    )
    if old is not None:
        old.created_at, old.notified_at = now(), None
    else:
        db.session.add(ArchiveQueue(item_id=item.id, user_id=user.id))
    db.session.flush()
    audit.record("archive_item", item.id, "queue", user, comment=f"排队等候借阅 {item.number}")
    return True


def hand_over(loan: ArchiveLoan, at: datetime, condition: str, user) -> str:
    """The archivist hands the item over (the item's row lock: two loans cannot both take it)."""
    engine.require_task(loan.instance, user, "hand_over")
    item = lock_row(ArchiveItem, loan.item_id)
    if item.status != "archived":
        raise ArchiveError(f"档案 {item.number} 当前{item.status_label}，不能借出。")
    other = current_loan(item)
    if other is not None and other.id != loan.id:
        raise ArchiveError(
            f"档案 {item.number} 仍在 {other.instance.applicant.display_name} 处（{other.number}），"
            "归还后才能借出。"
        )
    if at > now():
        raise ArchiveError("借出时间不能晚于现在。", "handed_over_at")
    loan.handed_over_at, loan.handed_over_by_id = at, user.id
    loan.condition_out = condition[:200]
    db.session.flush()
    return (
        f"已借出（{loan.mode_label}），应于 {loan.due_date} 归还。档案状况：{condition or '完好'}"
    )


def take_back(loan: ArchiveLoan, at: datetime, condition: str, note: str, user) -> str:
    """第十九条: the archivist checks the item in front of the borrower and records its return;
    whoever queued for it is told."""
    engine.require_task(loan.instance, user, "give_back")
    if loan.handed_over_at is not None and at < loan.handed_over_at:
        raise ArchiveError("归还时间不能早于借出时间。", "returned_at")
    if at > now():
        raise ArchiveError("归还时间不能晚于现在。", "returned_at")
    if condition != "good" and not note.strip():
        raise ArchiveError("档案有破损或缺失的，请写明情况（第十九条）。", "note")
    loan.returned_at, loan.returned_by_id = at, user.id
    loan.condition_in, loan.return_note = condition, note.strip()[:200]
    db.session.flush()
    _tell_queue(loan.item)
    late = (at.astimezone(local_now().tzinfo).date() - loan.due_date).days
    overdue = f"，逾期 {late} 天" if late > 0 else ""
    return f"已归还{overdue}。档案状况：{loan.condition_label}。{note}".strip()


def _tell_queue(item: ArchiveItem) -> None:
    from portal.core.htmx import path_for

    waiting = queue_of(item)
    if not waiting:
        return
    notify([w.user for w in waiting], f"您排队等候的档案 {item.number}《{item.title}》已归还，可以申请借阅。",
           kind="result", url=path_for("archive.item", id=item.id))  # fmt: skip
    for row in waiting:
        row.notified_at = now()
    db.session.flush()


def _link_token(loan: ArchiveLoan) -> str:
    """An HMAC of the loan, its borrower and due date under the app's secret key: nothing to
    store, and a renewal (a new due date) makes a new link."""
    import hashlib
    import hmac

    from flask import current_app

    message = f"archive-loan:{loan.id}:{loan.instance.applicant_id}:{loan.due_date}".encode()
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def download_link(loan: ArchiveLoan) -> str | None:
    """The electronic loan's link token while it is valid (approved, before the due date)."""
    if loan.mode != "electronic" or loan.instance.status != Status.COMPLETED:
        return None
    if now() > due_end(loan.due_date):
        return None
    return _link_token(loan)


def link_valid(loan: ArchiveLoan, token: str, user) -> str | None:
    """Why the download link does not work now (None: it does)."""
    if user.id != loan.instance.applicant_id:
        return "下载链接只供借阅人本人使用。"
    if loan.mode != "electronic" or loan.instance.status != Status.COMPLETED:
        return "该借阅尚未批准。"
    if not secrets.compare_digest(_link_token(loan), token):
        return "下载链接无效。"
    if now() > due_end(loan.due_date):
        return f"下载链接已于 {loan.due_date} 到期。"
    return None


def watermarked(loan: ArchiveLoan) -> bytes:
    """The item's PDF with the watermark line 借阅人, 日期 and the loan number on every page."""
    from portal.archive.watermark import stamp

    item = loan.item
    data = files.file_path(item.file).read_bytes()
    line = (f"借阅人：{loan.instance.applicant.display_name}  日期：{local_now():%Y-%m-%d}  "
            f"{loan.number}  仅供借阅使用")  # fmt: skip
    loan.downloads += 1
    audit.record("workflow", loan.instance_id, "download", loan.instance.applicant,
                 comment=f"下载电子档案 {item.number}")  # fmt: skip
    return stamp(data, line)


# --- overdue loans ---------------------------------------------------------------------------------


def out_loans():
    """Loans whose items are with their borrowers now, earliest due first."""
    return (
        select(ArchiveLoan)
        .join(Instance, ArchiveLoan.instance_id == Instance.id)
        .where(Instance.status == Status.IN_PROGRESS, Instance.step_key == "give_back")
        .options(selectinload(ArchiveLoan.item), selectinload(ArchiveLoan.instance))
        .order_by(ArchiveLoan.due_date)
    )


def remind_borrowers() -> list[str]:
    """The tick's part: the borrower hears the day before a loan is due (the archivist hears it
    from the engine's reminder of the return step), once per due date."""
    lines = []
    current = now()
    for loan in db.session.scalars(out_loans()):
        due = due_end(loan.due_date)
        if current < due and due - current <= _lead():
            notify([loan.instance.applicant],
                   f"{headline(loan.instance)}：请于 {loan.due_date} 前归还。",
                   kind="reminder", url=record_url(loan.instance), instance_id=loan.instance_id,
                   dedupe_key=f"archive-due:{loan.id}:{loan.due_date}")  # fmt: skip
            lines.append(f"archive: reminded {loan.number}")
    return lines


def _lead():
    from datetime import timedelta

    return timedelta(days=1)


def overdue_days(loan: ArchiveLoan) -> int:
    if not loan.out:
        return 0
    return (
        max((local_now().date() - loan.due_date).days, 0) if now() > due_end(loan.due_date) else 0
    )


# --- retention and disposal -------------------------------------------------------------------------


def propose_disposal(items: list[ArchiveItem], reason: str, user) -> ArchiveDisposal:
    due = {i.id for i in db.session.scalars(retention_due())}
    late = [i.number for i in items if i.id not in due]
    if late:
        raise ArchiveError(f"以下档案的保管期限未满或已在销毁流程中：{'、'.join(late)}。", "items")
    disposal = ArchiveDisposal(reason=reason, items=items)
    db.session.add(disposal)
    db.session.flush()
    disposal.instance = engine.start("archive_disposals", disposal, user)
    engine.transition(disposal.instance, "submit", user)
    return disposal


def destroy(disposal: ArchiveDisposal, data: dict, user) -> str:
    """第二十四条: the destruction with its date, method and two witnesses; the items keep
    their rows and numbers, marked 已销毁."""
    engine.require_task(disposal.instance, user, "destroy")
    first, second = data["witness1"], data["witness2"]
    if first is None or second is None or first.id == second.id:
        raise ArchiveError("须由两名不同的监销人签字。", "witness2")
    if data["destroyed_on"] > local_now().date():
        raise ArchiveError("销毁日期不能晚于今天。", "destroyed_on")
    disposal.destroyed_on, disposal.method = data["destroyed_on"], data["method"]
    disposal.witness1_id, disposal.witness2_id = first.id, second.id
    disposal.note = data.get("note", "")[:200]
    for item in disposal.items:
        if current_loan(item) is not None:
            raise ArchiveError(f"档案 {item.number} 尚未归还，不能销毁。")
        item.status, item.disposal_id, item.destroyed_at = "destroyed", disposal.id, now()
    db.session.flush()
    return (f"{disposal.destroyed_on} 以“{disposal.method_label}”方式销毁 {len(disposal.items)} 件，"
            f"监销人：{first.display_name}、{second.display_name}。")  # fmt: skip


def witnesses() -> list[User]:
    return list(db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.id)))


def today() -> date:
    return local_now().date()
