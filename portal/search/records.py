"""Records in search: seal requests, complaints, requisitions and every other registered form,
found by number, title and a few fields of their own (the document to stamp, the customer),
limited by the form kit's visibility rule (`workflow.access.visible_instances`), so the search
never lists a record whose page would answer 403.

A record matches when each term is a substring (case-insensitive) of one of its fields; drafts
have no number yet and are left out. `record_for` is the jump: a query that is a record's number
names that record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import func, or_

from portal.core.htmx import path_for
from portal.extensions import db
from portal.workflow import access
from portal.workflow import services as workflow
from portal.workflow.engine import record_url
from portal.workflow.flow import all_flows
from portal.workflow.models import Instance, Status

# The fields of a form's own model that people search it by, besides number and title.
FIELDS = {
    "seals": ("document_name", "receiving_party", "purpose"),
    "complaints": ("customer_company", "contact_person", "product", "model", "batch"),
    "complaint_returns": (),
    "complaint_claims": (),
    "supplies": ("purpose",),
    "supply_purchases": (),
}
PER_KIND = 3
# YY-202611-0001, DA-2026-HT-0001, GD-0001: a prefix, optional period and category, a serial.
RECORD_NUMBER = re.compile(r"^[A-Z]{1,10}(?:-[A-Z0-9]{2,10}){0,2}-\d{1,8}$")


@dataclass
class RecordHit:
    number: str
    title: str
    detail: str
    url: str


@dataclass
class RecordKind:
    key: str
    name: str
    items: list[RecordHit] = field(default_factory=list)


def find_records(user, terms: list[str], per_kind: int = PER_KIND) -> list[RecordKind]:
    """The records `user` may read that match every term, newest first, a few of each kind."""
    if not terms or not user.is_authenticated:
        return []
    kinds = []
    for flow in all_flows(sources=False):
        model = flow.model
        own = [getattr(model, name) for name in FIELDS.get(flow.key, ()) if hasattr(model, name)]
        columns = [Instance.number, Instance.title, *own]
        # Through the instance, so a form whose model has no `instance_id` is searched too.
        stmt = (
            access.visible_instances(user, flow.key)
            .join(model, model.id == Instance.record_id)
            .where(Instance.status != Status.DRAFT, Instance.number.is_not(None))
        )
        for term in terms:
            stmt = stmt.where(
                or_(*(func.lower(c).contains(term, autoescape=True) for c in columns))
            )
        rows = db.session.execute(
            stmt.with_only_columns(Instance.number, Instance.title, model.id, *own)
            .order_by(Instance.submitted_at.desc(), Instance.id.desc())
            .limit(per_kind)
        ).all()
        if not rows:
            continue
        kind = RecordKind(flow.key, flow.name)
        for number, title, record_id, *values in rows:
            detail = " · ".join(str(v) for v in values if v and str(v) != title)[:60]
            url = path_for(flow.detail_endpoint, id=record_id)
            kind.items.append(RecordHit(number, title or "", detail, url))
        kinds.append(kind)
    return kinds


def record_for(user, q: str) -> dict | None:
    """The record a query names by its number, when it exists and `user` may see it."""
    number = q.strip().upper()
    if not RECORD_NUMBER.match(number):
        return None
    instance = workflow.get_by_number(number)
    if instance is None or not access.can_view(user, instance):
        return None
    return {"number": instance.number, "title": instance.title, "url": record_url(instance)}
