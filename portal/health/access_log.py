"""Structured logs for gunicorn (deploy/gunicorn.conf.py): one JSON object per line, the access
log with the request id the portal answered with, the app's own records with theirs."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from gunicorn.glogging import Logger


class JsonAccessLogger(Logger):
    """gunicorn's logger with an access log of JSON lines (its format string cannot escape)."""

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        # The raw atoms (the wrapper escapes quotes for a format string; json.dumps does here).
        raw = self.atoms(resp, req, environ, request_time)
        atoms = {key: "-" if value is None else value for key, value in raw.items()}
        atoms.setdefault("{x-request-id}o", "-")
        atoms.setdefault("{x-forwarded-for}i", "-")
        line = {
            "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "request_id": atoms["{x-request-id}o"],
            "method": atoms["m"],
            "path": atoms["U"],
            "query": atoms["q"],
            "status": int(atoms["s"]) if str(atoms["s"]).isdigit() else atoms["s"],
            "bytes": atoms["B"],
            "ms": atoms["M"],
            "remote": atoms["h"],
            "forwarded_for": atoms["{x-forwarded-for}i"],
            "pid": atoms["p"].strip("<>"),
        }
        try:
            self.access_log.info(json.dumps(line, ensure_ascii=False))
        except Exception:
            self.exception("access log line not written")


class JsonFormatter(logging.Formatter):
    """The app's log records as JSON lines, with the request id (portal/health/request_id.py)."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)
