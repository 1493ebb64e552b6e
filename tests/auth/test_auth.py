"""Login, throttling, password change, CSRF, error pages, admin pages and the users CLI."""

from __future__ import annotations

from sqlalchemy import select

from portal.auth.models import Department, User
from portal.extensions import db


def test_login_success_redirects_home(client, org, auth):
    response = auth.login("employee")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert "张三" in client.get("/").text


def test_wrong_password_and_unknown_user_get_the_same_message(client, org, auth):
    wrong = auth.login("employee", "nope")
    unknown = auth.login("nobody", "nope")
    for response in (wrong, unknown):
        assert response.status_code == 422
        assert "用户名或密码错误。" in response.text
    assert wrong.text.count("用户名或密码错误") == unknown.text.count("用户名或密码错误")


def test_login_keeps_username_and_rejects_empty(client, org, auth):
    response = client.post("/login", data={"username": "employee", "password": ""})
    assert response.status_code == 422
    assert "请输入密码。" in response.text
    assert 'value="employee"' in response.text


def test_login_is_throttled_after_repeated_failures(client, org, auth, app):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        auth.login("employee", "wrong")
    response = auth.login("employee", "demo")
    assert response.status_code == 422
    assert "登录失败次数过多" in response.text


def test_inactive_user_cannot_log_in(client, org, auth):
    org["employee"].active = False
    db.session.commit()
    assert auth.login("employee").status_code == 422


def test_next_parameter_only_allows_local_paths(client, org):
    data = {"username": "employee", "password": "demo", "next": "https://evil.example/"}
    assert client.post("/login", data=data).headers["Location"] == "/"
    data["next"] = "/registers"
    client.post("/logout")
    assert client.post("/login", data=data).headers["Location"] == "/registers"


def test_logout(client, org, auth):
    auth.login("employee")
    assert auth.logout().status_code == 303
    assert client.get("/").status_code == 302


def test_change_password(client, org, auth):
    auth.login("employee")
    bad = client.post(
        "/password", data={"current": "x", "new": "newpass123", "confirm": "newpass123"}
    )
    assert bad.status_code == 422 and "当前密码不正确。" in bad.text
    short = client.post("/password", data={"current": "demo", "new": "short", "confirm": "short"})
    assert "8 到 128" in short.text
    ok = client.post(
        "/password", data={"current": "demo", "new": "newpass123", "confirm": "newpass123"}
    )
    assert ok.status_code == 303
    auth.logout()
    assert auth.login("employee", "newpass123").status_code == 303


def test_post_without_csrf_token_is_refused(org, make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        client = app.test_client()
        # A form page answers beside the form, with what was typed kept, and logs nobody in.
        response = client.post("/login", data={"username": "employee", "password": "demo"})
        assert response.status_code == 422 and "缺少安全令牌" in response.text
        assert 'value="employee"' in response.text
        assert client.get("/my").status_code == 302
        # A POST without a form of its own is refused before the view runs.
        response = client.post("/logout")
        assert response.status_code == 400
        assert "CSRF" in response.text and "安全令牌" in response.text


def test_csrf_token_in_htmx_header_is_accepted(org, make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        client = app.test_client()
        page = client.get("/login").text
        token = page.split('"X-CSRFToken": "')[1].split('"')[0]
        response = client.post(
            "/login",
            data={"username": "employee", "password": "demo"},
            headers={"X-CSRFToken": token, "HX-Request": "true"},
        )
        assert response.status_code == 303


def test_unknown_url_gives_chinese_404(client, org, login):
    login("employee")
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "页面不存在" in response.text and 'lang="zh-CN"' in response.text


def test_pages_vary_on_hx_request(client, org, login):
    login("employee")
    assert "HX-Request" in client.get("/").headers.get("Vary", "")


def test_admin_creates_user_and_errors_keep_values(client, org, login):
    login("admin")
    sales = db.session.scalar(select(Department).where(Department.code == "SAL"))
    bad = client.post(
        "/admin/users/new",
        data={
            "username": "new user",
            "display_name": "新人",
            "department_id": sales.id,
            "password": "",
        },
    )
    assert bad.status_code == 422
    assert "用户名只能包含" in bad.text and "新建用户时必须设置密码。" in bad.text
    assert 'value="新人"' in bad.text
    ok = client.post(
        "/admin/users/new",
        data={
            "username": "newbie",
            "display_name": "新人",
            "department_id": sales.id,
            "password": "secret123",
            "roles": ["employee", "finance"],
            "active": "y",
        },
    )
    assert ok.status_code == 303
    user = db.session.scalar(select(User).where(User.username == "newbie"))
    assert user.department.code == "SAL" and user.role_codes == {"employee", "finance"}


def test_admin_edits_department_head_and_refuses_cycles(client, org, login):
    login("admin")
    gmo = db.session.scalar(select(Department).where(Department.code == "GMO"))
    sales = db.session.scalar(select(Department).where(Department.code == "SAL"))
    response = client.post(
        f"/admin/departments/{gmo.id}/edit",
        data={
            "code": "GMO",
            "name": "总经理办公室",
            "parent_id": sales.id,
            "head_id": org["gm"].id,
        },
    )
    assert response.status_code == 422 and "上级部门不能是本部门或其下级部门" in response.text
    response = client.post(
        f"/admin/departments/{sales.id}/edit",
        data={"code": "SAL", "name": "销售部", "parent_id": gmo.id, "head_id": org["employee"].id},
    )
    assert response.status_code == 303
    assert sales.head.username == "employee"


def test_users_create_cli(runner, app):
    from portal.auth.services import ensure_roles

    ensure_roles()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "cliuser",
            "--name",
            "命令行",
            "--password",
            "pw123456",
            "--role",
            "employee",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "cliuser"))
    assert user.check_password("pw123456") and user.role_codes == {"employee"}
    again = runner.invoke(
        args=["users", "create", "cliuser", "--name", "x", "--password", "pw123456"]
    )
    assert again.exit_code != 0 and "已存在" in again.output


def test_demo_load_is_idempotent(runner, app):
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    counts = db.session.scalar(select(db.func.count(User.id)))
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0
    assert db.session.scalar(select(db.func.count(User.id))) == counts
    head = db.session.scalar(select(Department).where(Department.code == "SAL")).head
    assert head.username == "head"
