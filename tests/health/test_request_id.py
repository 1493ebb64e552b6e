"""Request ids: taken from the load balancer's X-Request-ID only when proxies are trusted
(PROXY_COUNT), else made here; echoed in the response and carried by every log record."""

from __future__ import annotations

import logging
import re

import pytest

HEX32 = re.compile(r"^[0-9a-f]{32}$")


def _id(app, **headers) -> str:
    with app.test_client() as client:
        response = client.get("/health", headers=headers)
    return response.headers["X-Request-ID"]


def test_without_trusted_proxies_a_client_id_is_ignored(app):
    made = _id(app, **{"X-Request-ID": "chosen-by-the-client"})
    assert HEX32.match(made)
    assert _id(app) != made  # one per request


def test_behind_a_trusted_proxy_its_id_is_kept(make_app):
    app = make_app(PROXY_COUNT=1)
    with app.app_context():
        assert _id(app, **{"X-Request-ID": "7f3a-01:lb.2"}) == "7f3a-01:lb.2"
        assert HEX32.match(_id(app))


@pytest.mark.parametrize("bad", ["x" * 200, "a b", "id\x7f", "<script>", "中文"])
def test_a_malformed_proxy_id_is_replaced(make_app, bad):
    app = make_app(PROXY_COUNT=1)
    with app.app_context():
        assert HEX32.match(_id(app, **{"X-Request-ID": bad}))


def test_log_records_carry_the_request_id(make_app, caplog):
    app = make_app(PROXY_COUNT=1)

    @app.after_request
    def log_something(response):
        logging.getLogger("portal.test").warning("something happened")
        return response

    level = caplog.at_level(logging.WARNING, logger="portal.test")
    with app.app_context(), level, app.test_client() as client:
        client.get("/health", headers={"X-Request-ID": "req-42"})
    record = next(r for r in caplog.records if r.name == "portal.test")
    assert record.request_id == "req-42"
    outside = logging.getLogger("portal.test").makeRecord("portal.test", 30, "f", 1, "m", (), None)
    assert outside.request_id == "-"


def test_a_request_refused_before_any_view_still_gets_an_id(app):
    with app.test_client() as client:
        response = client.get("/seals/99999999999999999999999")  # refused by the input bounds
    assert response.status_code in (400, 404)
    assert HEX32.match(response.headers["X-Request-ID"])
