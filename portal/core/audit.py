"""Writing and reading the audit log. The only writer is `record()`; nothing updates or deletes."""

from __future__ import annotations

from flask import g, has_request_context
from sqlalchemy import select

from portal.core.models import AuditEvent
from portal.extensions import db


def record(
    subject_type: str,
    subject_id: int,
    action: str,
    actor=None,
    *,
    on_behalf_of=None,
    from_status: str = "",
    to_status: str = "",
    step: str = "",
    comment: str = "",
    data: dict | None = None,
) -> AuditEvent:
    ip = getattr(g, "client_ip", "") if has_request_context() else ""
    event = AuditEvent(
        subject_type=subject_type,
        subject_id=subject_id,
        action=action,
        actor_id=actor.id if actor is not None else None,
        on_behalf_of_id=on_behalf_of.id if on_behalf_of is not None else None,
        from_status=from_status,
        to_status=to_status,
        step=step,
        comment=comment,
        data=data or {},
        ip=ip,
    )
    db.session.add(event)
    db.session.flush()
    return event


def events_for(subject_type: str, subject_id: int):
    return (
        select(AuditEvent)
        .where(AuditEvent.subject_type == subject_type, AuditEvent.subject_id == subject_id)
        .order_by(AuditEvent.at, AuditEvent.id)
    )


ACTION_LABELS = {
    "create": "创建",
    "update": "修改",
    "submit": "提交",
    "approve": "同意",
    "complete": "完成",
    "reject": "退回申请人",
    "send_back": "退回上一步",
    "withdraw": "撤回",
    "void": "作废",
    "pause": "暂停计时",
    "resume": "恢复计时",
    "skip": "自动跳过",
    "unapproved": "无独立审批",
    "fallback": "转系统管理员",
    "finish": "办结",
    "overdue": "超时",
    "cancel": "取消",
    "transfer": "转交",
    "add_signer": "加签",
    "remind": "催办",
    "comment": "评论",
    "end_sessions": "结束所有会话",
}


def action_label(event: AuditEvent) -> str:
    return ACTION_LABELS.get(event.action, event.action)
