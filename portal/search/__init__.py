"""Search, in one package: the façade over the procedure index and its maintenance (`index`),
the text rules a match follows (`text`), the ranking (`ranking`, `segment`), records
(`records`), the static export's offline index (`static`), and the pages: the header search box
on every page, live results as you type, the /search page (which works without JavaScript),
jumping to a record by its number, and `flask search`.
"""


def init_app(app):
    from portal.search import index
    from portal.search.cli import search_command
    from portal.search.views import bp

    app.register_blueprint(bp)
    app.extensions.setdefault("portal_cli", []).append(search_command)
    # The search index's FTS tables are outside the ORM: made for tests and create_all databases
    # by this hook, and hidden from Alembic's autogenerate (the migration makes them by hand).
    app.extensions.setdefault("portal_schema_hooks", []).append(index.create_schema_objects)
    migrate_args = app.extensions["migrate"].configure_args
    migrate_args.setdefault("include_object", index.include_object)
