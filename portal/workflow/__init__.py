"""The approval engine shared by every form: flows as data, transition(), delegation,
deadlines and reminders, the inbox pages. It knows nothing about any one form."""

import click
from flask.cli import AppGroup

workflow_cli = AppGroup("workflow", help="Approval engine jobs.")


@workflow_cli.command("tick")
def tick_command():
    """Send due reminders and escalations (idempotent; run from cron)."""
    from portal.core.sqlite import write_intent
    from portal.extensions import db
    from portal.workflow.tick import tick

    with write_intent():
        result = tick()
        db.session.commit()
    click.echo(
        f"reminders {result.reminders}, escalations {result.escalations}, e-mails {result.emails}"
    )
    for line in result.jobs:
        click.echo(line)


def init_app(app):
    import portal.workflow.actions  # noqa: F401 - registers 转交, 加签, 催办 and 评论 with the engine
    import portal.workflow.panels as panels
    import portal.workflow.services as services
    from portal.core.audit import action_label
    from portal.home.services import register_panel
    from portal.workflow.delegation import register_generation
    from portal.workflow.engine import record_url
    from portal.workflow.views import bp

    app.register_blueprint(bp)
    register_generation(app)
    app.extensions.setdefault("portal_cli", []).append(workflow_cli)
    app.extensions.setdefault("portal_badges", []).append(services.badge_counts)
    app.jinja_env.globals.update(record_url=record_url, audit_label=action_label)
    register_panel(app, panels.awaiting_panel)
    register_panel(app, panels.open_requests_panel)
