"""Error pages in Chinese, as whole pages (htmx is configured to swap them in too)."""

from __future__ import annotations

from flask import Flask, redirect, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from portal.extensions import db

MESSAGES = {
    400: ("请求无效", "请求无法处理。请返回上一页刷新后重试。"),
    403: ("无权访问", "您没有权限查看此页面或执行此操作。"),
    404: ("页面不存在", "您要找的页面不存在，可能已被移动或删除。"),
    405: ("请求方法不允许", "此页面不支持该操作。"),
    409: (
        "记录已被他人修改",
        "该记录刚被他人修改或正在处理，您的操作没有保存。请刷新页面查看最新内容后重试。",
    ),
    413: ("文件过大", "上传的内容超过了允许的大小。"),
    500: ("服务器错误", "服务器出现了问题，我们已记录此错误。请稍后再试。"),
}


def _render(code: int, detail: str | None = None):
    title, message = MESSAGES[code]
    return render_template(
        "errors/error.html", code=code, title=title, message=detail or message
    ), code


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _render(400, "页面已过期或缺少安全令牌（CSRF）。请刷新页面后重新提交。")

    for code in (400, 403, 413):
        app.register_error_handler(code, lambda error, code=code: _render(code))

    @app.errorhandler(404)
    @app.errorhandler(405)
    def not_a_page(error):
        """A GET on an action's URL (/workflow/5/act, /procedures/<code>/publish): the address
        bar keeps it after a form with errors, and people open it again later. Lead back to the
        page the action belongs to, the nearest parent path a GET may open (a 404 too, where a
        page's own pattern such as /procedures/<path:code> took the GET)."""
        back = _back_from_action(app) if request.method in ("GET", "HEAD") else None
        return redirect(back, code=303) if back else _render(error.code)

    @app.errorhandler(OperationalError)
    @app.errorhandler(StaleDataError)
    def write_conflict(error):
        """Two writers on one row (SQLite's lock, a stale update): nothing was saved; say so
        instead of a 500. Other database errors stay 500s."""
        db.session.rollback()
        text = str(getattr(error, "orig", error)).lower()
        if isinstance(error, StaleDataError) or "locked" in text or "could not serialize" in text:
            return _render(409)
        raise error

    @app.errorhandler(OverflowError)
    @app.errorhandler(DataError)
    def unbounded_input(error):
        """A value the database cannot hold (SQLite past 64 bits, PostgreSQL past a column's
        range or a NUL in text) that no bound stopped where it entered: the request is bad,
        not the server. Logged, so that the missing bound gets added."""
        db.session.rollback()
        app.logger.warning("unbounded input reached the database: %r", error)
        return _render(400)

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return _render(500)


def _back_from_action(app: Flask) -> str | None:
    adapter = app.url_map.bind("", script_name=request.script_root or "/")
    try:
        rule, _ = adapter.match(request.path, method="POST", return_rule=True)
    except HTTPException:
        return None
    if "GET" in rule.methods:
        return None  # a page of its own that answered 404 (no such record)
    return _page_above(adapter, request.path) or request.script_root + "/"


def _page_above(adapter, path: str) -> str | None:
    parts = path.rstrip("/").split("/")
    while len(parts) > 2:  # never further up than the section (/seals), never to "/"
        parts.pop()
        for candidate in ("/".join(parts), "/".join(parts) + "/"):
            try:
                adapter.match(candidate, method="GET")
            except HTTPException:
                continue
            return request.script_root + candidate
    return None
