"""In-app notifications (the bell) and e-mail through SMTP."""


def init_app(app):
    from portal.notifications import services
    from portal.notifications.views import bp

    app.register_blueprint(bp)
    app.extensions.setdefault("portal_badges", []).append(services.badge_counts)
    app.after_request(services.dispatch_after_request)
