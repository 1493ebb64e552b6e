"""Pagination of named read queries (`select()` objects) for registers and lists."""

from __future__ import annotations

from flask import request

from portal.extensions import db

# Far beyond any register's last page; a bigger ?page= would overflow the database's OFFSET.
MAX_PAGE = 100_000


def paginate(query, per_page: int = 50, count: bool = True):
    """Paginate a select() with the page number from ?page=, never raising 404 for an empty page
    (a page number out of range shows an empty page). `count=False`: the caller sets `total`."""
    page = request.args.get("page", 1, type=int) or 1
    return db.paginate(
        query, page=min(max(page, 1), MAX_PAGE), per_page=per_page, error_out=False, count=count
    )
