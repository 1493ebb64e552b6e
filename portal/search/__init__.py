"""Search: the header search box on every page, live results as you type, the /search page
(which works without JavaScript), jumping to a record by its number, and `flask search`.

Only pages here; the search itself is `portal.procedures.search` (the façade over the index).
"""


def init_app(app):
    from portal.search.cli import search_command
    from portal.search.views import bp

    app.register_blueprint(bp)
    app.extensions.setdefault("portal_cli", []).append(search_command)
