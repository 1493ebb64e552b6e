"""Anyone holding a printout can check it; the page reveals no field values."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from portal.workflow.records import verification

bp = Blueprint("verify", __name__, url_prefix="/verify")


@bp.route("/<number>")
def check(number: str):
    result = verification(number, request.args.get("h"))
    if result is None:
        abort(404)
    return render_template("verify/check.html", result=result)
