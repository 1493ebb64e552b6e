"""Record PDFs and their verification: the same snapshot feeds the printed SHA-256 and
`/verify/<number>?h=<hash>`, so a printed copy can be checked against the live record."""

from __future__ import annotations

from flask import current_app

import portal.workflow.services as services
from portal.core.clock import format_local, local_now
from portal.pdf import content_hash, qr_svg_data_uri, render_pdf
from portal.workflow.engine import load_record
from portal.workflow.flow import get_flow
from portal.workflow.models import Instance


def snapshot(instance: Instance) -> dict:
    """Canonical content of a record: what the printed hash covers."""
    flow = get_flow(instance.form_type)
    record = load_record(flow, instance)
    return {
        "form": instance.form_type,
        "number": instance.number,
        "status": instance.status,
        "applicant": instance.applicant.display_name,
        "fields": flow.canonical(record) if flow.canonical else {},
        "trail": [
            [t["step"], t["actor"], t["decision"], t["comment"], t["at"]]
            for t in services.trail(instance)
        ],
    }


def record_hash(instance: Instance) -> str:
    return content_hash(snapshot(instance))


def verify_url(instance: Instance, digest: str) -> str:
    base = current_app.config["PORTAL_BASE_URL"].rstrip("/")
    return f"{base}/verify/{instance.number}?h={digest}"


def pdf_data(instance: Instance, title: str, fields: list, **extra) -> dict:
    """The base record template's data: plain values only."""
    digest = record_hash(instance)
    url = verify_url(instance, digest) if instance.number else ""
    # services.trail's actor already reads "李四（代 张三）"; the template would add it again.
    trail = [
        {
            **row,
            "on_behalf_of": "",
            "at": format_local(row["at"]),
            "due_at": format_local(row["due_at"]),
        }
        for row in services.trail(instance)
    ]
    return {
        "company": current_app.config["COMPANY_NAME"],
        "title": title,
        "number": instance.number,
        "status_label": instance.status_label,
        "fields": fields,
        "sections": extra.pop("sections", []),
        "trail": trail,
        "unapproved": services.unapproved_note(instance),
        "signatures": extra.pop("signatures", ["申请人签字"]),
        "verify_url": url,
        "qr": qr_svg_data_uri(url) if url else "",
        "content_hash": digest,
        "printed_at": local_now().strftime("%Y-%m-%d %H:%M"),
        **extra,
    }


def record_pdf(instance: Instance, template: str, title: str, fields: list, **extra) -> bytes:
    return render_pdf(template, pdf_data(instance, title, fields, **extra))


def verification(number: str, digest: str | None) -> dict | None:
    """What the public verify page may show: no field values, just identity and match."""
    instance = services.get_by_number(number)
    if instance is None:
        return None
    current = record_hash(instance)
    return {
        "number": instance.number,
        "form": get_flow(instance.form_type).name,
        "status": instance.status_label,
        "submitted_at": format_local(instance.submitted_at),
        "checked": digest is not None,
        "matches": digest is not None and digest.lower() == current,
    }
