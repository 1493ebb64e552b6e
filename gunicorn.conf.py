"""gunicorn settings for `make run` and bench/bench_web.py (gunicorn reads this file from the
working directory; the command line may still override a value).

Each worker loads the app, compiles every template, then moves what it holds into the garbage
collector's permanent generation (`gc.freeze()`) and raises the collection thresholds, so a
request does not pay for scanning the app's long-lived objects (docs/decisions/014).
"""

from __future__ import annotations

import gc
import os

workers = 2
threads = 4
worker_class = "gthread"

# A young-generation collection after 50,000 net allocations instead of 700: a page allocates
# tens of thousands of short-lived objects, freed by reference counting long before the
# collector would find them.
GC_THRESHOLDS = (50_000, 20, 100)


def _warm(app) -> None:
    """Compile every template now, not on a user's first request (and before the freeze)."""
    env = app.jinja_env
    for name in env.list_templates(filter_func=lambda n: n.endswith(".html")):
        try:
            env.get_template(name)
        except Exception:  # a template that fails to compile fails on use too
            continue


def post_worker_init(worker) -> None:
    """Called in each worker once it has loaded the app (after the fork)."""
    app = getattr(worker, "wsgi", None)  # the Flask app of `app:app`
    if hasattr(app, "jinja_env"):
        with app.app_context():
            _warm(app)
    if os.environ.get("PORTAL_GC_DEFAULT") == "1":  # bench/bench_web.py's comparison run
        return
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
