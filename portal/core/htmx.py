"""htmx helpers: one URL serves a page or its partial; redirects that htmx and browsers both follow."""

from __future__ import annotations

from flask import (
    Response,
    current_app,
    has_request_context,
    redirect,
    render_template,
    request,
    url_for,
)


def is_htmx() -> bool:
    """True for an htmx request that is not a boosted navigation (which wants the whole page)."""
    return (
        request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"
    )


def page_or_partial(page: str, partial: str, /, status: int = 200, **context) -> tuple[str, int]:
    """Render the partial for htmx swaps, else the page that includes the same partial.
    (Positional-only names, so a template variable may be called `page`.)"""
    return render_template(partial if is_htmx() else page, **context), status


def see_other(location: str) -> Response:
    """303 after a POST; for a plain htmx request, HX-Location keeps history and the boost."""
    if is_htmx():
        response = Response(status=204)
        response.headers["HX-Location"] = location
        return response
    return redirect(location, code=303)


def done(message: str, location: str) -> Response:
    """After a write that succeeded: commit (the request's one commit), say so, and 303 on."""
    from flask import flash

    from portal.extensions import db

    db.session.commit()
    flash(message, "success")
    return see_other(location)


def path_for(endpoint: str, **values) -> str:
    """A site-relative URL that also works outside a request (CLI jobs, background ticks)."""
    if has_request_context():
        return url_for(endpoint, **values)
    return current_app.url_map.bind("localhost").build(endpoint, values)
