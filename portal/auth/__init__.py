"""Accounts, departments, roles, login and permission predicates."""


def init_app(app):
    from portal.auth.views import bp

    app.register_blueprint(bp)
