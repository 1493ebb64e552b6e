"""/search: the results page (plain GET, works without JavaScript) and, for the header box's
htmx requests, the live dropdown. A record number (e.g. KS-202611-0001) jumps to the record."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request
from flask_login import current_user

from portal.core.htmx import is_htmx
from portal.search import index as search
from portal.search.forms import SearchForm
from portal.search.records import find_records, record_for
from portal.search.text import parse_query

bp = Blueprint("search", __name__, url_prefix="/search")

PAGE_LIMIT = 100
DROPDOWN_LIMIT = 8


@bp.route("")
def index():
    form = SearchForm(request.args)
    form.set_choices(*search.filter_choices())
    q = (form.q.data or "").strip() if form.validate() else ""
    record = record_for(current_user, q)
    records = find_records(current_user, parse_query(q))
    if is_htmx():  # the header box, as you type
        result = search.query(q, limit=DROPDOWN_LIMIT)
        return render_template(
            "search/_dropdown.html", result=result, record=record, records=records
        )
    if record is not None:
        return redirect(record["url"], code=303)
    result = search.query(
        q,
        category=form.category.data or None,
        department=form.department.data or None,
        include_superseded=form.superseded.data,
        limit=PAGE_LIMIT,
    )
    status = 422 if form.errors else 200
    return render_template("search/index.html", form=form, result=result, records=records), status
