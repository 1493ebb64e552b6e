"""Home page, register index and health check."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_login import current_user

from portal.core.registry import form_types
from portal.home.services import dashboard

bp = Blueprint("home", __name__)


@bp.route("/")
def index():
    return render_template("home/index.html", panels=dashboard(current_user))


@bp.route("/registers")
def registers():
    return render_template("home/registers.html", forms=form_types(current_app))


@bp.route("/health")
def health():
    return {"status": "ok"}
