"""The change request of a controlled document (文件更改申请), on the engine: a draft revision is
the record (`Revision.instance_id`); its author, a member of the owning department, applies
under that department.

- 部门负责人审核: the head of the owning department (skipped when the author is the head);
- 会签: the heads of the departments the author asked to co-sign, all of them (skipped if none);
- 批准: the general manager, or the management representative (管理者代表) for documents of the
  quality management system (`publishing.approver_role`); never the author.

When the last approval is in, the revision is 待发布 and issued at its effective date
(`publishing.on_engine_status`, `publishing.issue_due` on every tick); sent back to the author
or withdrawn, it is a draft again.
"""

from __future__ import annotations

from portal.auth.models import RoleCode
from portal.procedures.models import Revision
from portal.workflow.flow import ALL, ApplicantHead, Flow, FromRecord, Numbering, Step


def _publishing():
    from portal.procedures import publishing

    return publishing


def change_title(revision: Revision) -> str:
    procedure = revision.procedure
    title = revision.title or procedure.title
    return f"{procedure.code} {revision.label}《{title}》".strip()


def _cosign_heads(revision: Revision):
    return _publishing().cosign_heads(revision)


def _approvers(revision: Revision):
    return _publishing().approvers(revision)


def _on_status(ctx, before: str) -> None:
    _publishing().on_engine_status(ctx, before)


def _readers(user, inst):
    """Members of the department that owns the document follow its change requests."""
    if user.department_id is None:
        return None
    return inst.department_id == user.department_id


def _canonical(revision: Revision) -> dict:
    return {
        "code": revision.procedure.code,
        "label": revision.label,
        "title": revision.title,
        "effective_date": str(revision.effective_date or ""),
        "change_note": revision.change_note,
        "significance": revision.significance,
        "content_hash": revision.content_hash,
    }


FLOW = Flow(
    key="procedures",
    name="文件更改申请",
    numbering=Numbering("WG", period="year"),
    model=Revision,
    steps=(
        Step("review", "部门负责人审核", ApplicantHead(), action_label="审核通过"),
        Step("cosign", "会签", FromRecord(_cosign_heads, "会签部门负责人"), mode=ALL,
             when=lambda r: bool(r.cosign_departments), when_label="编写人指定了会签部门时"),
        Step("approve", "批准", FromRecord(_approvers, "总经理或管理者代表（按文件类别）"),
             action_label="批准"),
    ),
    detail_endpoint="procedures.change_record",
    title=change_title,
    viewer_roles=(RoleCode.SYSADMIN,),
    readers=_readers,
    void_roles=(RoleCode.SYSADMIN,),
    canonical=_canonical,
    on_status=_on_status,
)  # fmt: skip
