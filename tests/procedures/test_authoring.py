"""The form editor (procedures.new / procedures.edit): a document is drafted without YAML from
scratch, from a copy of the current revision or from a legacy import; bad input comes back
beside its field with the values kept (422); the live preview shows the clause outline."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.procedures import authoring, publishing, services
from portal.procedures import markdown as md
from portal.procedures.models import Procedure, Revision, RevisionStatus

BODY = """本办法规定样品的保管。

## 1 总则

1.1 为规范样品的保管工作，制定本办法。

1.2 本办法适用于公司全体员工。

## 2 保管

2.1 样品应放在指定位置。
"""

IMPORTED_PAGE = """样品保管办法

第一条 为规范样品的保管工作，制定本办法。

第二条 本办法适用于公司全体员工。

第三条 本办法自发布之日起施行。
"""


def fields(**overrides) -> dict:
    data = {
        "code": "QP-ADM-50",
        "title": "样品保管办法",
        "category": "行政管理",
        "owner_department": "ADM",
        "revision": "A/0",
        "effective_date": "2026-12-20",
        "review_cycle_months": "24",
        "required_departments": ["ADM", "QA"],
        "required_roles": ["employee"],
        "body": BODY,
        "action": "save",
    }
    data.update(overrides)
    return data


def get(code: str) -> Procedure:
    return db.session.scalar(select(Procedure).where(Procedure.code == code))


def test_new_document_from_scratch_is_a_draft_without_yaml(client, login):
    login("admin")
    page = client.get("/procedures/new")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'name="owner_department"' in html and "---" not in html and "YAML" not in html
    response = client.post("/procedures/new", data=fields())
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/procedures/QP-ADM-50/edit")
    procedure = get("QP-ADM-50")
    draft = procedure.draft_revision
    assert draft.status == RevisionStatus.DRAFT and procedure.current_revision is None
    assert procedure.owner_department == "ADM" and procedure.category == "行政管理"
    assert procedure.required_departments == ["ADM", "QA"]
    assert procedure.required_roles == ["employee"]
    assert draft.label == "A/0" and draft.effective_date.isoformat() == "2026-12-20"
    assert [c.anchor for c in draft.clauses][:2] == ["s-1", "s-1-1"]
    assert draft.created_by.username == "admin"
    # The draft's text is Markdown with front matter that the YAML loader reads as well.
    doc = md.parse_markdown(draft.source_text)
    assert doc.meta["required_departments"] == ["ADM", "QA"]
    assert doc.meta["review_cycle_months"] == 24
    edit = client.get("/procedures/QP-ADM-50/edit").get_data(as_text=True)
    assert "1.1 为规范样品的保管工作" in edit and 'value="样品保管办法"' in edit
    assert "提交审核" in edit and "/changes/" in edit


def test_saving_again_updates_the_one_draft(client, login):
    login("admin")
    client.post("/procedures/new", data=fields())
    draft_id = get("QP-ADM-50").draft_revision.id
    again = client.post(
        "/procedures/QP-ADM-50/edit", data=fields(body=BODY + "\n2.2 样品应登记。\n")
    )
    assert again.status_code == 303
    db.session.expire_all()
    procedure = get("QP-ADM-50")
    assert [r.id for r in procedure.revisions] == [draft_id]
    assert procedure.draft_revision.clauses[-1].anchor == "s-2-2"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"code": "QP-CS-01"}, "code", "文件编号已存在"),
        ({"code": "bad code"}, "code", "文件编号格式不正确"),
        ({"owner_department": ""}, "owner_department", "请选择归口部门"),
        ({"owner_department": "NOPE"}, "owner_department", "请从列表中选择"),
        ({"title": ""}, "title", "请填写标题"),
        ({"effective_date": "2026-13-45"}, "effective_date", "日期格式应为"),
        ({"review_cycle_months": "0"}, "review_cycle_months", "评审周期（月）应在 1 到 120"),
        ({"review_cycle_months": "abc"}, "review_cycle_months", "请填写整数"),
        ({"required_roles": ["nobody"]}, "required_roles", ""),
        ({"body": "没有编号的一段话。"}, "body", "没有找到任何带编号的条款"),
    ],
)
def test_field_errors_keep_the_values(client, login, overrides, field, message):
    services.load_markdown_dir()
    db.session.commit()
    login("admin")
    response = client.post("/procedures/new", data=fields(**overrides))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    section = html.split(f'id="field-{field}"', 1)[1].split("</div>", 1)[0]
    assert 'class="error"' in section or "error" in html.split(f'id="field-{field}"', 1)[1][:3000]
    body = overrides.get("body", "1.1 为规范样品的保管工作")
    assert body.splitlines()[0] in html  # the values are kept
    assert get("QP-ADM-50") is None


def test_junk_posts_never_500(client, login):
    login("admin")
    junk = [
        {},
        {"body": "\x00" * 10},
        {"code": "A" * 500, "effective_date": "99999-01-01", "review_cycle_months": "1e99"},
        {"required_departments": ["x" * 300], "owner_department": "'; drop table"},
    ]
    for data in junk:
        response = client.post("/procedures/new", data=data)
        assert response.status_code in (400, 422), data
    assert client.post("/procedures/NOPE-1/edit", data=fields()).status_code == 404


def test_import_draft_saves_without_owner_failure(client, login):
    """The finding: an import's empty owner_department made publishing fail with
    "前置信息缺少字段：owner_department"; the editor asks for it with a picker instead."""
    services.import_legacy_files([("a.txt", IMPORTED_PAGE.encode())])
    db.session.commit()
    procedure = db.session.scalar(select(Procedure).where(Procedure.title == "样品保管办法"))
    code = procedure.code
    login("admin")
    page = client.get(f"/procedures/{code}/edit").get_data(as_text=True)
    assert "导入的历史文本" in page and f'value="{code}"' in page
    assert "第二条 本办法适用于公司全体员工" in page
    missing = client.post(
        f"/procedures/{code}/edit",
        data=fields(code=code, owner_department="", body=authoring.start(procedure, None).body),
    )
    html = missing.get_data(as_text=True)
    assert missing.status_code == 422 and "请选择归口部门" in html
    assert "前置信息缺少字段" not in html
    saved = client.post(
        f"/procedures/{code}/edit",
        data=fields(code="QP-ADM-51", body=authoring.start(procedure, None).body),
    )
    assert saved.status_code == 303
    db.session.expire_all()
    procedure = get("QP-ADM-51")
    assert procedure.owner_department == "ADM" and len(procedure.revisions) == 1
    draft = procedure.draft_revision
    assert draft.source_format == "markdown" and len(draft.clauses) == 3


def test_copy_of_the_current_revision_waits_for_issue(client, login):
    services.load_markdown_dir()
    db.session.commit()
    procedure = get("QP-CS-01")
    current = procedure.current_revision
    login("admin")
    page = client.get("/procedures/QP-CS-01/edit").get_data(as_text=True)
    assert "新修订" in page and 'value="A/1"' in page
    assert "readonly" in page.split('id="code"', 1)[1][:200]
    early = client.post(
        "/procedures/QP-CS-01/edit",
        data=fields(code="QP-CS-01", effective_date="2000-01-01", revision="A/1"),
    )
    assert early.status_code == 422 and "不能早于现行版本" in early.get_data(as_text=True)
    used = client.post(
        "/procedures/QP-CS-01/edit", data=fields(code="QP-CS-01", revision=current.label)
    )
    assert used.status_code == 422 and "已使用" in used.get_data(as_text=True)
    saved = client.post(
        "/procedures/QP-CS-01/edit",
        data=fields(
            code="QP-CS-99", revision="A/1", owner_department="QA", effective_date="2030-01-01"
        ),
    )
    assert saved.status_code == 303
    db.session.expire_all()
    procedure = get("QP-CS-01")
    # The issued document keeps its metadata until the draft is issued.
    assert procedure.owner_department != "QA" and procedure.current_revision.id == current.id
    draft = procedure.draft_revision
    assert authoring.pending_meta(draft)["owner_department"] == "QA"
    authoring.apply_pending_meta(procedure, authoring.pending_meta(draft))
    assert procedure.owner_department == "QA"


def test_only_authors_may_edit(client, login, org):
    services.load_markdown_dir()
    db.session.commit()
    login("employee")
    assert client.get("/procedures/QP-CS-01/edit").status_code == 403
    assert client.post("/procedures/QP-CS-01/preview", data={"body": BODY}).status_code == 403


def test_live_preview_and_the_no_javascript_preview(client, login):
    login("admin")
    live = client.post("/procedures/preview", data={"body": BODY}, headers={"HX-Request": "true"})
    html = live.get_data(as_text=True)
    assert live.status_code == 200 and html.lstrip().startswith('<div id="edit-preview"')
    assert "共 5 个条款" in html and "条款结构" in html and "1.1" in html
    plain = client.post("/procedures/new", data=fields(action="preview"))
    page = plain.get_data(as_text=True)
    assert plain.status_code == 200 and "共 5 个条款" in page and get("QP-ADM-50") is None


def test_csrf_is_honoured(make_app, org):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    from tests.conftest import Auth

    Auth(client).as_user(org["admin"])
    response = client.post("/procedures/new", data=fields())
    assert response.status_code == 422
    assert "安全令牌" in response.get_data(as_text=True)
    assert db.session.scalar(select(Procedure).where(Procedure.code == "QP-ADM-50")) is None
    assert client.post("/procedures/preview", data={"body": BODY}).status_code == 400


def test_revision_history_rows(app, org):
    services.load_markdown_dir()
    procedure = get("QP-CS-01")
    first = procedure.current_revision
    first.approved_by = org["gm"]
    first.created_by = org["admin"]
    draft = authoring.save_draft(
        procedure,
        {**fields(code="QP-CS-01", revision="A/1", effective_date=None), "effective_date": None}
        | {"effective_date": first.effective_date},
        BODY,
        org["admin"],
    )
    draft.change_note = "增加第 2 章"
    draft.approved_by = org["gm"]
    publishing.issue(draft, org["gm"])
    rows = authoring.revision_history(procedure)
    assert [(r.label, r.change_note, r.author, r.approver) for r in rows] == [
        (first.label, first.change_note, org["admin"].display_name, org["gm"].display_name),
        ("A/1", "增加第 2 章", org["admin"].display_name, org["gm"].display_name),
    ]
    assert db.session.get(Revision, first.id).status == RevisionStatus.SUPERSEDED


def _two_revisions(org) -> Procedure:
    """QP-CS-01 issued as A/0 by admin, then A/1 written by head and approved by gm."""
    services.load_markdown_dir()
    procedure = get("QP-CS-01")
    first = procedure.current_revision
    first.created_by, first.approved_by, first.change_note = org["admin"], org["gm"], "首次发布"
    start = authoring.start(procedure, org["admin"])
    data = {**start.fields, "revision": "A/1", "effective_date": first.effective_date}
    draft = authoring.save_draft(procedure, data, start.body, org["head"])
    draft.change_note, draft.approved_by = "明确回访时限", org["gm"]
    publishing.issue(draft, org["gm"])
    db.session.commit()
    return procedure


def test_history_table_on_the_page(client, login, org):
    _two_revisions(org)
    login("employee")
    html = client.get("/procedures/QP-CS-01").get_data(as_text=True)
    table = html.split('id="history"', 1)[1].split("</table>", 1)[0]
    for header in ("版本", "日期", "修订内容", "修订人", "批准人"):
        assert f">{header}</th>" in table
    assert "首次发布" in table and "明确回访时限" in table
    rows = table.split("<tr")[2:]
    assert org["admin"].display_name in rows[0] and org["gm"].display_name in rows[0]
    assert org["head"].display_name in rows[1] and "A/1" in rows[1]


def test_history_table_in_the_pdf(client, login, org):
    from tests.pdftext import pdftotext

    _two_revisions(org)
    login("employee")
    response = client.get("/procedures/QP-CS-01/pdf")
    assert response.status_code == 200
    text = pdftotext(response.data)
    assert "修订历史" in text and "版本日期修订内容修订人批准人" in text
    assert "A/1" in text and "明确回访时限" in text
    assert f"首次发布{org['admin'].display_name}{org['gm'].display_name}" in text


def test_no_second_draft_while_a_revision_is_under_review(client, login):
    login("admin")
    client.post("/procedures/new", data=fields())
    draft = get("QP-ADM-50").draft_revision
    draft.status = RevisionStatus.REVIEW  # as submit_for_review leaves it
    db.session.commit()
    response = client.get("/procedures/QP-ADM-50/edit")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/procedures/QP-ADM-50/changes/{draft.id}")
    assert client.post("/procedures/QP-ADM-50/edit", data=fields()).status_code == 303
    assert len(get("QP-ADM-50").revisions) == 1


def test_yaml_files_may_name_the_review_cycle_and_required_readers(app):
    text = md.front_matter(
        {
            "code": "QP-ADM-60", "title": "会议管理办法", "category": "行政管理",
            "owner_department": "ADM", "revision": "A/0",
            "effective_date": date(2026, 1, 1), "review_cycle_months": 12,
            "required_departments": ["ADM"], "required_roles": ["gm"],
        }
    ) + "\n\n第一条 会议由行政部组织。\n"  # fmt: skip
    assert "required_roles: [gm]" in text
    procedure = services.load_markdown(text).procedure
    assert procedure.review_cycle_months == 12
    assert (procedure.required_departments, procedure.required_roles) == (["ADM"], ["gm"])
