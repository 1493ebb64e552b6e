"""Health and readiness for a load balancer: /healthz (database reachable, migrations current)
and /readyz (also the file storage), public, JSON, 200 or 503; request ids for the logs."""


def init_app(app):
    from portal.health import request_id
    from portal.health.views import bp

    request_id.init_app(app)
    app.register_blueprint(bp)
