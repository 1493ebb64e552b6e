"""The bell: the user's notifications, newest first; opening one marks it read."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from portal.core.pagination import paginate
from portal.extensions import db
from portal.notifications import services
from portal.notifications.models import Notification

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.route("/")
def index():
    page = paginate(services.list_for(current_user), per_page=30)
    return render_template("notifications/index.html", page=page)


@bp.route("/<int:notification_id>/open", methods=["POST"])
def open_(notification_id: int):
    note = db.get_or_404(Notification, notification_id)
    if note.user_id != current_user.id:
        return redirect(url_for("notifications.index"), code=303)
    services.mark_read(current_user, note.id)
    db.session.commit()
    return redirect(note.url or url_for("notifications.index"), code=303)


@bp.route("/read-all", methods=["POST"])
def read_all():
    services.mark_read(current_user)
    db.session.commit()
    return redirect(request.referrer or url_for("notifications.index"), code=303)


@bp.route("/settings", methods=["POST"])
def settings():
    """Hear of every step of one's own requests, or only of the result."""
    services.set_each_step(current_user, request.form.get("each_step") == "1")
    db.session.commit()
    return redirect(url_for("notifications.index"), code=303)
