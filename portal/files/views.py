"""Attachment download: permission checked through the owning record, always as a download."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user

from portal.extensions import db
from portal.files import storage
from portal.files.models import Attachment
from portal.workflow.access import can_view
from portal.workflow.models import Instance

bp = Blueprint("files", __name__, url_prefix="/files")


@bp.route("/<int:attachment_id>")
def download(attachment_id: int):
    attachment = db.get_or_404(Attachment, attachment_id)
    if attachment.removed_at is not None or attachment.instance_id is None:
        abort(404)
    if not can_view(current_user, db.get_or_404(Instance, attachment.instance_id)):
        abort(403)
    response = storage.current().response(
        attachment.stored_name, attachment.content_type, attachment.original_name
    )
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
