"""Health and readiness for a load balancer: /healthz (database reachable, migrations current)
and /readyz (also the file storage), public, JSON, 200 or 503."""


def init_app(app):
    from portal.health.views import bp

    app.register_blueprint(bp)
