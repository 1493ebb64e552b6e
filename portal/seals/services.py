"""Seal-use requests and the seal catalogue: permission predicates, loaders, named queries and
the write operations (each flushes; the view or CLI command commits once).

Every status change of a request goes through `workflow.engine.transition`; what the keeper
records (copies stamped, hand-over, return) lives on the request's items, and the seal's own
history is the audit log under `subject_type="seal"`.
"""

from __future__ import annotations

from datetime import datetime

from flask import abort, current_app, url_for
from sqlalchemy import and_, case, exists, or_, select

from portal.auth.models import Department, RoleCode, User
from portal.auth.services import user_choices
from portal.core import audit
from portal.core.clock import format_local, now
from portal.extensions import db
from portal.files import services as files
from portal.files.models import Attachment
from portal.procedures.services import clause_url, find_clauses
from portal.seals.models import (
    DOCUMENT_TYPES,
    FINANCE_KINDS,
    MAX_COPIES,
    REQUIRED_TO_SUBMIT,
    SEAL_KINDS,
    Seal,
    SealKind,
    SealRequest,
    SealRequestItem,
    SealStatus,
)
from portal.workflow import delegation, engine, records
from portal.workflow import services as workflow
from portal.workflow.flow import get_flow
from portal.workflow.models import Instance, Status, Task, TaskStatus, Watcher

FORM_TYPE = "seals"
PROCEDURE = "QP-ADM-01"
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


class SealError(engine.WorkflowError):
    """A keeper's action that the seal's state does not allow; shown to the user as is."""


# --- predicates (views and templates use the same ones) -------------------------------------


def can_manage_seals(user: User) -> bool:
    return bool(user.is_authenticated and user.has_role(RoleCode.SYSADMIN, RoleCode.ADMIN_HEAD))


def can_view(user: User, record: SealRequest) -> bool:
    return workflow.can_view(user, record.instance)


def can_edit(user: User, record: SealRequest) -> bool:
    return workflow.can_edit(user, record.instance)


def acting_task(user: User, record: SealRequest, step_key: str):
    """(task, principal) when `user` may decide the open `step_key` step now, else None."""
    instance = record.instance
    if instance.status != Status.IN_PROGRESS or instance.step_key != step_key:
        return None
    return engine.acting_task(engine.Ctx(get_flow(FORM_TYPE), instance, record, user))


def can_approve_take_out(user: User, record: SealRequest) -> bool:
    return acting_task(user, record, "gm_take_out") is not None


def can_stamp(user: User, record: SealRequest) -> bool:
    return acting_task(user, record, "stamp") is not None


def can_record_return(user: User, record: SealRequest) -> bool:
    return acting_task(user, record, "return") is not None


# --- loaders and named queries ----------------------------------------------------------------


def get_request_or_404(record_id: int) -> SealRequest:
    record = db.get_or_404(SealRequest, record_id)
    if record.instance is None:
        abort(404)
    return record


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


def attachments(record: SealRequest) -> list[Attachment]:
    return db.session.scalars(files.attachments_of(record.instance_id)).all()


def seals_out():
    """Items handed over and not yet back: the seals 外借中, soonest return first."""
    return (
        select(SealRequestItem)
        .join(SealRequestItem.request)
        .where(SealRequestItem.handed_over_at.is_not(None), SealRequestItem.returned_at.is_(None))
        .order_by(SealRequest.expected_return_at)
    )


def kept_by(user: User):
    """SQL: the seals `user` keeps, in person or through the keeping role (`Seal.kept_by`)."""
    return or_(
        Seal.keeper_id == user.id,
        and_(Seal.keeper_id.is_(None), Seal.keeper_role.in_(sorted(user.role_codes))),
    )


def _keeps_a_chosen_seal(user: User):
    return exists().where(
        SealRequest.instance_id == Instance.id,
        SealRequestItem.request_id == SealRequest.id,
        SealRequestItem.seal_id.in_(select(Seal.id).where(kept_by(user))),
    )


def visible_clause(user: User):
    """SQL over instances for `can_view`: the applicant, their department head, the people on
    the flow (and a delegate for an open task), those copied in, the keepers of the seals."""
    headed = select(Department.id).where(Department.head_id == user.id)
    took_part = exists().where(
        Task.instance_id == Instance.id,
        or_(Task.assignee_id == user.id, Task.actor_id == user.id, Task.on_behalf_of_id == user.id),
    )
    copied = exists().where(Watcher.instance_id == Instance.id, Watcher.user_id == user.id)
    principals = [p for p, form in delegation.principals_of(user) if form in (None, FORM_TYPE)]
    acting_for = exists().where(
        Task.instance_id == Instance.id,
        Task.status == TaskStatus.OPEN,
        Task.assignee_id.in_(principals),
    )
    return or_(
        Instance.applicant_id == user.id,
        Instance.department_id.in_(headed),
        took_part,
        acting_for,
        copied,
        _keeps_a_chosen_seal(user),
    )


def reads_everything(user: User) -> bool:
    return user.has_role(*get_flow(FORM_TYPE).viewer_roles, RoleCode.SYSADMIN)


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


def _store_uploads(record: SealRequest, uploads, user: User) -> None:
    for checked in uploads or []:
        files.store(checked, record.instance_id, user, purpose="document")


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
    _store_uploads(record, uploads, user)
    if submit:
        submit_request(record, user)
    return record


def submit_request(record: SealRequest, user: User) -> None:
    # A resubmission starts the stamping afresh; the earlier stamping stays in the trail.
    for item in record.items:
        item.copies_stamped = item.stamped_at = item.stamped_by = item.on_behalf_of = None
    record.stamped_at = record.take_out_approved_at = None
    engine.transition(record.instance, "submit", user)


def remove_attachment(record: SealRequest, attachment: Attachment, user: User) -> None:
    if attachment.instance_id != record.instance_id or attachment.removed_at is not None:
        abort(404)
    files.remove(attachment)
    audit.record(
        "workflow",
        record.instance_id,
        "update",
        user,
        comment=f"删除附件 {attachment.original_name}",
    )


def submit_problems(record: SealRequest) -> dict[str, str]:
    """What stops this record from being submitted, by form field (empty when it may go)."""
    problems = {}
    if not record.items:
        problems["seal_ids"] = REQUIRED_TO_SUBMIT["seal_ids"]
    disabled = [i.seal.name for i in record.items if not i.seal.usable]
    if disabled:
        problems["seal_ids"] = f"印章“{'、'.join(disabled)}”已停用，请改选其他印章。"
    for name in ("document_name", "purpose", "receiving_party"):
        if not getattr(record, name).strip():
            problems[name] = REQUIRED_TO_SUBMIT[name]
    if record.document_type not in DOCUMENT_TYPES:
        problems["document_type"] = REQUIRED_TO_SUBMIT["document_type"]
    if record.copies is None or not 1 <= record.copies <= MAX_COPIES:
        problems["copies"] = f"份数应在 1 到 {MAX_COPIES} 之间。"
    if record.take_out and not record.destination.strip():
        problems["destination"] = "携带外出须填写外出地点。"
    if record.take_out and (
        record.expected_return_at is None or record.expected_return_at <= now()
    ):
        problems["expected_return_at"] = "预计归还时间必须晚于现在。"
    return problems


# --- the GM's special approval, stamping, refusal, return ---------------------------------------


def _require(user: User, record: SealRequest, step_key: str):
    found = acting_task(user, record, step_key)
    if found is None:
        raise engine.WorkflowError("您不是当前步骤的处理人。")
    return found


def approve_take_out(record: SealRequest, user: User, comment: str = "") -> None:
    """第二十条: the GM (or the 受托人) explicitly confirms that the seal may leave."""
    _require(user, record, "gm_take_out")
    record.take_out_approved_at = now()
    text = (
        f"特批携带外出（{record.destination}，预计 {format_local(record.expected_return_at)} 归还）"
    )
    engine.transition(
        record.instance,
        "approve",
        user,
        f"{text}。{comment}".strip(),
        data={"take_out_confirmed": True},
    )


def items_for(record: SealRequest, task: Task) -> list[SealRequestItem]:
    """The items a stamping/return task covers: the seals its assignee keeps, plus any seal
    whose keeper has no task in the step (none found, so the system administrator acts)."""
    assignees = {
        t.assignee_id
        for t in record.instance.tasks
        if t.step_key == task.step_key
        and t.round == task.round
        and t.status != TaskStatus.CANCELLED
    }

    def keeper_id(item: SealRequestItem) -> int | None:
        keeper = item.seal.responsible_keeper()
        return keeper.id if keeper else None

    return [
        i for i in record.items if keeper_id(i) == task.assignee_id or keeper_id(i) not in assignees
    ]


def stamping_items(record: SealRequest, user: User) -> list[SealRequestItem]:
    found = acting_task(user, record, "stamp")
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
    task, principal = _require(user, record, "stamp")
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
        record.instance,
        "approve",
        user,
        f"已用印：{summary}。{comment}".strip(),
        data={"copies": {i.seal.name: i.copies_stamped for i in items}},
    )


def _carried(record: SealRequest) -> str:
    carrier = record.carrier or record.instance.applicant.display_name
    return (
        f"{record.instance.number}：{carrier} 携带至 {record.destination}，"
        f"预计 {format_local(record.expected_return_at)} 归还"
    )


def refuse(record: SealRequest, user: User, reason: str) -> None:
    """第十七条: the document differs from the request; it goes back to the applicant."""
    _require(user, record, "stamp")
    engine.transition(record.instance, "reject", user, f"拒绝用印：{reason.strip()}")


def record_return(
    record: SealRequest, user: User, returned_at: datetime, comment: str = ""
) -> None:
    """第二十二条: the keeper checks the seal and records when it came back."""
    task, _principal = _require(user, record, "return")
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
        record.instance,
        "complete",
        user,
        f"已归还：{names}（{format_local(returned_at)}），印章完好。{comment}".strip(),
    )


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


# --- plain data for the page, the PDF and the printed hash ------------------------------------


def canonical(record: SealRequest) -> dict:
    """The record's fields as plain data: what the PDF's hash and /verify cover."""
    return {
        "seals": [item.seal.name for item in record.items],
        "document_name": record.document_name,
        "document_type": record.document_type_label,
        "purpose": record.purpose,
        "receiving_party": record.receiving_party,
        "copies": record.copies,
        "urgent": record.urgent,
        "take_out": record.take_out,
        "destination": record.destination,
        "carrier": record.carrier,
        "expected_return_at": format_local(record.expected_return_at),
        "remarks": record.remarks,
        "stamping": [
            [
                row["seal"],
                row["copies"],
                row["stamped_at"],
                row["handed_over_at"],
                row["returned_at"],
            ]
            for row in stamping_rows(record)
        ],
        "attachments": [[a.original_name, a.sha256] for a in attachments(record)],
    }


def approver_label(record: SealRequest) -> str:
    """Who approved last before stamping (the GM, the 受托人 for them, or the head alone)."""
    instance = record.instance
    approvals = [
        t
        for t in instance.tasks
        if t.round == instance.round
        and t.status == TaskStatus.APPROVED
        and t.step_key in ("head", "finance", "gm", "gm_take_out")
    ]
    if not approvals:
        return ""
    last = max(approvals, key=lambda t: (t.decided_at, t.id))
    return workflow.actor_label(last.actor, last.on_behalf_of)


def keeper_label(record: SealRequest) -> str:
    """Who stamped (李四（代 张三）when acting for the keeper), else who is to stamp."""
    stamped = [
        workflow.actor_label(i.stamped_by, i.on_behalf_of) for i in record.items if i.stamped_by
    ]
    if stamped:
        return "、".join(dict.fromkeys(stamped))
    return "、".join(dict.fromkeys(i.seal.keeper_label for i in record.items))


def stamping_rows(record: SealRequest) -> list[dict]:
    return [
        {
            "seal": item.seal.name,
            "keeper": item.seal.keeper_label,
            "copies": item.copies_stamped,
            "stamped_by": workflow.actor_label(item.stamped_by, item.on_behalf_of),
            "stamped_at": format_local(item.stamped_at),
            "handed_over_at": format_local(item.handed_over_at),
            "returned_at": format_local(item.returned_at),
        }
        for item in record.items
    ]


def take_out_text(record: SealRequest) -> str:
    if not record.take_out:
        return "否"
    carrier = record.carrier or record.instance.applicant.display_name
    return (
        f"是。地点：{record.destination or '—'}；携带人：{carrier}；"
        f"预计归还：{format_local(record.expected_return_at) or '—'}"
    )


def pdf_document(record: SealRequest) -> dict:
    """Fields, sections and signature lines of the 用印申请单 (plain data for the PDF)."""
    instance = record.instance
    kinds = {item.seal.kind for item in record.items}
    ticks = "　".join(f"{'☑' if k in kinds else '☐'} {label}" for k, label in SEAL_KINDS.items())
    fields = [
        [
            {"label": "申请人", "value": instance.applicant.display_name},
            {"label": "部门", "value": instance.department.name if instance.department else ""},
        ],
        [
            {
                "label": "申请日期",
                "value": format_local(instance.submitted_at or instance.created_at, "%Y-%m-%d"),
            },
            {"label": "加急", "value": "是" if record.urgent else "否"},
        ],
        [{"label": "印章种类", "value": ticks, "span": 2}],
        [{"label": "使用印章", "value": record.seal_names, "span": 2}],
        [{"label": "文件名称", "value": record.document_name, "span": 2}],
        [
            {"label": "文件类型", "value": record.document_type_label},
            {"label": "份数", "value": f"{record.copies} 份" if record.copies else ""},
        ],
        [{"label": "用印事由", "value": record.purpose, "span": 2}],
        [{"label": "文件送达单位", "value": record.receiving_party, "span": 2}],
        [{"label": "携带外出", "value": take_out_text(record), "span": 2}],
        [
            {
                "label": "附件",
                "value": "\n".join(a.original_name for a in attachments(record)) or "无",
                "span": 2,
            }
        ],
        [{"label": "备注", "value": record.remarks or "", "span": 2}],
    ]
    columns = ["印章", "保管人", "实盖份数", "用印人", "用印时间"]
    rows = [
        [r["seal"], r["keeper"], r["copies"], r["stamped_by"], r["stamped_at"]]
        for r in stamping_rows(record)
    ]
    if record.take_out:
        columns += ["交出时间", "归还时间"]
        rows = [
            [*row, r["handed_over_at"], r["returned_at"]]
            for row, r in zip(rows, stamping_rows(record), strict=True)
        ]
    signatures = ["经手人签字", "部门负责人签字"]
    if kinds & FINANCE_KINDS:
        signatures.append("财务部负责人签字")
    signatures += ["总经理（受托人）签字", "印章保管人签字"]
    if record.take_out:
        signatures.append("携带人签字")
    return {
        "fields": fields,
        "sections": [{"title": "用印登记", "columns": columns, "rows": rows}],
        "signatures": signatures,
    }


def governing_clauses(record: SealRequest | None) -> list[dict]:
    """The clauses of QP-ADM-01 that govern this request, as links to their anchors; a plain
    reference to the procedure when the library does not hold it (yet)."""
    anchors = governing_anchors(record)
    clauses = find_clauses(PROCEDURE, *anchors)
    if clauses:
        return [
            {
                "citation": c.citation or c.number,
                "text": _short(c.text),
                "url": clause_url(PROCEDURE, c.anchor),
            }
            for c in clauses
        ]
    url = (
        url_for("procedures.detail", code=PROCEDURE)
        if "procedures.detail" in current_app.view_functions
        else None
    )
    return [{"citation": f"《印章管理制度》（{PROCEDURE}）", "text": "", "url": url}]


def governing_anchors(record: SealRequest | None) -> list[str]:
    kinds = {item.seal.kind for item in record.items} if record else set()
    take_out = bool(record and record.take_out)
    anchors = ["art-16"] if kinds == {SealKind.DEPARTMENT} else ["art-13"]
    if kinds & FINANCE_KINDS:
        anchors.append("art-14")
    if SealKind.CONTRACT in kinds:
        anchors.append("art-15")
    anchors += ["art-17", "art-18"]
    if take_out or record is None:
        anchors += ["art-20", "art-22", "art-23"]
    return anchors


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- what the pages show ----------------------------------------------------------------------


def form_page(record: SealRequest | None) -> dict:
    return {
        "record": record,
        "attachments": attachments(record) if record else [],
        "clauses": governing_clauses(record),
    }


def step_page(record: SealRequest, user: User) -> dict:
    """The keeper's and the GM's pages: the request at a glance and for whom the user acts."""
    return {
        **form_page(record),
        "acting_for": workflow.acting_for(record.instance, user),
        "stamping": stamping_rows(record),
        "take_out": take_out_text(record),
    }


def detail_page(record: SealRequest, user: User) -> dict:
    instance = record.instance
    return {
        **step_page(record, user),
        "panel": workflow.panel(instance, user),
        "can_edit": can_edit(user, record),
        "cc_choices": user_choices() if user.id == instance.applicant_id else [],
        "problems": submit_problems(record) if can_edit(user, record) else {},
    }


def request_pdf(record: SealRequest) -> tuple[bytes, str]:
    """The 用印申请单 as it would be printed, and its file name."""
    instance = record.instance
    document = pdf_document(record)
    data = records.record_pdf(
        instance, "seals/pdf.html", "用印申请单", document.pop("fields"), **document
    )
    return data, f"{instance.number or f'seal-request-{record.id}'}.pdf"
