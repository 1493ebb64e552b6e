"""A stale or missing CSRF token on any form: the form comes back (422) with the message above
it and everything the user typed, and nothing is saved; POSTs without a form of their own keep
the global check (400)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from tests.conftest import Auth

# (who, url, data, a typed value that must come back, the model whose rows must not change)
CASES = [
    ("service", "/complaints/new", {"customer_company": "甲乙丙电子", "product": "六层板"}, "甲乙丙电子",
     "portal.complaints.models:Complaint"),
    ("admin", "/admin/users/new", {"username": "newbie", "display_name": "新同事"}, "新同事",
     "portal.auth.models:User"),
    ("admin", "/admin/departments/new", {"code": "RD", "name": "研发部"}, "研发部",
     "portal.auth.models:Department"),
    ("admin", "/admin/holidays", {"day": "2026-10-01", "name": "国庆节"}, "国庆节",
     "portal.core.models:Holiday"),
    ("gm", "/delegations", {"reason": "出差一周"}, "出差一周",
     "portal.workflow.models:Delegation"),
    ("employee", "/password", {"current": "demo"}, None, None),
]  # fmt: skip


def _count(path: str | None) -> int:
    if path is None:
        return 0
    module, name = path.split(":")
    model = getattr(__import__(module, fromlist=[name]), name)
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(("who", "url", "data", "kept", "model"), CASES, ids=[c[1] for c in CASES])
def test_stale_token_keeps_the_form(make_app, org, who, url, data, kept, model):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        before = _count(model)
        client = app.test_client()
        Auth(client).as_user(org[who])
        response = client.post(url, data={**data, "csrf_token": "stale"})
        assert response.status_code == 422, response.status_code
        assert "缺少安全令牌" in response.text
        if kept:
            assert kept in response.text
        db.session.rollback()
        assert _count(model) == before


def test_a_workflow_action_with_a_stale_token_changes_nothing(make_app, org):
    from portal.seals import demo, services
    from tests.seals.conftest import valid_data

    seals = demo.build_catalogue(org)
    record = services.save_request(None, org["employee"], valid_data(seals), submit=True)
    db.session.commit()
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        client = app.test_client()
        Auth(client).as_user(org["head"])
        url = f"/workflow/{record.instance_id}/act"
        response = client.post(url, data={"action": "reject", "comment": "请补充合同评审记录"})
        assert response.status_code == 422 and "缺少安全令牌" in response.text
        assert "请补充合同评审记录" in response.text
    db.session.rollback()
    assert record.instance.step_key == "head"
