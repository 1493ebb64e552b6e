"""Anyone holding a printout can check it. The page shows the record's identity only when the
number and the printed hash both match; any other request gets the same neutral answer, so the
page cannot be used to find out which numbers exist."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from portal.workflow.records import verification

bp = Blueprint("verify", __name__, url_prefix="/verify")


@bp.route("/<number>")
def check(number: str):
    # The socket's address (or ProxyFix's, when configured): a client-sent header could be
    # changed on every request to slip past the limit.
    wait = current_app.extensions["verify_limiter"].hit(request.remote_addr or "")
    if wait:
        response = current_app.make_response(
            (render_template("verify/check.html", result=None, limited=True), 429)
        )
        response.headers["Retry-After"] = str(wait)
        return response
    result = verification(number, request.args.get("h"))
    return render_template("verify/check.html", result=result), 200 if result else 404
