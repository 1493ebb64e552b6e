"""Attachments: type checked by content, stored with random names in a folder or the database
(`storage.py`), downloaded only through the portal (permission checked, always as an
attachment, never rendered)."""


def init_app(app):
    from portal.files import storage
    from portal.files.views import bp

    storage.init_app(app)
    app.register_blueprint(bp)
