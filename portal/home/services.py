"""Gathers the home page panels that domains provide (tasks, open requests, revised procedures)."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app


@dataclass
class Panel:
    title: str
    items: list[dict] = field(default_factory=list)  # {"label", "url", "meta", "overdue", "tag"}
    empty: str = "暂无。"
    more_url: str | None = None
    order: int = 50


def register_panel(app, provider) -> None:
    """provider(user) -> Panel | None."""
    app.extensions.setdefault("portal_home_panels", []).append(provider)


def dashboard(user) -> list[Panel]:
    panels = [provider(user) for provider in current_app.extensions.get("portal_home_panels", [])]
    return sorted((p for p in panels if p is not None), key=lambda p: p.order)
