"""System administration: users, departments and roles (system administrator only)."""


def init_app(app):
    from portal.admin.views import bp

    app.register_blueprint(bp)
