"""/healthz and /readyz: what a load balancer or an orchestrator asks before sending traffic."""

from __future__ import annotations

from flask import Blueprint

from portal.files import storage
from portal.health import services

bp = Blueprint("health", __name__)


def _answer(checks: dict):
    ok = services.healthy(checks)
    body = {"status": "ok" if ok else "error", **checks}
    return body, 200 if ok else 503, {"Cache-Control": "no-store"}


@bp.route("/healthz")
def healthz():
    """The node works: its database answers and is at this code's migrations."""
    return _answer(services.database())


@bp.route("/readyz")
def readyz():
    """The node may take requests: healthy, and the attachment storage is usable."""
    checks = services.database()
    checks["storage"] = "ok" if storage.current().ready() else "unavailable"
    return _answer(checks)
