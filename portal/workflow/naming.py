"""How the engine names things in messages, trails and links: which record ("YY-202612-0012
《2027年度采购合同》用印申请"), who acted ("李四（代 张三）"), what a decision of a step is called
("已用印"), and the record's page. Below the engine, so every workflow module may use it."""

from __future__ import annotations

from portal.core.htmx import path_for
from portal.workflow.flow import get_flow
from portal.workflow.models import Instance, Task, TaskStatus


def record_url(instance: Instance) -> str:
    flow = get_flow(instance.form_type)
    return path_for(flow.detail_endpoint, id=instance.record_id)


def headline(instance: Instance) -> str:
    """ "YY-202612-0012《2027年度采购合同》用印申请": which record a message is about."""
    title = f"《{instance.title}》" if instance.title else ""
    return f"{instance.number or '草稿'}{title}{get_flow(instance.form_type).name}"


def actor_label(actor, principal) -> str:
    """ "李四（代 张三）" for a delegate, else the actor's name."""
    if actor is None:
        return ""
    if principal is not None and principal.id != actor.id:
        return f"{actor.display_name}（代 {principal.display_name}）"
    return actor.display_name


def done_label(step, task: Task) -> str:
    """ "已用印" for a stamping step, else the task's own label."""
    if task.status in (TaskStatus.APPROVED, TaskStatus.COMPLETED) and step is not None:
        return step.done_label or ("已同意" if task.status == TaskStatus.APPROVED else "已完成")
    return task.status_label
