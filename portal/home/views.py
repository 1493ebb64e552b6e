"""Home page, register index and health check."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, send_from_directory
from flask_login import current_user

from portal.core.registry import form_types, startable_forms
from portal.home.services import dashboard

bp = Blueprint("home", __name__)


@bp.route("/")
def index():
    return render_template(
        "home/index.html",
        panels=dashboard(current_user),
        forms=startable_forms(current_app, current_user),
    )


@bp.route("/registers")
def registers():
    # Designed forms' registers (forms that are data): those of the forms the user may start.
    designed = [f for f in startable_forms(current_app, current_user) if f.url_args]
    return render_template("home/registers.html", forms=[*form_types(current_app), *designed])


@bp.route("/health")
def health():
    return {"status": "ok"}


@bp.route("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico on every page, whatever the page links."""
    return send_from_directory(current_app.static_folder, "favicon.ico", max_age=86400)
