"""Administrators: import legacy pages on the upload page (all at once without JavaScript, one
per request with it), refuse bad files cleanly, view the source beside the parsed
document, export Markdown, preview, save a draft and put it through the change request."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from portal.auth.models import User
from portal.extensions import db
from portal.procedures import publishing, services
from portal.procedures.models import Clause, Procedure, Revision, RevisionStatus
from portal.workflow import engine

SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"

PAGE = """样品保管办法

样品保管办法

第一条 为规范样品的保管工作，制定本办法。

第二条 本办法适用于公司全体员工。样品应放在<script>alert(1)</script>指定位置<img src=x onerror=alert(2)>。

第三条 领用样品须填写样品领用单，经部门经理批准。

第四条 本办法自发布之日起施行。
"""

BAD_FILES = {
    "empty": (b"", "是空的"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "不是纯文本文件"),
    "huge": (("第一条 内容。\n" * 800_000).encode()[: 10 * 1024 * 1024], "过大"),
}


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def upload(client, url: str, field: str, *files: tuple[str, bytes], **kwargs):
    """POST files as multipart/form-data. The body is encoded here, in memory: the test client
    would spool a large one to a temporary file that it never closes (a ResourceWarning)."""
    values = MultiDict(
        [(field, FileStorage(io.BytesIO(data), filename=name)) for name, data in files]
    )
    boundary, body = encode_multipart(values)
    content_type = f"multipart/form-data; boundary={boundary}"
    return client.post(url, data=body, content_type=content_type, **kwargs)


def imported(code_title="样品保管办法") -> Procedure:
    return db.session.scalar(select(Procedure).where(Procedure.title == code_title))


def test_import_page_without_javascript_lists_every_result(client, login):
    login("admin")
    page = client.get("/procedures/import").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and "procedures-import.js" in page
    response = upload(
        client, "/procedures/import", "files", ("a.txt", PAGE.encode()), ("empty.txt", b"")
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422  # one file was refused
    assert "a.txt" in html and "发现 1 份文档" in html and "样品保管办法" in html
    assert "empty.txt" in html and "是空的" in html
    procedure = imported()
    assert procedure is not None and procedure.current_revision is None  # a draft
    assert procedure.code == services.derive_code("a.txt", "样品保管办法")
    assert procedure.draft_revision.source_format == "legacy-text"
    assert [c.anchor for c in procedure.draft_revision.clauses] == [
        "art-1", "art-2", "art-3", "art-4",
    ]  # fmt: skip


def test_import_one_file_returns_its_result_row(client, login):
    login("admin")
    response = upload(
        client,
        "/procedures/import/file",
        "file",
        ("one.txt", PAGE.encode()),
        headers={"HX-Request": "true"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith("<tr") and "one.txt" in html and "新建" in html
    again = upload(client, "/procedures/import/file", "file", ("one.txt", PAGE.encode()))
    again = again.get_data(as_text=True)
    assert "无变化" in again
    assert count(Procedure) == 1 and count(Revision) == 1


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
@pytest.mark.parametrize("url", ["/procedures/import", "/procedures/import/file"])
def test_bad_files_give_a_clear_message_and_store_nothing(client, login, kind, url):
    login("admin")
    data, message = BAD_FILES[kind]
    field = "files" if url == "/procedures/import" else "file"
    response = upload(client, url, field, (f"{kind}.txt", data))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html and f"{kind}.txt" in html and "未导入" in html
    assert (count(Procedure), count(Revision), count(Clause)) == (0, 0, 0)


@pytest.mark.parametrize("url", ["/procedures/import", "/procedures/import/file"])
def test_gbk_file_is_detected_and_converted(client, login, url):
    login("admin")
    field = "files" if url == "/procedures/import" else "file"
    response = upload(client, url, field, ("gbk.txt", PAGE.encode("gbk")))
    assert response.status_code == 200
    revision = imported().draft_revision
    assert "为规范样品的保管工作" in revision.clauses[0].text
    assert revision.source_text.startswith("样品保管办法")


def test_legacy_text_is_sanitised_when_shown(client, login):
    services.import_legacy_files([("a.txt", PAGE.encode())])
    db.session.commit()
    login("admin")
    html = client.get(f"/procedures/{imported().code}").get_data(as_text=True)
    body = html.split('<div class="procedure-body card">')[1]
    assert "<script" not in body and "onerror" not in body and "alert(" not in body
    assert "草稿" in html and "尚未发布" in html


def test_imported_drafts_are_listed_for_administrators_only(client, login):
    services.import_legacy_files([("a.txt", PAGE.encode())])
    db.session.commit()
    procedure = imported()
    procedure.truncated = True
    db.session.commit()
    login("employee")
    assert procedure.code not in client.get("/procedures/?hidden=1").get_data(as_text=True)
    assert client.get(f"/procedures/{procedure.code}").status_code == 404
    login("admin")
    assert procedure.code not in client.get("/procedures/").get_data(as_text=True)
    shown = client.get("/procedures/?hidden=1").get_data(as_text=True)
    assert procedure.code in shown and "草稿" in shown and "节选" in shown


def test_source_export_preview_draft_and_publish(client, login):
    services.import_legacy_files([("a.txt", PAGE.encode())])
    db.session.commit()
    procedure = imported()
    code, legacy = procedure.code, procedure.draft_revision
    anchors = [c.anchor for c in legacy.clauses]
    login("admin")
    source = client.get(f"/procedures/{code}/source").get_data(as_text=True)
    assert '<pre class="source-text">样品保管办法' in source and 'id="art-2"' in source
    export = client.get(f"/procedures/{code}/export.md")
    assert export.headers["Content-Disposition"].endswith('.md"')
    text = export.get_data(as_text=True)
    assert text.startswith(f"---\ncode: {code}\n") and "第三条 领用样品" in text
    text = text.replace("owner_department: ''", "owner_department: ADM").replace(
        "领用样品须填写样品领用单", "领用样品须填写《样品领用单》"
    )
    preview = client.post(f"/procedures/{code}/preview", data={"text": text})
    assert "4 个条款" in preview.get_data(as_text=True)
    bad = client.post(f"/procedures/{code}/preview", data={"text": "没有前置信息"})
    assert "缺少前置信息" in bad.get_data(as_text=True)

    draft = client.post(f"/procedures/{code}/publish", data={"text": text, "action": "draft"})
    assert draft.status_code == 303
    assert "《样品领用单》" in client.get(f"/procedures/{code}/source").get_data(as_text=True)

    # "publish" saves the draft too: nothing is issued without the change request
    saved = client.post(
        f"/procedures/{code}/publish", data={"text": text, "change_note": "整理为 Markdown"}
    )
    assert saved.status_code == 303 and "/changes/" in saved.headers["Location"]
    db.session.expire_all()
    draft = procedure.draft_revision
    assert procedure.current_revision is None and draft.source_format == "markdown"
    assert draft.change_note == "整理为 Markdown" and draft.created_by.username == "admin"
    # the owning department's head reviews, the general manager approves: issued
    submitted = client.post(
        f"/procedures/{code}/changes/{draft.id}/submit",
        data={"change_note": "整理为 Markdown", "significance": "editorial"},
    )
    assert submitted.status_code == 303
    db.session.expire_all()
    procedure = imported()
    draft = procedure.draft_revision or procedure.revisions[-1]
    engine.transition(draft.instance, "approve", user("adminhead"))
    engine.transition(draft.instance, "approve", user("gm"))
    db.session.commit()
    current = procedure.current_revision
    assert current.id == draft.id and current.status == RevisionStatus.CURRENT
    assert procedure.owner_department == "ADM" and procedure.draft_revision is None
    assert [c.anchor for c in current.clauses] == anchors
    # Importing the old page again does not undo the published edit.
    again = services.import_legacy_files([("a.txt", PAGE.encode())])
    assert again[0].documents[0].status == "unchanged"
    assert procedure.current_revision.id == current.id


def test_publish_refuses_a_changed_code_or_a_used_revision(client, login):
    services.import_legacy_files([("a.txt", PAGE.encode())])
    db.session.commit()
    code = imported().code
    login("admin")
    text = client.get(f"/procedures/{code}/export.md").get_data(as_text=True)
    text = text.replace("owner_department: ''", "owner_department: ADM")
    wrong_code = client.post(
        f"/procedures/{code}/publish", data={"text": text.replace(code, "QP-ADM-99")}
    )
    assert wrong_code.status_code == 422
    assert f"文件编号须保持为 {code}" in wrong_code.get_data(as_text=True)
    assert client.post(f"/procedures/{code}/publish", data={"text": text}).status_code == 303
    publishing.issue_directly(imported().draft_revision)  # as if approved
    db.session.commit()
    again = client.post(f"/procedures/{code}/publish", data={"text": text})
    assert again.status_code == 422 and "修订号 A/0 已使用" in again.get_data(as_text=True)


@pytest.mark.skipif(not SEEDS.is_dir(), reason="seed pages not present")
def test_upload_all_seed_pages(client, login):
    login("admin")
    files = [(p.name, p.read_bytes()) for p in sorted(SEEDS.glob("*.txt"))]
    response = upload(client, "/procedures/import", "files", *files)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count("import-ok") == len(files)
    assert count(Procedure) >= len(files)
    listing = client.get("/procedures/").get_data(as_text=True)
    assert "历史导入" in listing and "草稿" in listing  # drafts, for the administrator
