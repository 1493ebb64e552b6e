"""Configuration: safe defaults, overridden by environment variables, and a test config."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """A setting the portal cannot start without; the message says what to set."""


def settle_secret_key(settings: dict, instance: Path) -> None:
    """Keep a configured SECRET_KEY. Without one, a single machine on SQLite generates one once
    into instance/; on any other database (which several nodes may share) refuse to start, since
    a key of each node's own would make sessions and CSRF tokens fail on the others."""
    if settings.get("SECRET_KEY"):
        return
    if not str(settings.get("SQLALCHEMY_DATABASE_URI", "")).startswith("sqlite"):
        raise ConfigError(
            "SECRET_KEY is not set. On PostgreSQL the portal does not generate one: set the same "
            "SECRET_KEY on every node (e.g. `python3 -c 'import secrets; "
            "print(secrets.token_hex(32))'` once, into each node's environment)."
        )
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32), encoding="utf-8")
        path.chmod(0o600)
    settings["SECRET_KEY"] = path.read_text(encoding="utf-8").strip()


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def from_environment(instance_path: str) -> dict:
    """Build the configuration mapping from the environment (read at app creation, not import)."""
    instance = Path(instance_path)
    env = os.environ.get
    settings = _settings(instance, env)
    if env("DATABASE_POOLER", "") == "transaction":  # docs/operations.md, "Several nodes"
        uri = settings["SQLALCHEMY_DATABASE_URI"]
        settings["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(uri, transaction_pooler=True)
    return settings


def _settings(instance: Path, env) -> dict:
    return {
        # Required on PostgreSQL; generated into instance/ on SQLite (settle_secret_key).
        "SECRET_KEY": env("SECRET_KEY") or None,
        "SQLALCHEMY_DATABASE_URI": env("DATABASE_URL") or f"sqlite:///{instance / 'portal.db'}",
        "UPLOAD_DIR": env("UPLOAD_DIR") or str(instance / "uploads"),
        # Attachments: "local" (UPLOAD_DIR; a shared mount on several nodes) or "database".
        "FILE_STORAGE": env("FILE_STORAGE", "local"),
        "PDF_FONT_DIR": env("PDF_FONT_DIR") or str(instance / "fonts"),
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 30 * 1024 * 1024),
        "MAX_UPLOAD_BYTES": _int("MAX_UPLOAD_BYTES", 20 * 1024 * 1024),
        "MAIL_SERVER": env("MAIL_SERVER", ""),
        "MAIL_PORT": _int("MAIL_PORT", 25),
        "MAIL_USE_TLS": env("MAIL_USE_TLS", "") == "1",
        "MAIL_USERNAME": env("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": env("MAIL_PASSWORD", ""),
        "MAIL_SENDER": env("MAIL_SENDER", "portal@localhost"),
        "PORTAL_TIMEZONE": env("PORTAL_TIMEZONE", "Asia/Shanghai"),
        "COMPANY_NAME": env("COMPANY_NAME", "示例实业有限公司"),
        # QP-ADM-02 第十五、十六、二十三条: above this (in 分) the GM approves purchases, plans
        # and count differences.
        "SUPPLIES_GM_LIMIT_FEN": _int("SUPPLIES_GM_LIMIT_FEN", 200_000),
        # Printed in QR codes and e-mails: where the portal is reached. Defaults to this
        # machine on the port `make run` serves on (PORT).
        "PORTAL_BASE_URL": env("PORTAL_BASE_URL") or f"http://127.0.0.1:{env('PORT', '5000')}",
        "PORTAL_DEMO": env("PORTAL_DEMO", "") == "1",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env("SESSION_COOKIE_SECURE", "") == "1",
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_HEADERS": ["X-CSRFToken"],
        "WTF_CSRF_TIME_LIMIT": None,
        # Sessions (docs/operations.md "Sessions, login and proxies"): idle timeout and
        # absolute lifetime (the signed cookie's own lifetime is set from SESSION_MAX_DAYS).
        "SESSION_IDLE_MINUTES": _int("SESSION_IDLE_MINUTES", 8 * 60),
        "SESSION_MAX_DAYS": _int("SESSION_MAX_DAYS", 7),
        # Login throttling: failures allowed per account and per client address before each
        # further attempt waits LOGIN_DELAY_SECONDS, doubling up to LOGIN_DELAY_MAX_SECONDS.
        "LOGIN_MAX_FAILURES": _int("LOGIN_MAX_FAILURES", 5),
        "LOGIN_IP_MAX_FAILURES": _int("LOGIN_IP_MAX_FAILURES", 20),
        "LOGIN_DELAY_SECONDS": _int("LOGIN_DELAY_SECONDS", 30),
        "LOGIN_DELAY_MAX_SECONDS": _int("LOGIN_DELAY_MAX_SECONDS", 15 * 60),
        "LOGIN_FAILURE_WINDOW_HOURS": _int("LOGIN_FAILURE_WINDOW_HOURS", 24),
        # Reverse proxies in front of the portal whose X-Forwarded-* headers are trusted
        # (0: none, the connection's address is the client's).
        "PROXY_COUNT": _int("PROXY_COUNT", 0),
        # /verify requests per client address per window (seconds).
        "VERIFY_RATE_LIMIT": _int("VERIFY_RATE_LIMIT", 30),
        "VERIFY_RATE_WINDOW": _int("VERIFY_RATE_WINDOW", 60),
        # Whole pages kept per worker while nothing they show changes (core/pagecache.py):
        # PAGE_CACHE=0 turns it off; PAGE_CACHE_MB bounds each worker's copies.
        "PAGE_CACHE": env("PAGE_CACHE", "1") != "0",
        "PAGE_CACHE_BYTES": _int("PAGE_CACHE_MB", 32) * 1024 * 1024,
    }


def engine_options(uri: str, transaction_pooler: bool = False) -> dict:
    """SQLite gets WAL and a busy timeout (set on connect); others keep pool defaults. Behind a
    pooler in transaction mode (pgbouncer) psycopg must not prepare statements on the server:
    the next transaction may run on another server connection."""
    if uri.startswith("sqlite"):
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    if transaction_pooler:
        return {"pool_pre_ping": True, "connect_args": {"prepare_threshold": None}}
    return {"pool_pre_ping": True}
