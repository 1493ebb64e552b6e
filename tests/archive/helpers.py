"""Archive test helpers: a 存档登记表 factory, items taken through acknowledgement, loans taken
to any step. Used by tests/archive, tests/access/archive.py and the e2e test."""

from __future__ import annotations

from datetime import date, timedelta

from portal.archive import services
from portal.core.clock import local_now
from portal.extensions import db
from portal.workflow import engine


def row(title="2026年度销售合同（华东区）", category="HT", **overrides) -> dict:
    data = {
        "title": title, "category": category, "document_date": date(2026, 3, 1), "volumes": 1,
        "pages": 12, "copies": 1, "original": True, "secrecy": "normal",
        "retention": services.min_retention(category), "room": "档案室A", "cabinet": "1",
        "shelf": "2", "box": "3", "reference": "", "file": None, "file_format": "", "scans": [],
    }  # fmt: skip
    data.update(overrides)
    return data


def batch(org, applicant="employee", rows=None, custody="archive"):
    user = org[applicant]
    data = {"department_id": user.department_id, "custody": custody, "note": "",
            "items": rows or [row()]}  # fmt: skip
    record = services.register_batch(data, user)
    db.session.commit()
    return record


def accept_all(batch_record, org, returned=()):
    """Head signs, the archivist checks: everything accepted except the seqs in `returned`."""
    instance = batch_record.instance
    if instance.step_key == "head":
        engine.transition(instance, "approve", instance.department.head)
    decisions = {i.id: {"accept": i.seq not in returned, "reason": "缺页，请补正"}
                 for i in batch_record.items}  # fmt: skip
    comment = services.check_batch(batch_record, decisions, org["archivist"])
    engine.transition(instance, "complete", org["archivist"], comment, page="archive.check")
    db.session.commit()
    return batch_record


def archived_item(org, secrecy="normal", category="HT", title=None, applicant="employee", **kw):
    record = batch(
        org, applicant, [row(title or f"档案 {secrecy}", category, secrecy=secrecy, **kw)]
    )
    accept_all(record, org)
    return record.items[0]


def loan(org, item, borrower="employee", mode="onsite", days=7, submit=True):
    start = local_now().date()
    data = {"item": item, "mode": mode, "purpose": "核对合同条款", "start_date": start,
            "due_date": start + timedelta(days=days)}  # fmt: skip
    record = services.request_loan(data, org[borrower])
    db.session.commit()
    return record


def approve_loan(record, org):
    instance = record.instance
    while instance.step_key in ("head", "gm"):
        engine.transition(instance, "approve", instance.open_tasks[0].assignee, "同意")
    db.session.commit()


def hand_over(record, org, at=None):
    services.hand_over(record, at or _now(), "完好", org["archivist"])
    engine.transition(
        record.instance, "complete", org["archivist"], "借出", page="archive.hand_over"
    )
    db.session.commit()


def give_back(record, org, at=None, condition="good", note=""):
    comment = services.take_back(record, at or _now(), condition, note, org["archivist"])
    engine.transition(
        record.instance, "complete", org["archivist"], comment, page="archive.take_back"
    )
    db.session.commit()


def _now():
    from portal.core.clock import now

    return now()


def tiny_pdf(text: str = "档案正文") -> bytes:
    from portal.pdf.render import html_to_pdf

    return html_to_pdf(f"<p>{text}</p>")
