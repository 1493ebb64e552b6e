"""规程门户 (Procedure Portal): the application factory."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from flask import Flask, g, redirect, request, session, url_for
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import config
from portal.core import sqlite as _sqlite  # noqa: F401  (registers connection hooks)
from portal.extensions import csrf, db, login_manager, migrate

# Endpoints reachable without logging in.
PUBLIC_ENDPOINTS = {"auth.login", "static", "home.health", "home.favicon", "verify.check"}
PUBLIC_ENDPOINTS |= {"health.healthz", "health.readyz"}  # for the load balancer


def create_app(test_config: dict | None = None) -> Flask:
    root = config.BASE_DIR
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(root / "templates"),
        static_folder=str(root / "static"),
        instance_path=str(root / "instance"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(config.from_environment(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)
    config.settle_secret_key(app.config, Path(app.instance_path))
    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS", config.engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    )
    Path(app.config["UPLOAD_DIR"]).mkdir(parents=True, exist_ok=True)
    # The signed cookie expires with the session's absolute lifetime (portal/auth/sessions.py).
    app.permanent_session_lifetime = timedelta(days=app.config["SESSION_MAX_DAYS"])
    if app.config["PROXY_COUNT"] > 0:
        # Trust X-Forwarded-For/-Proto only from the configured number of proxies; without
        # them the connection's address is the client's, whatever headers the client sends.
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)

    from portal.core import guards

    guards.init_app(app)  # request-level input bounds, before any other hook or route
    _init_extensions(app)
    _register_blueprints(app)
    _register_request_hooks(app)
    _register_template_helpers(app)

    from portal.cli import register_cli
    from portal.core.errors import register_error_handlers

    register_error_handlers(app)
    register_cli(app)
    from portal.auth import sessions
    from portal.core import pagecache

    pagecache.install(app, check=sessions.still_valid)  # after every blueprint: wraps their views
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO)
        # WeasyPrint reports every layout step of every PDF at INFO: ten lines a download.
        logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    return app


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(config.BASE_DIR / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)

    from portal.auth import sessions

    login_manager.user_loader(sessions.load_user)

    @login_manager.unauthorized_handler
    def unauthorized():
        target = url_for("auth.login", next=request.full_path.rstrip("?"))
        if request.headers.get("HX-Request"):
            return "", 401, {"HX-Redirect": target}
        return redirect(target)


def _register_blueprints(app: Flask) -> None:
    from portal import domains

    for module in domains.MODULES:
        module.init_app(app)

    from portal.workflow.pages import check_pages

    check_pages(app)


def _register_request_hooks(app: Flask) -> None:
    @app.before_request
    def require_login():
        if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return None

    @app.after_request
    def headers(response):
        response.headers.add("Vary", "HX-Request")
        # A logged-in user's pages must not outlive the session in a browser or proxy cache.
        # (The session, not current_user: no database query after a failed request.) Pages
        # with an ETag (procedures/caching.py) are private and revalidated instead.
        revalidated = response.headers.get("Cache-Control") == "private, no-cache"
        if request.endpoint != "static" and "_user_id" in session and not revalidated:
            response.headers["Cache-Control"] = "no-store"
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'self'",
        )
        return response

    @app.teardown_request
    def rollback_on_error(exc):
        if exc is not None:
            db.session.rollback()

    @app.before_request
    def remember_ip():
        # ProxyFix (PROXY_COUNT) has already put the client's address here when proxies are
        # trusted; client-supplied headers are never read directly.
        g.client_ip = request.remote_addr or ""


def _register_template_helpers(app: Flask) -> None:
    from portal.core import templating

    templating.init_app(app)
