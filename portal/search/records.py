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

from sqlalchemy import String, cast, desc, func, literal, null, or_, select, union_all

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
    """The records `user` may read that match every term, newest first, a few of each kind: one
    statement, each form's newest matches in a branch of a UNION ALL."""
    if not terms or not user.is_authenticated:
        return []
    flows = all_flows(sources=False)
    width = max((len(FIELDS.get(flow.key, ())) for flow in flows), default=0)
    branches = []
    for position, flow in enumerate(flows):
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
        details = [cast(c, String).label(f"d{i}") for i, c in enumerate(own)]
        details += [null().cast(String).label(f"d{i}") for i in range(len(own), width)]
        newest = (
            stmt.with_only_columns(
                literal(position).label("kind"),
                Instance.number.label("number"),
                Instance.title.label("title"),
                model.id.label("record_id"),
                Instance.submitted_at.label("at"),
                Instance.id.label("instance_id"),
                *details,
            )
            .order_by(Instance.submitted_at.desc(), Instance.id.desc())
            .limit(per_kind)
            .subquery()
        )
        branches.append(select(newest))
    if not branches:
        return []
    found: dict[int, RecordKind] = {}
    rows = db.session.execute(
        union_all(*branches).order_by("kind", desc("at"), desc("instance_id"))
    )
    for position, number, title, record_id, _at, _id, *values in rows:
        flow = flows[position]
        kind = found.setdefault(position, RecordKind(flow.key, flow.name))
        detail = " · ".join(str(v) for v in values if v and str(v) != title)[:60]
        url = path_for(flow.detail_endpoint, id=record_id)
        kind.items.append(RecordHit(number, title or "", detail, url))
    return [found[position] for position in sorted(found)]


def record_for(user, q: str) -> dict | None:
    """The record a query names by its number, when it exists and `user` may see it."""
    number = q.strip().upper()
    if not RECORD_NUMBER.match(number):
        return None
    instance = workflow.get_by_number(number)
    if instance is None or not access.can_view(user, instance):
        return None
    return {"number": instance.number, "title": instance.title, "url": record_url(instance)}
