"""One cell of a domain's table-driven transition test: every user tries an action on a record
in a state; the users the table names reach their (status, step), every other user is refused
with a WorkflowError and changes nothing.

The refusals share one record (each is rolled back, and the cell checks nothing changed); each
allowed user acts on a fresh record. Bringing a record to a state is most of a cell's time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pytest

from portal.extensions import db
from portal.workflow import engine


def state_of(record) -> tuple:
    return (record.instance.status, record.instance.step_key)


def check_cell(
    bring: Callable[[], object],
    act: Callable[[object, str], None],
    expected: dict[str, tuple],
    users: Iterable[str],
    cell: tuple = (),
    state: Callable[[object], tuple] = state_of,
) -> None:
    """`bring()` returns a new record in the cell's state; `act(record, username)` tries the
    action as its page does; `expected` maps usernames to the (status, step_key) they reach.
    `state(record)` is (status, step_key, anything else a refusal must leave unchanged)."""
    record = bring()
    before = state(record)
    for username in users:
        if username in expected:
            continue
        with pytest.raises(engine.WorkflowError):
            act(record, username)
        db.session.rollback()
        assert state(record) == before, (*cell, username)
    for username, outcome in expected.items():
        fresh = bring()
        act(fresh, username)
        db.session.commit()
        assert state(fresh)[:2] == outcome, (*cell, username)
