"""In-app notifications (the bell) and e-mail through SMTP, sent from an outbox by jobs."""

import click
from flask.cli import AppGroup

outbox_cli = AppGroup("outbox", help="The e-mail outbox.")


@outbox_cli.command("send")
def send_command():
    """Send the e-mails that are due (safe on every node at once; `workflow tick` does it too)."""
    from portal.notifications.outbox import send_pending_emails

    result = send_pending_emails()
    click.echo(f"e-mails sent {result.sent}, failed {result.failed}, given up {result.given_up}")


@outbox_cli.command("status")
def status_command():
    """Count the outbox's e-mails: due, retrying, claimed, given up, sent."""
    from portal.notifications.outbox import status

    click.echo(", ".join(f"{name} {count}" for name, count in status().items()))


def init_app(app):
    from portal.notifications import services
    from portal.notifications.views import bp

    app.register_blueprint(bp)
    app.extensions.setdefault("portal_badges", []).append(services.badge_counts)
    # No e-mail is sent from a web request: `flask workflow tick` (or `flask outbox send`) does.
    app.extensions.setdefault("portal_cli", []).append(outbox_cli)
