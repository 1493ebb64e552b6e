"""Attachments: stored under UPLOAD_DIR with random names, type checked by content, downloaded
only through the portal (permission checked, always as an attachment, never rendered)."""


def init_app(app):
    from portal.files.services import listen_to_sessions
    from portal.files.views import bp

    app.register_blueprint(bp)
    listen_to_sessions()
