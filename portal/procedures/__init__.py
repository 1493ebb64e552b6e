"""Procedures library: legacy-text importer, Markdown procedures, clause trees, reading,
citations, revisions, diffs and read acknowledgements.

Imports inside `init_app` keep `import portal.procedures.importer` (and the search modules)
free of Flask and the models.
"""


def init_app(app):
    from portal.demo import register_demo_loader
    from portal.home.services import register_panel

    # control_views is imported for its routes, which join `bp` (document control's reading side).
    from portal.procedures import control_views, periodic, publishing, reading  # noqa: F401
    from portal.procedures.cli import procedures_cli
    from portal.procedures.flow import FLOW
    from portal.procedures.services import demo_loader, recent_revisions_panel
    from portal.procedures.views import bp
    from portal.workflow.flow import register_flow
    from portal.workflow.tick import register_tick_job

    app.register_blueprint(bp)
    register_flow(app, FLOW)
    register_tick_job(app, publishing.tick_job)
    app.extensions.setdefault("portal_cli", []).append(procedures_cli)
    register_panel(app, recent_revisions_panel)
    register_panel(app, reading.reading_panel)
    register_panel(app, periodic.reviews_panel)
    register_tick_job(app, reading.remind_readers)
    register_demo_loader(app, demo_loader)
