"""Jinja filters and globals shared by every template."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, request, url_for
from flask_login import current_user

from portal.core.clock import format_local
from portal.core.values import text as cell_text


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    section: str  # first path segment(s) that mark the item active
    admin_only: bool = False


NAV = [
    NavItem("首页", "home.index", "/"),
    NavItem("制度", "procedures.index", "/procedures"),
    NavItem("我的申请", "workflow.mine", "/my"),
    NavItem("待我审批", "workflow.inbox", "/inbox"),
    NavItem("登记簿", "home.registers", "/registers"),
    NavItem("管理", "admin.index", "/admin", admin_only=True),
]


def nav_items() -> list[NavItem]:
    """Navigation entries whose endpoint exists and which the user may see."""
    items = []
    for item in NAV:
        if item.endpoint not in current_app.view_functions:
            continue
        if item.admin_only and not (current_user.is_authenticated and current_user.is_sysadmin):
            continue
        items.append(item)
    return items


def is_active(item: NavItem) -> bool:
    path = request.path
    return path == "/" if item.section == "/" else path.startswith(item.section)


def url_with(**updates) -> str:
    """The current URL with some query arguments replaced (pagination, sorting, filters).

    Query arguments are the client's: those url_for would read as its own (`endpoint`,
    `_method`, `_external`, ...) or that would replace a path argument are dropped."""
    path_args = request.view_args or {}
    args = {
        k: v for k, v in request.args.to_dict().items() if k not in path_args and not _reserved(k)
    }
    args.update({k: v for k, v in updates.items() if v is not None})
    return url_for(request.endpoint, **path_args, **args)


def _reserved(name: str) -> bool:
    return name == "endpoint" or name.startswith("_")


def sentences(messages) -> str:
    """Messages, each possibly ending in 。, as one Chinese sentence: "甲；乙。" (no "。；")."""
    parts = [str(m).strip().rstrip("。；;.") for m in messages]
    parts = [p for p in parts if p]
    return "；".join(parts) + "。" if parts else ""


def init_app(app: Flask) -> None:
    app.jinja_env.filters["localtime"] = format_local
    app.jinja_env.filters["sentences"] = sentences
    app.jinja_env.filters["cell"] = cell_text  # a register or report value as text
    app.jinja_env.filters["localdate"] = lambda value: format_local(value, "%Y-%m-%d")
    app.jinja_env.globals.update(
        nav_items=nav_items,
        nav_active=is_active,
        nav_badges=lambda: _badges(),
        url_with=url_with,
        has_endpoint=lambda name: name in current_app.view_functions,
    )

    @app.context_processor
    def company():
        return {"company_name": current_app.config["COMPANY_NAME"]}


def _badges() -> dict[str, int]:
    """Counts shown beside navigation items; domains add providers to app.extensions."""
    if not current_user.is_authenticated:
        return {}
    providers = current_app.extensions.get("portal_badges", [])
    badges: dict[str, int] = {}
    for provider in providers:
        badges.update(provider(current_user))
    return badges
