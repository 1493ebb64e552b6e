"""Request ids: one per request, taken from the load balancer's `X-Request-ID` only when its
headers are trusted (PROXY_COUNT > 0; a client could send anything otherwise), else made here.
Echoed as the response's `X-Request-ID` (gunicorn's access log prints it, deploy/gunicorn.conf.py)
and put on every log record as `request_id` ("-" outside a request)."""

from __future__ import annotations

import logging
import re
import uuid

from flask import Flask, g, has_request_context, request

HEADER = "X-Request-ID"
# What HAProxy's unique-id, nginx's $request_id and common tracing ids look like; anything else
# (long, spaces, control characters) is replaced rather than written into the logs.
VALID = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")


def current() -> str:
    return g.get("request_id", "-") if has_request_context() else "-"


def init_app(app: Flask) -> None:
    @app.before_request
    def take_request_id():
        given = request.headers.get(HEADER, "") if app.config["PROXY_COUNT"] > 0 else ""
        g.request_id = given if VALID.match(given) else uuid.uuid4().hex

    @app.after_request
    def echo_request_id(response):
        # A request refused by an earlier hook (portal/core/guards.py) gets one here.
        response.headers[HEADER] = g.setdefault("request_id", uuid.uuid4().hex)
        return response

    _install_record_factory()


def _install_record_factory() -> None:
    """Every LogRecord gets `request_id` (once per process, whatever the number of apps)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "portal_request_id", False):
        return

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        record.request_id = current()
        return record

    factory.portal_request_id = True
    logging.setLogRecordFactory(factory)
