"""Public verification of printed records: `/verify/<number>?h=<sha256>`."""


def init_app(app):
    from portal.verify.views import bp

    app.register_blueprint(bp)
