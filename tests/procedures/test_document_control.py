"""Document control: a revision goes draft → review → approved → current → superseded (or
withdrawn) through the engine's "procedures" flow and `publishing`; every change of state writes
an audit row; an approved revision with a future effective date is issued by the tick."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from portal.core.clock import frozen, local_now, local_zone
from portal.core.models import AuditEvent
from portal.extensions import db
from portal.procedures import publishing, services
from portal.procedures.models import Procedure, RevisionStatus, SearchClause, SearchDocument
from portal.workflow import engine
from portal.workflow.models import Status
from portal.workflow.tick import tick

CODE = "QP-DC-01"
TEXT = """---
code: {code}
title: {title}
category: {category}
owner_department: {owner}
revision: {revision}
effective_date: {effective}
change_note: 测试
forms: []
deadlines: {{}}
---

## 第一章 总则

第一条 {text}

第二条 本制度由归口部门负责解释。
"""


def markdown(revision="A/0", text="为规范管理，制定本制度。", *, code=CODE, title="文件控制测试制度",
             category="行政管理", owner="ADM", effective="2026-01-01") -> str:  # fmt: skip
    return TEXT.format(code=code, title=title, category=category, owner=owner,
                       revision=revision, effective=effective, text=text)  # fmt: skip


def issued_procedure(**kwargs) -> Procedure:
    result = services.load_markdown(markdown(**kwargs))
    db.session.commit()
    return result.procedure


def draft_of(procedure: Procedure, author, revision="A/1", text="为规范公司管理，制定本制度。",
             effective: date | None = None, **kwargs):  # fmt: skip
    day = (effective or local_now().date()).isoformat()
    owner = procedure.owner_department
    values = {"code": procedure.code, "category": procedure.category, "owner": owner, **kwargs}
    draft = services.publish_revision(
        procedure, markdown(revision, text, effective=day, **values), author, draft=True
    )
    db.session.commit()
    return draft


def audit_actions(revision) -> list[str]:
    rows = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.subject_type == publishing.SUBJECT, AuditEvent.subject_id == revision.id)
        .order_by(AuditEvent.id)
    )
    return [row.action for row in rows]


def search_state(revision) -> set:
    rows = db.session.scalars(select(SearchClause.is_current).where(
        SearchClause.revision_id == revision.id)).all()  # fmt: skip
    docs = db.session.scalars(select(SearchDocument.is_current).where(
        SearchDocument.revision_id == revision.id)).all()  # fmt: skip
    return set(rows) | {("doc", d) for d in docs}


# -- the whole path, table-driven ---------------------------------------------------------------

# (who, what, revision status after, instance status after)
PATH = [
    ("adminoffice", "submit", RevisionStatus.REVIEW, Status.IN_PROGRESS),
    ("adminhead", "approve", RevisionStatus.REVIEW, Status.IN_PROGRESS),  # 部门负责人审核
    ("quality", "approve", RevisionStatus.REVIEW, Status.IN_PROGRESS),  # 会签 (QA)
    ("finance", "approve", RevisionStatus.REVIEW, Status.IN_PROGRESS),  # 会签 (FIN), all of them
    ("gm", "approve", RevisionStatus.CURRENT, Status.COMPLETED),  # 批准, effective today
]


def test_transitions_from_draft_to_current_supersede_the_old_revision(app, org):
    procedure = issued_procedure()
    old = procedure.current_revision
    draft = draft_of(procedure, org["adminoffice"])
    assert draft.status == RevisionStatus.DRAFT and procedure.current_revision is old
    for who, action, revision_status, instance_status in PATH:
        if action == "submit":
            publishing.submit_for_review(
                draft, org[who], "第一条措辞调整", "editorial", ["QA", "FIN"]
            )
        else:
            engine.transition(draft.instance, action, org[who], "同意")
        db.session.commit()
        assert (who, draft.status, draft.instance.status) == (who, revision_status, instance_status)
    assert old.status == RevisionStatus.SUPERSEDED and old.superseded_at is not None
    assert procedure.current_revision is draft and draft.issued_at is not None
    assert draft.approved_by == org["gm"] and draft.approved_at is not None
    assert draft.instance.number.startswith("WG-")
    assert audit_actions(draft) == [
        "submit_document", "approve_document", "issue"]  # fmt: skip
    assert audit_actions(old)[-1] == "supersede"
    assert search_state(draft) == {True, ("doc", True)}
    assert search_state(old) == {False, ("doc", False)}


def test_the_bundled_procedures_are_issued_with_an_audit_row(app, org):
    procedure = issued_procedure()
    revision = procedure.current_revision
    assert revision.status == RevisionStatus.CURRENT and revision.issued_at is not None
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.subject_type == publishing.SUBJECT, AuditEvent.subject_id == revision.id))  # fmt: skip
    assert event.action == "issue" and "直接发布" in event.comment


def test_sent_back_a_revision_is_a_draft_again_and_comments_link_clauses(app, org):
    procedure = issued_procedure()
    draft = draft_of(procedure, org["adminoffice"])
    publishing.submit_for_review(draft, org["adminoffice"], "调整", "substantive", [])
    engine.transition(draft.instance, "reject", org["adminhead"], "【第一条】表述不清")
    db.session.commit()
    assert draft.status == RevisionStatus.DRAFT
    assert draft.instance.status == Status.RETURNED
    comments = publishing.change_comments(draft)
    assert comments and 'href="#' in comments[0].html and "【第一条】" in comments[0].html
    # resubmitted: the same change request goes round again
    publishing.submit_for_review(draft, org["adminoffice"], "已修改", "substantive", [])
    db.session.commit()
    assert draft.status == RevisionStatus.REVIEW and draft.instance.round == 2
    assert audit_actions(draft) == ["submit_document", "return_document", "submit_document"]


def test_applicant_withdrawing_the_request_returns_the_draft(app, org):
    procedure = issued_procedure()
    draft = draft_of(procedure, org["adminoffice"])
    publishing.submit_for_review(draft, org["adminoffice"], "调整", "editorial", [])
    engine.transition(draft.instance, "withdraw", org["adminoffice"])
    db.session.commit()
    assert draft.status == RevisionStatus.DRAFT


def test_a_future_effective_date_waits_as_approved_until_the_tick(app, org):
    procedure = issued_procedure()
    old = procedure.current_revision
    start = local_now()
    effective = start.date() + timedelta(days=10)
    draft = draft_of(procedure, org["adminoffice"], effective=effective)
    publishing.submit_for_review(draft, org["adminoffice"], "调整", "substantive", [])
    engine.transition(draft.instance, "approve", org["adminhead"])
    engine.transition(draft.instance, "approve", org["gm"])
    db.session.commit()
    assert draft.status == RevisionStatus.APPROVED and draft.status_name == "待发布"
    assert procedure.current_revision is old and search_state(draft) == set()
    day_before = datetime.combine(effective - timedelta(days=1), time(9), local_zone())
    with frozen(day_before):
        tick()
    db.session.expire_all()
    assert draft.status == RevisionStatus.APPROVED
    with frozen(datetime.combine(effective, time(0, 5), local_zone())):
        result = tick()
    db.session.expire_all()
    assert any("issued 1" in line for line in result.jobs)
    assert draft.status == RevisionStatus.CURRENT and old.status == RevisionStatus.SUPERSEDED
    assert audit_actions(draft)[-2:] == ["approve_document", "issue"]
    assert audit_actions(old)[-1] == "supersede"
    with frozen(datetime.combine(effective, time(0, 10), local_zone())):
        assert publishing.issue_due() == []  # idempotent


def test_withdraw_makes_the_document_withdrawn_without_replacement(app, org):
    procedure = issued_procedure()
    current = procedure.current_revision
    with pytest.raises(publishing.DocumentError) as refused:
        publishing.withdraw(procedure, org["adminoffice"], " ")
    assert refused.value.field == "reason"
    with pytest.raises(publishing.DocumentError):
        publishing.withdraw(procedure, org["employee"], "不再适用")  # not the owning department
    publishing.withdraw(procedure, org["adminoffice"], "业务已取消")
    db.session.commit()
    assert current.status == RevisionStatus.WITHDRAWN and current.status_name == "已作废"
    assert procedure.current_revision is None and current.withdrawn_reason == "业务已取消"
    assert audit_actions(current)[-1] == "withdraw_document"
    assert search_state(current) == {False, ("doc", False)}


def test_quality_documents_are_approved_by_the_management_representative(app, org):
    procedure = issued_procedure(code="QP-QA-01", category="质量管理", owner="QA")
    draft = draft_of(procedure, org["inspector"])
    publishing.submit_for_review(draft, org["inspector"], "调整", "editorial", [])
    engine.transition(draft.instance, "approve", org["quality"])
    db.session.commit()
    assert draft.instance.step_key == "approve"
    assert [t.assignee.username for t in draft.instance.open_tasks] == ["mgmtrep"]
    engine.transition(draft.instance, "approve", org["mgmtrep"])
    db.session.commit()
    assert draft.status == RevisionStatus.CURRENT


# -- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change_note", "significance", "field", "message"),
    [
        ("", "editorial", "change_note", "请填写修订说明"),
        ("调整", "", "significance", "请选择修订性质"),
        ("调整", "major", "significance", "请选择修订性质"),
    ],
)
def test_submit_requires_a_change_note_and_significance(app, org, change_note, significance,
                                                        field, message):  # fmt: skip
    draft = draft_of(issued_procedure(), org["adminoffice"])
    with pytest.raises(publishing.DocumentError) as refused:
        publishing.submit_for_review(draft, org["adminoffice"], change_note, significance, [])
    assert refused.value.field == field and message in refused.value.message
    assert draft.status == RevisionStatus.DRAFT and draft.instance is None


def test_an_effective_date_before_the_current_revisions_is_refused(app, org):
    procedure = issued_procedure(effective="2026-06-01")
    draft = draft_of(procedure, org["adminoffice"], effective=date(2026, 5, 1))
    with pytest.raises(publishing.DocumentError) as refused:
        publishing.submit_for_review(draft, org["adminoffice"], "调整", "editorial", [])
    assert refused.value.field == "effective_date"
    assert "不能早于现行版本的生效日期（2026-06-01）" in refused.value.message


def test_the_author_cannot_be_the_only_approver(app, org):
    procedure = issued_procedure(code="QP-GM-01", owner="GMO")
    draft = draft_of(procedure, org["gm"])
    with pytest.raises(publishing.DocumentError) as refused:
        publishing.submit_for_review(draft, org["gm"], "调整", "editorial", [])
    assert refused.value.field == "approver" and "不能是编写人本人" in refused.value.message


def test_a_duplicate_code_is_refused(app, org):
    issued_procedure()
    with pytest.raises(publishing.DocumentError) as refused:
        publishing.check_code(CODE.lower())
    assert refused.value.field == "code" and "文件编号已存在" in refused.value.message
    assert publishing.check_code(" qp-new-01 ") == "QP-NEW-01"


def test_only_the_owning_department_submits(app, org):
    draft = draft_of(issued_procedure(), org["adminoffice"])
    with pytest.raises(publishing.DocumentError) as refused:
        publishing.submit_for_review(draft, org["employee"], "调整", "editorial", [])
    assert "所属部门" in refused.value.message


# -- imports land as drafts ---------------------------------------------------------------------

PAGE = """样品保管办法

第一条 为规范样品保管，制定本办法。
第二条 样品由质检部保管。
"""


def test_imports_land_as_drafts_and_issue_true_issues_them(app, org):
    [result] = services.import_legacy_files([("a.txt", PAGE.encode())], org["admin"])
    db.session.commit()
    [stored] = result.documents
    procedure, revision = stored.procedure, stored.revision
    assert revision.status == RevisionStatus.DRAFT and procedure.current_revision is None
    assert search_state(revision) == set()
    assert audit_actions(revision) == ["import"]
    # imported again with a change: the same draft, updated
    changed = PAGE.replace("质检部", "品质部")
    [again] = services.import_legacy_files([("a.txt", changed.encode())], org["admin"])
    db.session.commit()
    assert again.documents[0].revision.id == revision.id
    assert "品质部" in revision.source_text and len(procedure.revisions) == 1
    # bulk-loaded as in force on paper: issued at once, said so in the audit
    services.import_legacy_files([("a.txt", changed.encode())], org["admin"], issue=True)
    db.session.commit()
    assert revision.status == RevisionStatus.CURRENT and search_state(revision)
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.subject_id == revision.id, AuditEvent.action == "issue"))  # fmt: skip
    assert "现行纸质文件" in event.comment


def test_cli_import_issue_flag(app, org, runner, tmp_path):
    (tmp_path / "b.txt").write_text(PAGE, encoding="utf-8")
    result = runner.invoke(args=["procedures", "import", "--issue", str(tmp_path)])
    assert result.exit_code == 0, result.output
    procedure = db.session.scalar(select(Procedure).where(Procedure.title == "样品保管办法"))
    assert procedure.current_revision is not None


# -- the change request page and its submit form ----------------------------------------------


def test_submit_form_shows_each_message_beside_its_field(client, login, org):
    procedure = issued_procedure()
    draft = draft_of(procedure, org["adminoffice"])
    login("adminoffice")
    url = f"/procedures/{CODE}/changes/{draft.id}"
    page = client.get(url).get_data(as_text=True)
    assert "提交审核" in page and "第一条" in page and "总经理" in page
    response = client.post(f"{url}/submit", data={"change_note": "", "significance": "editorial"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    beside = html.split('id="field-change_note"')[1].split('id="field-significance"')[0]
    assert "请填写修订说明" in beside and "has-error" in html
    assert "checked" in html.split('id="field-significance"')[1]  # the user's choice kept
    response = client.post(f"{url}/submit", data={"change_note": "调整"})
    assert response.status_code == 422 and "请选择修订性质" in response.get_data(as_text=True)
    assert draft.status == RevisionStatus.DRAFT


def test_submit_refuses_the_author_as_only_approver_beside_the_approver(client, login, org):
    procedure = issued_procedure(code="QP-GM-02", owner="GMO")
    draft = draft_of(procedure, org["gm"])
    login("gm")
    response = client.post(
        f"/procedures/QP-GM-02/changes/{draft.id}/submit",
        data={"change_note": "调整", "significance": "editorial"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "不能是编写人本人" in html.split('id="field-approver"')[1].split("</div>")[0]


def test_the_reviewer_approves_on_the_change_page(client, login, org):
    procedure = issued_procedure()
    draft = draft_of(procedure, org["adminoffice"])
    login("adminoffice")
    response = client.post(
        f"/procedures/{CODE}/changes/{draft.id}/submit",
        data={"change_note": "调整", "significance": "substantive", "cosign": ["QA"]},
    )
    assert response.status_code == 303
    assert draft.status == RevisionStatus.REVIEW and draft.cosign_departments == ["QA"]
    login("adminhead")
    page = client.get(f"/procedures/{CODE}/changes/{draft.id}").get_data(as_text=True)
    assert "部门负责人审核" in page and "会签" in page and 'value="approve"' in page
    act = client.post(f"/workflow/{draft.instance_id}/act", data={"action": "approve"})
    assert act.status_code == 303
    # the engine's link to the record leads to the change page
    assert client.get(f"/procedures/changes/{draft.id}").status_code == 303


def test_withdraw_page_asks_for_a_reason_then_withdraws(client, login, org):
    procedure = issued_procedure()
    current = procedure.current_revision
    login("adminoffice")
    assert "废止" in client.get(f"/procedures/{CODE}").get_data(as_text=True)
    empty = client.post(f"/procedures/{CODE}/withdraw", data={"reason": ""})
    assert empty.status_code == 422 and "请填写废止原因" in empty.get_data(as_text=True)
    done = client.post(f"/procedures/{CODE}/withdraw", data={"reason": "业务已取消"})
    assert done.status_code == 303
    assert current.status == RevisionStatus.WITHDRAWN
    login("employee")
    page = client.get(f"/procedures/{CODE}").get_data(as_text=True)
    assert "本文件已废止" in page and "业务已取消" in page
