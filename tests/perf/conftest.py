"""Fixtures for the query budget: the demo organisation and records, copied in bulk to any
number of rows, and the statements one page view runs with a fresh session (as a production
request has)."""

from __future__ import annotations

import pytest
from flask import g
from sqlalchemy import func, insert, select

from portal.extensions import db
from portal.workflow.flow import get_flow
from portal.workflow.models import Instance, Status, Task

# Tables that hang off a record and are copied with it (the rows a register shows).
CHILDREN = {
    "seals": ("seal_request_items",),
    "supplies": ("supply_requisition_lines",),
}


@pytest.fixture
def demo(app, monkeypatch):
    """The demo organisation and records (the bundled procedures, no legacy seed pages)."""
    from portal.auth.models import User
    from portal.demo import load_demo

    monkeypatch.delenv("PORTAL_SEEDS", raising=False)
    load_demo()
    db.session.commit()
    return {u.username: u.id for u in db.session.scalars(select(User))}


def copy_records(form_type: str, count: int) -> None:
    """Add `count` records of `form_type` (past drafts), copies of the demo's: the instance, the
    record, its tasks and its rows, each under new ids and a new number."""
    record_table = get_flow(form_type).model.__table__
    instances, tasks = Instance.__table__, Task.__table__
    children = {}
    for name in CHILDREN.get(form_type, ()):
        child = db.metadata.tables[name]
        (fk,) = [c for c in child.c if any(f.column.table is record_table for f in c.foreign_keys)]
        children[child] = fk

    def rows(table, column, values) -> dict:
        found: dict = {}
        for row in db.session.execute(select(table).where(column.in_(values))).mappings():
            found.setdefault(row[column.name], []).append(dict(row))
        return found

    originals = [
        dict(row)
        for row in db.session.execute(
            select(instances)
            .where(instances.c.form_type == form_type, instances.c.status != Status.DRAFT)
            .order_by(instances.c.id)
            .limit(50)
        ).mappings()
    ]
    assert originals, form_type
    records = rows(record_table, record_table.c.id, [i["record_id"] for i in originals])
    their_tasks = rows(tasks, tasks.c.instance_id, [i["id"] for i in originals])
    their_children = {
        child: rows(child, fk, [i["record_id"] for i in originals])
        for child, fk in children.items()
    }
    next_id = {t: (db.session.scalar(select(func.max(t.c.id))) or 0) + 1
               for t in (instances, record_table, tasks, *children)}  # fmt: skip
    new: dict = {t: [] for t in next_id}

    def add(table, row, **values) -> int:
        new_id = next_id[table]
        next_id[table] += 1
        new[table].append({**row, **values, "id": new_id})
        return new_id

    for k in range(count):
        original = originals[k % len(originals)]
        record_id = next_id[record_table]
        instance_id = add(instances, original, record_id=record_id,
                          number=f"{original['number']}-{next_id[instances]}")  # fmt: skip
        add(record_table, records[original["record_id"]][0], instance_id=instance_id)
        for task in their_tasks.get(original["id"], []):
            add(tasks, task, instance_id=instance_id, parent_id=None)
        for child, fk in children.items():
            for row in their_children[child].get(original["record_id"], []):
                add(child, row, **{fk.name: record_id})
    for table, values in new.items():
        if values:
            db.session.execute(insert(table), values)
    db.session.commit()


@pytest.fixture
def statements(client, count_queries):
    """statements(url) -> the SQL statements of one GET of `url` (status 200), with a fresh
    session, after a first GET that fills the per-process caches."""

    def fresh() -> None:
        # The test holds one app context for all its requests; production has one a request.
        db.session.remove()
        for name in list(g):
            g.pop(name)

    def _run(url: str) -> list[str]:
        fresh()
        assert client.get(url).status_code == 200, url
        fresh()
        with count_queries() as seen:
            response = client.get(url)
        assert response.status_code == 200, url
        return list(seen)

    return _run
