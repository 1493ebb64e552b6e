"""Revocable sessions on top of Flask-Login's signed cookie.

The cookie cannot be deleted on the server, so each session records the user's session
generation (`User.session_version`) when it was issued and is refused once the generation has
moved on: a password change, (de)activation or an administrator raise it. Logging out ends
just the one session, by its random id (`EndedSession`). A session also records when it was
issued and last used, for the absolute lifetime and the idle timeout.
"""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime, timedelta

from flask import current_app, session
from flask_login import login_user, logout_user
from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload

from portal.auth.models import EndedSession, User
from portal.core import generations
from portal.core.templating import badge_columns
from portal.extensions import db

SID = "_sid"
VERSION = "_sv"
ISSUED = "_issued"
SEEN = "_seen"
# Refresh the "last used" stamp at most this often, so most responses leave the cookie alone.
SEEN_RESOLUTION = 60


def seconds() -> int:
    """Wall-clock seconds. Sessions age in real time, not on the portal clock: tests move that
    clock by days to act on a later working day, which must not log anyone out."""
    return int(time.time())


def start(user: User) -> None:
    """Log `user` in on a new session: nothing from before the login (the pre-login CSRF secret
    included) is carried into it."""
    session.clear()
    login_user(user)
    stamp(session, user)


def stamp(target, user: User) -> None:
    """Write a new session's marks for `user` into `target` (the session; a test client's
    `session_transaction()` for the tests' and benches' fast login)."""
    now = seconds()
    target["_user_id"] = str(user.id)
    target["_fresh"] = True
    target[SID] = secrets.token_hex(16)
    target[VERSION] = user.session_version
    target[ISSUED] = now
    target[SEEN] = now


def end_all(user: User) -> None:
    """End every session of `user` (the caller commits)."""
    user.session_version = (user.session_version or 0) + 1
    db.session.flush()


def end_current(user: User) -> None:
    """Log out: this session's id is refused from now on (the caller commits)."""
    ended_at = datetime.fromtimestamp(seconds(), UTC)
    if SID in session:
        db.session.add(EndedSession(sid=session[SID], user_id=user.id, ended_at=ended_at))
    # Ids older than the absolute lifetime are dead anyway.
    horizon = ended_at - timedelta(days=current_app.config["SESSION_MAX_DAYS"])
    db.session.execute(delete(EndedSession).where(EndedSession.ended_at < horizon))
    db.session.flush()
    logout_user()
    session.clear()


def load_user(user_id: str) -> User | None:
    """Flask-Login's user loader: the user of a session that is still valid, else None (and the
    session is emptied, so the browser gets a fresh one). One statement, as before sessions
    were revocable; it also reads the fingerprints of the per-worker caches
    (`core/generations.py`) and, for a page, the navigation's counts."""
    row = None
    if user_id.isdigit():
        fingerprints = generations.columns()
        badges = badge_columns(int(user_id))
        # The roles and the department (the navigation shows both) come with the user.
        row = (
            db.session.execute(
                select(User, _ended(), *fingerprints, *(badges.columns if badges else ()))
                .options(joinedload(User.roles), joinedload(User.department))
                .where(User.id == int(user_id))
            )
            .unique()
            .first()
        )
    if row is None or row[1] or not row[0].active or not _valid(row[0].session_version):
        session.clear()
        return None
    user = row[0]
    generations.remember(row[2 : 2 + len(fingerprints)])
    if badges is not None:
        badges.keep(row[2 + len(fingerprints) :])
    _touch()
    return user


def still_valid(columns: list) -> tuple | None:
    """The light check of a request answered from a kept page (core/pagecache.py), before
    Flask-Login: is this session's user still logged in? One statement, no ORM objects; returns
    the values of `columns` read with it, or None (then the request goes the usual way, through
    `load_user`, which empties a session that is no longer valid)."""
    user_id = session.get("_user_id", "")
    if not user_id.isdigit():
        return None
    row = db.session.execute(
        select(User.active, User.session_version, _ended(), *columns).where(User.id == int(user_id))
    ).first()
    if row is None or not row[0] or row[2] or not _valid(row[1]):
        return None
    _touch()
    return tuple(row[3:])


def _ended():
    """Whether this session was ended (logged out), as a column of the user's statement."""
    return select(EndedSession.sid).where(EndedSession.sid == session.get(SID, "")).exists()


def _touch() -> None:
    """Refresh the session's "last used" stamp (at most every SEEN_RESOLUTION seconds)."""
    now = seconds()
    if SEEN in session and now - session[SEEN] >= SEEN_RESOLUTION:
        session[SEEN] = now


def _valid(version: int) -> bool:
    if VERSION not in session:
        return False  # every session is stamped at login (`stamp`); older cookies are refused
    if session[VERSION] != version:
        return False
    config = current_app.config
    now = seconds()
    issued, seen = session.get(ISSUED, 0), session.get(SEEN, 0)
    return (
        now - seen <= config["SESSION_IDLE_MINUTES"] * 60
        and now - issued <= config["SESSION_MAX_DAYS"] * 86400
    )
