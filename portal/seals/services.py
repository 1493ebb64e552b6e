"""Seal-use requests and the seal catalogue: loaders, named queries and the write operations
(each flushes; the view or CLI command commits once).

Every status change of a request goes through `workflow.engine.transition`; what the keeper
records (copies stamped, hand-over, return) lives on the request's items, and the seal's own
history is the audit log under `subject_type="seal"`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, exists, or_, select
from sqlalchemy.orm import joinedload

from portal.auth.models import RoleCode, User
from portal.core import audit
from portal.core.clock import format_local, now
from portal.extensions import db
from portal.files import services as files
from portal.seals.flow import SEAL_FLOW, kept_by
from portal.seals.models import (
    SEAL_KINDS,
    Seal,
    SealRequest,
    SealRequestItem,
    SealStatus,
)
from portal.workflow import access, engine
from portal.workflow.models import Task, TaskStatus
from portal.workflow.naming import actor_label

FORM_TYPE = "seals"
# What the applicant fills in (besides the seals), as the form hands it to `save_request`.
REQUEST_FIELDS = (
    "document_name", "document_type", "purpose", "receiving_party", "copies", "urgent",
    "take_out", "destination", "carrier", "expected_return_at", "remarks",
)  # fmt: skip
SEAL_EVENT_LABELS = {
    "create": "建档",
    "update": "修改",
    "status": "状态变更",
    "stamp": "用印",
    "hand_over": "交出（携带外出）",
    "return": "归还",
}
PAGES = {key: SEAL_FLOW.step(key).page for key in ("gm_take_out", "stamp", "return")}


class SealError(engine.WorkflowError):
    """A keeper's action that the seal's state does not allow; shown to the user as is."""


def can_manage_seals(user: User) -> bool:
    return bool(user.is_authenticated and user.has_role(RoleCode.SYSADMIN, RoleCode.ADMIN_HEAD))


# --- loaders and named queries ----------------------------------------------------------------


def get_request_or_404(record_id: int) -> SealRequest:
    # The items and their seals: the page, the flow's conditions and the PDF read them.
    items = joinedload(SealRequest.items).joinedload(SealRequestItem.seal)
    return access.get_record_or_404(SealRequest, record_id, items)


def get_seal_or_404(seal_id: int) -> Seal:
    return db.get_or_404(Seal, seal_id)


def catalogue():
    """Every seal: in use before disabled, then in the procedure's order of kinds (第五条)."""
    kind_order = case({kind: rank for rank, kind in enumerate(SEAL_KINDS)}, value=Seal.kind)
    return select(Seal).order_by(Seal.status == SealStatus.DISABLED, kind_order, Seal.name)


def seal_history(seal: Seal):
    return audit.events_for("seal", seal.id)


def seal_choices(record: SealRequest | None = None) -> tuple[list[tuple[int, str]], set[int]]:
    """Checkbox choices: usable seals, plus disabled ones already on the record (so the user
    sees them and is told). Returns (choices, ids of disabled seals)."""
    chosen = {item.seal_id for item in record.items} if record else set()
    seals = db.session.scalars(
        catalogue().where(or_(Seal.status != SealStatus.DISABLED, Seal.id.in_(chosen)))
    ).all()
    choices = []
    for seal in seals:
        note = "，外借中" if seal.status == SealStatus.OUT else ""
        if seal.status == SealStatus.DISABLED:
            note = "，已停用"
        choices.append((seal.id, f"{seal.name}（{seal.keeper_label} 保管{note}）"))
    return choices, {s.id for s in seals if s.status == SealStatus.DISABLED}


def seals_out():
    """Items handed over and not yet back: the seals 外借中, soonest return first."""
    return (
        select(SealRequestItem)
        .join(SealRequestItem.request)
        .where(SealRequestItem.handed_over_at.is_not(None), SealRequestItem.returned_at.is_(None))
        .order_by(SealRequest.expected_return_at)
    )


def keeps_a_seal(user: User) -> bool:
    return bool(db.session.scalar(select(exists().where(kept_by(user)))))


# --- writing a request --------------------------------------------------------------------------


def _set_seals(record: SealRequest, seal_ids: list[int]) -> None:
    wanted = list(dict.fromkeys(seal_ids))
    for item in list(record.items):
        if item.seal_id not in wanted:
            record.items.remove(item)
    have = {item.seal_id for item in record.items}
    for seal_id in wanted:
        if seal_id not in have:
            record.items.append(SealRequestItem(seal=db.session.get(Seal, seal_id)))
    record.seal_names = "、".join(item.seal.name for item in record.items)[:300]


def _apply(record: SealRequest, data: dict) -> None:
    for name in REQUEST_FIELDS:
        setattr(record, name, data[name])
    _set_seals(record, data["seal_ids"])


def save_request(
    record: SealRequest | None, user: User, data: dict, uploads=(), submit: bool = False
) -> SealRequest:
    """Create or update the applicant's request (a draft), then submit it when asked."""
    if record is None:
        record = SealRequest()
        db.session.add(record)
        _apply(record, data)
        db.session.flush()
        record.instance = engine.start(FORM_TYPE, record, user)
    else:
        _apply(record, data)
        engine.refresh_title(record.instance, record)
        audit.record("workflow", record.instance_id, "update", user, comment="修改申请内容")
    db.session.flush()
    files.store_all(uploads, record.instance_id, user)
    if submit:
        submit_request(record, user)
    return record


def submit_request(record: SealRequest, user: User) -> None:
    # A resubmission starts the stamping afresh; the earlier stamping stays in the trail.
    for item in record.items:
        item.copies_stamped = item.stamped_at = item.stamped_by = item.on_behalf_of = None
    record.stamped_at = record.take_out_approved_at = None
    engine.transition(record.instance, "submit", user)


# --- the GM's special approval, stamping, refusal, return ---------------------------------------


def approve_take_out(record: SealRequest, user: User, comment: str = "") -> None:
    """第二十条: the GM (or the 受托人) explicitly confirms that the seal may leave."""
    engine.require_task(record.instance, user, "gm_take_out")
    record.take_out_approved_at = now()
    text = (
        f"特批携带外出（{record.destination}，预计 {format_local(record.expected_return_at)} 归还）"
    )
    engine.transition(
        record.instance, "approve", user, f"{text}。{comment}".strip(),
        page=PAGES["gm_take_out"], data={"take_out_confirmed": True},
    )  # fmt: skip


def items_for(record: SealRequest, task: Task) -> list[SealRequestItem]:
    """The items a stamping/return task covers: the seals its assignee keeps, plus any seal
    whose keeper has no task in the step (none found, so the system administrator acts)."""
    assignees = {
        t.assignee_id
        for t in record.instance.tasks
        if t.step_key == task.step_key
        and t.round == task.round
        and t.status not in (TaskStatus.CANCELLED, TaskStatus.SKIPPED)
    }

    def keeper_id(item: SealRequestItem) -> int | None:
        keeper = item.seal.responsible_keeper()
        return keeper.id if keeper else None

    return [
        i for i in record.items if keeper_id(i) == task.assignee_id or keeper_id(i) not in assignees
    ]


def stamping_items(record: SealRequest, user: User) -> list[SealRequestItem]:
    found = engine.task_for(record.instance, user, "stamp")
    return items_for(record, found[0]) if found else []


def _check_seal_available(item: SealRequestItem) -> None:
    seal = item.seal
    if seal.status == SealStatus.DISABLED:
        raise SealError(f"印章“{seal.name}”已停用，不能用印。")
    if seal.status == SealStatus.OUT:
        raise SealError(f"印章“{seal.name}”外借中，归还后才能用印。")


def stamp(
    record: SealRequest,
    user: User,
    copies: list[int],
    stamped_at: datetime,
    handed_over_at: datetime | None = None,
    comment: str = "",
) -> None:
    """第十八条: the keeper stamps and registers; on a take-out they also hand the seal over."""
    task, principal = engine.require_task(record.instance, user, "stamp")
    items = items_for(record, task)
    if len(copies) != len(items) or not all(1 <= n <= (record.copies or 0) for n in copies):
        raise SealError(f"请为每枚印章填写实盖份数（1 到 {record.copies} 份）。")
    handed_over_at = handed_over_at or stamped_at
    for item, count in zip(items, copies, strict=True):
        _check_seal_available(item)
        item.copies_stamped, item.stamped_at = count, stamped_at
        item.stamped_by, item.on_behalf_of = user, principal
        _seal_event(
            item.seal, "stamp", user, f"{record.instance.number} {record.document_name}，{count} 份"
        )
        if record.take_out:
            item.handed_over_at = handed_over_at
            _set_seal_status(item.seal, SealStatus.OUT, user, "hand_over", _carried(record))
    stamped = [i.stamped_at for i in record.items if i.stamped_at]
    record.stamped_at = max(stamped)
    if record.take_out:
        record.handed_over_at = min(i.handed_over_at for i in record.items if i.handed_over_at)
    summary = "；".join(f"{i.seal.name} 实盖 {i.copies_stamped} 份" for i in items)
    engine.transition(
        record.instance, "approve", user, f"已用印：{summary}。{comment}".strip(),
        page=PAGES["stamp"], data={"copies": {i.seal.name: i.copies_stamped for i in items}},
    )  # fmt: skip


def _carried(record: SealRequest) -> str:
    carrier = record.carrier or record.instance.applicant.display_name
    return (
        f"{record.instance.number}：{carrier} 携带至 {record.destination}，"
        f"预计 {format_local(record.expected_return_at)} 归还"
    )


def refuse(record: SealRequest, user: User, reason: str) -> None:
    """第十七条: the document differs from the request; it goes back to the applicant."""
    engine.require_task(record.instance, user, "stamp")
    engine.transition(record.instance, "reject", user, f"拒绝用印：{reason.strip()}")


def record_return(
    record: SealRequest, user: User, returned_at: datetime, comment: str = ""
) -> None:
    """第二十二条: the keeper checks the seal and records when it came back."""
    task, _principal = engine.require_task(record.instance, user, "return")
    items = [i for i in items_for(record, task) if i.returned_at is None]
    for item in items:
        item.returned_at, item.returned_to = returned_at, user
        late = (
            "（逾期）"
            if record.expected_return_at and returned_at > record.expected_return_at
            else ""
        )
        _set_seal_status(
            item.seal, SealStatus.IN_STOCK, user, "return", f"{record.instance.number} 归还{late}"
        )
    if all(i.returned_at for i in record.items):
        record.returned_at = max(i.returned_at for i in record.items)
    names = "、".join(i.seal.name for i in items)
    engine.transition(
        record.instance, "complete", user,
        f"已归还：{names}（{format_local(returned_at)}），印章完好。{comment}".strip(),
        page=PAGES["return"],
    )  # fmt: skip


# --- who approved and who stamped (register rows, the PDF) ---------------------------------


def keeper_label(record: SealRequest) -> str:
    """Who stamped (李四（代 张三）when acting for the keeper), else who is to stamp."""
    stamped = [actor_label(i.stamped_by, i.on_behalf_of) for i in record.items if i.stamped_by]
    if stamped:
        return "、".join(dict.fromkeys(stamped))
    return "、".join(dict.fromkeys(i.seal.keeper_label for i in record.items))


# --- the seal catalogue -----------------------------------------------------------------------


def _seal_event(seal: Seal, action: str, user: User | None, comment: str = "", **kw) -> None:
    audit.record("seal", seal.id, action, user, comment=comment, **kw)


def _set_seal_status(seal: Seal, status: str, user: User, action: str, comment: str) -> None:
    before = seal.status
    seal.status = status
    _seal_event(seal, action, user, comment, from_status=before, to_status=status)


SEAL_FIELDS = {
    "name": "名称",
    "kind": "种类",
    "department_id": "部门",
    "keeper_id": "保管人",
    "keeper_role": "保管角色",
    "remarks": "备注",
}


def save_seal(seal: Seal | None, data: dict, user: User) -> Seal:
    """Create or edit a seal; the history records what changed."""
    if seal is None:
        seal = Seal(status=data["status"], **{k: data[k] for k in SEAL_FIELDS})
        db.session.add(seal)
        db.session.flush()
        _seal_event(
            seal, "create", user, f"{seal.name}（{seal.kind_label}）", to_status=seal.status
        )
        return seal
    changed = [label for key, label in SEAL_FIELDS.items() if getattr(seal, key) != data[key]]
    for key in SEAL_FIELDS:
        setattr(seal, key, data[key])
    db.session.flush()
    db.session.expire(seal, ["keeper", "department"])  # follow the new keeper_id / department_id
    if changed:
        _seal_event(seal, "update", user, "修改：" + "、".join(changed))
    if data["status"] != seal.status:
        _set_seal_status(seal, data["status"], user, "status", "目录维护")
    db.session.flush()
    return seal


def seal_name_taken(name: str, seal: Seal | None) -> bool:
    query = select(Seal.id).where(Seal.name == name.strip())
    if seal is not None:
        query = query.where(Seal.id != seal.id)
    return db.session.scalar(query) is not None
