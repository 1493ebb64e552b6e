"""Input bounds applied to every request before any view sees it: ids in URLs that a database
column could hold (an impossible id is a 404), integer query and form arguments that fit one
(`request.args.get(..., type=int)` gives the default for a bigger number), and no NUL byte in
the path, the query string or the form (a 400: PostgreSQL refuses NUL in text).
"""

from __future__ import annotations

from flask import Flask, Request, abort, request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter

# Ids and counts are INTEGER columns: 32-bit on PostgreSQL (SQLite would take 64 bits).
INT_MAX = 2**31 - 1


def bounded_int_converter(map, *args, **kwargs) -> IntegerConverter:
    """`<int:id>` that does not match a number no row can have, so routing answers 404
    instead of the database overflowing (SQLite beyond 2^63, PostgreSQL on insert). Still
    Werkzeug's IntegerConverter, only with a default `max`."""
    kwargs.setdefault("max", INT_MAX)
    return IntegerConverter(map, *args, **kwargs)


class BoundedArgs(ImmutableMultiDict):
    """Query and form arguments whose `get(key, type=int)` treats a number outside the
    columns' range like any other non-number: the default comes back."""

    def get(self, key, default=None, type=None):
        if type is int:
            value = to_int(super().get(key))
            return default if value is None else value
        return super().get(key, default, type)


def to_int(value) -> int | None:
    """`value` as an int that an INTEGER column can hold, or None."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if -INT_MAX <= number <= INT_MAX else None


class PortalRequest(Request):
    parameter_storage_class = BoundedArgs


def has_nul(req: Request) -> bool:
    """A NUL byte in the path, a query or form argument (name or value) or an upload's name."""
    if "\x00" in req.path:
        return True
    sources = [req.args]
    if req.method not in ("GET", "HEAD", "OPTIONS"):
        sources.append(req.form)
        if any("\x00" in (f.filename or "") for f in req.files.values()):
            return True
    return any(
        "\x00" in key or any("\x00" in value for value in source.getlist(key))
        for source in sources
        for key in source
    )


def init_app(app: Flask) -> None:
    """Install the bounds; before the blueprints, which compile their rules with the map's
    converters, and before the other request hooks, so nothing reads a NUL first."""
    app.url_map.converters["int"] = bounded_int_converter
    app.request_class = PortalRequest

    @app.before_request
    def refuse_nul():
        if has_nul(request):
            abort(400)
