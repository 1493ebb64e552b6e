"""gunicorn's access log as JSON lines carrying the request id (deploy/gunicorn.conf.py)."""

from __future__ import annotations

import json
import logging
import runpy
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

from gunicorn.config import Config

from portal.health.access_log import JsonAccessLogger, JsonFormatter

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def test_access_lines_are_json_with_the_request_id(tmp_path):
    cfg = Config()
    cfg.set("accesslog", str(tmp_path / "access.log"))
    logger = JsonAccessLogger(cfg)
    resp = SimpleNamespace(status="201 CREATED", headers=[("X-Request-ID", "lb-7")], sent=12)
    req = SimpleNamespace(headers=[("X-FORWARDED-FOR", "10.0.0.9")])
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": '/seals/"new"', "QUERY_STRING": "a=1",
               "REMOTE_ADDR": "127.0.0.1", "SERVER_PROTOCOL": "HTTP/1.1", "RAW_URI": "/"}  # fmt: skip
    logger.access(resp, req, environ, timedelta(milliseconds=37))
    for handler in logger.access_log.handlers:
        handler.flush()
    line = json.loads((tmp_path / "access.log").read_text().strip())
    assert line["request_id"] == "lb-7" and line["status"] == 201
    assert line["path"] == '/seals/"new"' and line["ms"] == 37
    assert line["forwarded_for"] == "10.0.0.9" and line["bytes"] == 12


def test_app_records_are_json_with_the_request_id():
    record = logging.LogRecord("portal.x", logging.ERROR, "f", 1, "坏了 %s", ("x",), None)
    record.request_id = "abc"
    line = json.loads(JsonFormatter().format(record))
    assert (line["message"], line["request_id"], line["level"]) == ("坏了 x", "abc", "ERROR")


def test_the_shipped_gunicorn_config_uses_them():
    settings = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert settings["logger_class"] == "portal.health.access_log.JsonAccessLogger"
    cfg = Config()
    for name in ("bind", "workers", "threads", "accesslog", "logger_class", "graceful_timeout"):
        cfg.set(name, settings[name])  # every name is a gunicorn setting with a valid value
