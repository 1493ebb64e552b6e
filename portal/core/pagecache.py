"""Whole pages kept per worker, keyed by everything they show (issue 18, decision 014).

A logged-in GET is answered from the worker's copy when nothing it could show has changed:
- **the database**: every transaction that writes data moves the one row of `page_generation`
  in the same transaction, at its commit (`_bump`, on every engine, whatever wrote: a page, a
  tick job, the CLI, SQL text). The statement that loads the user reads that value
  (`core/generations.py`), so a write committed on any node is seen by the next request on
  every node, and a page is never served from before it;
- **who asks**: the user, the session (its id and CSRF token, which the page carries), the
  client's address, the other cookies, the htmx headers and `Accept`;
- **what is asked**: host, scheme, path and query string;
- **the clock**: the portal clock's minute, so a label computed from the time (overdue, days
  left) is at most a minute old, and nothing outlives a minute whatever happens behind the
  portal's back.

A request for which the worker holds a copy is answered before the login check: one
statement reads whether the session's user is still logged in (`auth/sessions.still_valid`)
and the generation; no user object is built, no navigation count is read, the view does not
run. If the generation moved, the request goes the usual way (one statement more).

A page is kept only when it is a 200 `text/html` response of a request that wrote nothing,
changed nothing in the session (a new CSRF token, a flash message) and set no cookie. A
session with a flash message waiting is never answered from a copy. Endpoints that show
state outside the database (administration, health) or run the login are never kept. The
copies live in an LRU bounded in bytes (`PAGE_CACHE_MB`, per worker); `PAGE_CACHE=0` turns
it off. Responses say `X-Page-Cache: hit|miss`.
"""

from __future__ import annotations

import functools
import re
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, Response, current_app, has_request_context, request, session
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from portal.core import generations
from portal.core.clock import now
from portal.core.models import PageGeneration
from portal.extensions import db

GENERATION = "pages"
GENERATION_VALUE = func.max(PageGeneration.value)
HEADER = "X-Page-Cache"
WROTE = "portal.pagecache.wrote"
# Endpoints (or blueprints, before the dot) whose pages are never kept.
NEVER = {"static", "auth", "admin", "health", "verify", "home.health", "home.favicon"}
MAX_ENTRY = 2 * 1024 * 1024

_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "MERGE", "TRUNCATE", "COPY")
_DDL = ("CREATE", "ALTER", "DROP")
# Tables no kept page shows: the login log (administration only) and ended sessions (every
# request checks its session itself). Writing only these does not move the generation, so a
# login or a logout elsewhere leaves everybody's copies in place.
UNSHOWN = {"login_attempts", "ended_sessions"}
_TARGET = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE)
_DML = re.compile(r"\b(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
TABLE = "page_generation"
_BUMP = f"UPDATE {TABLE} SET value = value + 1 WHERE id = 1"
# A row deleted (tests empty every table) comes back at a value no copy was kept under.
_SEED = "INSERT INTO " + TABLE + " (id, value) VALUES (1, {})"
_NOT_KEPT = {"set-cookie", "content-length"}
STORE = "portal_page_cache"


# --- the generation: moved by every committed write -----------------------------------------


def _kind(statement: str) -> str | None:
    head = statement.lstrip()[:8].upper()
    if head.startswith(_WRITES):
        target = _TARGET.match(statement)
        if target and target.group(1).lower() in UNSHOWN:
            return None
        return "data"
    if head.startswith(_DDL):
        return "ddl"
    if head.startswith("WITH") and _DML.search(statement):
        return "data"
    return None


@event.listens_for(Engine, "before_cursor_execute")
def _note_write(conn, _cursor, statement, _parameters, _context, _executemany) -> None:
    kind = _kind(statement)
    if kind is None:
        return
    info = conn.info
    if kind == "ddl":
        info[WROTE] = "ddl"  # a schema change (create_all, migrations): the table may not exist
        _known.discard(conn.engine)  # nor may it any longer (a downgrade): ask again
    elif WROTE not in info:
        info[WROTE] = "data"


_EXISTS = {
    "sqlite": f"SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '{TABLE}'",
    "postgresql": f"SELECT to_regclass('{TABLE}')",
}


# The engines whose database was seen to have the table since their last schema change.
_known: weakref.WeakSet = weakref.WeakSet()


def _table_exists(conn, cursor) -> bool:
    """Is the table there? Asked once per engine, and again after any DDL it runs."""
    if conn.engine in _known:
        return True
    query = _EXISTS.get(conn.dialect.name)
    if query is None:
        return False
    cursor.execute(query)
    row = cursor.fetchone()
    if row and row[0]:
        _known.add(conn.engine)
        return True
    return False


@event.listens_for(Engine, "commit")
def _bump(conn) -> None:
    """Move the generation in the transaction being committed, as its last statement: the
    row's lock is the last one a transaction takes, so it cannot close a cycle of waits."""
    if conn.info.pop(WROTE, None) != "data":
        return
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        if not _table_exists(conn, cursor):
            return  # a database its migrations have not reached yet
        cursor.execute(_BUMP)
        if cursor.rowcount == 0:  # a database emptied by the tests, or built by create_all
            cursor.execute(_SEED.format(time.time_ns() // 1000))
    finally:
        cursor.close()
    if has_request_context():
        request.environ[WROTE] = True


def renew() -> None:
    """Move the generation past any value it had (after a restore put an old one back)."""
    fresh = time.time_ns() // 1000
    try:
        with db.engine.begin() as conn:
            moved = conn.exec_driver_sql(f"UPDATE {TABLE} SET value = {fresh} WHERE id = 1")
            if moved.rowcount == 0:
                conn.exec_driver_sql(f"INSERT INTO {TABLE} (id, value) VALUES (1, {fresh})")
    except DBAPIError as error:
        if TABLE not in str(error):  # a copy from before the table: migrations will add it
            raise


@event.listens_for(Engine, "rollback")
def _rolled_back(conn) -> None:
    conn.info.pop(WROTE, None)


# --- the copies ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    body: bytes
    status: int
    headers: tuple
    generation: tuple = ()

    def response(self) -> Response:
        response = Response(self.body, status=self.status, headers=list(self.headers))
        if response.headers.get("ETag"):
            response.make_conditional(request)
        response.headers[HEADER] = "hit"
        return response


class Store:
    """An LRU of entries bounded by the bytes of their bodies; shared by a worker's threads.
    One entry per key: the page as last rendered, with the generation it was rendered under."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self.entries: OrderedDict[tuple, Entry] = OrderedDict()
        self.lock = threading.Lock()
        self.endpoints: set[str] = set()

    def get(self, key: tuple) -> Entry | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.size = 0

    def put(self, key: tuple, entry: Entry) -> None:
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.size -= len(old.body)
            self.entries[key] = entry
            self.size += len(entry.body)
            while self.size > self.limit and self.entries:
                _, dropped = self.entries.popitem(last=False)
                self.size -= len(dropped.body)


def _store() -> Store | None:
    store = current_app.extensions.get(STORE)
    if store is None or request.endpoint not in store.endpoints:
        return None
    return store


def _key() -> tuple | None:
    """What the page may depend on besides the database, or None when this request is neither
    answered from a copy nor kept."""
    if request.method != "GET" or session.get("_flashes") or "_user_id" not in session:
        return None
    cookie = current_app.config["SESSION_COOKIE_NAME"]
    return (
        request.host,
        request.scheme,
        request.script_root,
        request.path,
        request.environ.get("QUERY_STRING", ""),
        tuple(sorted((k, v) for k, v in request.headers.items() if k.lower().startswith("hx-"))),
        request.headers.get("Accept", ""),
        tuple(sorted((k, v) for k, v in request.cookies.items() if k != cookie)),
        request.remote_addr,
        session["_user_id"],
        session.get("_sid"),
        session.get("csrf_token"),
        now().replace(second=0, microsecond=0),
    )


def _answer_from_copy(check: Callable[[list], tuple | None]) -> Callable[[], Response | None]:
    def answer() -> Response | None:
        """Before the login check (which builds the user): a kept page, if this worker holds
        one for this request and the session is still valid and nothing was written since."""
        store = _store()
        key = _key() if store is not None else None
        entry = store.get(key) if key is not None else None
        if entry is None or _uncommitted():
            return None
        generation = check([select(GENERATION_VALUE).scalar_subquery()])
        if generation is None or generation != entry.generation:
            return None  # the usual way: load_user, the view, and a new copy
        return entry.response()

    return answer


def _uncommitted() -> bool:
    """Has this session changes the generation does not show yet (a test's flush, say)?"""
    if db.session.new or db.session.dirty or db.session.deleted:
        return True
    if not db.session().in_transaction():
        return False
    return WROTE in db.session.connection().info


def _storable(response: Response, before: dict) -> bool:
    return (
        response.status_code == 200
        and response.mimetype == "text/html"
        and not response.is_streamed
        and not response.direct_passthrough
        and "Set-Cookie" not in response.headers
        and not request.environ.get(WROTE)
        and not session.get("_flashes")
        and dict(session) == before
        and not _uncommitted()
    )


def _kept(view: Callable, store: Store) -> Callable:
    @functools.wraps(view)
    def page(*args, **kwargs):
        key = _key()
        generation = generations.current(GENERATION)
        if key is None or not generation or generation[0] is None or _uncommitted():
            return view(*args, **kwargs)
        before = dict(session)
        response = current_app.make_response(view(*args, **kwargs))
        if _storable(response, before):
            body = response.get_data()
            if len(body) <= MAX_ENTRY:
                headers = tuple(
                    (k, v) for k, v in response.headers.items() if k.lower() not in _NOT_KEPT
                )
                store.put(key, Entry(body, response.status_code, headers, generation))
            response.headers[HEADER] = "miss"
        return response

    return page


def clear(app: Flask) -> None:
    """Forget this worker's copies (the tests count what a page costs to render)."""
    store = app.extensions.get(STORE)
    if store is not None:
        store.clear()


def install(app: Flask, check: Callable[[list], tuple | None]) -> None:
    """Keep the pages of every endpoint registered so far (after the blueprints). `check` runs
    the light session check of a request answered from a copy (auth/sessions.still_valid): it
    reads the given columns with the user and returns their values, or None."""
    if not app.config.get("PAGE_CACHE", True):
        return
    generations.register(app, GENERATION, [GENERATION_VALUE], [PageGeneration])
    store = Store(app.config.get("PAGE_CACHE_BYTES", 32 * 1024 * 1024))
    app.extensions[STORE] = store
    for endpoint, view in list(app.view_functions.items()):
        if endpoint in NEVER or endpoint.split(".", 1)[0] in NEVER:
            continue
        store.endpoints.add(endpoint)
        app.view_functions[endpoint] = _kept(view, store)
    # After the input guards (the first hooks), before the login check (require_login).
    hooks = app.before_request_funcs.setdefault(None, [])
    at = next((i for i, f in enumerate(hooks) if f.__name__ == "require_login"), len(hooks))
    hooks.insert(at, _answer_from_copy(check))
