"""The home page (what needs the user's attention), the register index and the health check."""


def init_app(app):
    from portal.home.views import bp

    app.register_blueprint(bp)
