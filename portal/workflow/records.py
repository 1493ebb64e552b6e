"""Record PDFs and their verification: the printed hash and `/verify/<number>?h=<hash>` are
computed from the same facts, so a printed copy can be checked against the live record.

Canonical forms, kept side by side so that every print ever made can still be checked:
- v1 (a bare SHA-256): number, status, applicant, the flow's `canonical` fields and the trail.
- v2 (`v2:<sha256>`): everything the PDF template receives (labels and resolved names, as
  printed) when the form's printer is registered, plus the record's own facts: department,
  dates, the audit log of the record and the SHA-256 of each attachment's bytes on disk.
"""

from __future__ import annotations

import hmac
import re
from contextlib import contextmanager
from contextvars import ContextVar

from flask import current_app
from werkzeug.utils import import_string

import portal.workflow.services as services
from portal.core import audit
from portal.core.clock import format_local, local_now
from portal.extensions import db
from portal.pdf import content_hash, qr_svg_data_uri, render_pdf
from portal.workflow.engine import load_record
from portal.workflow.flow import get_flow
from portal.workflow.models import Instance

VERSION = "v2"
_V2 = re.compile(r"v2:[0-9a-f]{64}")
_V1 = re.compile(r"[0-9a-f]{64}")
# What the PDF prints that a reprint changes by itself: never hashed.
_VOLATILE = ("verify_url", "qr", "content_hash", "printed_at")

# While set, record_pdf() hands its template data here instead of rendering.
_capture: ContextVar[list | None] = ContextVar("record_pdf_capture", default=None)


# --- printers: how verification rebuilds what a form's PDF printed -----------------------------


def register_printer(app, form_type: str, build) -> None:
    """`build(record)` makes the form's record PDF through `record_pdf` (any return value);
    `build` may be an import string. Verification calls it again to rebuild the printed data,
    so it must depend on the record alone (not on the user or the request)."""
    app.extensions.setdefault("portal_record_printers", {})[form_type] = build


def _printer(form_type: str):
    build = current_app.extensions.get("portal_record_printers", {}).get(form_type)
    return import_string(build) if isinstance(build, str) else build


@contextmanager
def capturing():
    """record_pdf() calls inside hand back their template data instead of rendering."""
    captured: list = []
    token = _capture.set(captured)
    try:
        yield captured
    finally:
        _capture.reset(token)


def _printed_now(instance: Instance) -> dict | None:
    """The template data of the record's PDF as it would print now (None: no printer)."""
    build = _printer(instance.form_type)
    if build is None:
        return None
    with capturing() as captured:
        build(load_record(get_flow(instance.form_type), instance))
    return captured[-1] if captured else None


# --- canonical forms ---------------------------------------------------------------------------


def snapshot(instance: Instance) -> dict:
    """The v1 canonical form (prints made before v2): kept unchanged so they still verify."""
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


def _name(user) -> str | None:
    return user.display_name if user is not None else None


def _attachments(instance: Instance) -> list:
    """Every file of the record (removed ones too: their bytes stay), with the SHA-256 of the
    bytes actually on disk, so a file replaced behind the portal's back changes the hash."""
    from portal.files.models import Attachment
    from portal.files.services import disk_sha256

    rows = db.session.scalars(
        db.select(Attachment).where(Attachment.instance_id == instance.id).order_by(Attachment.id)
    )
    return [
        [a.id, a.original_name, a.purpose, a.content_type, a.size, a.sha256, disk_sha256(a),
         _name(a.uploaded_by), a.uploaded_at, a.removed_at]
        for a in rows
    ]  # fmt: skip


def _audit_log(instance: Instance) -> list:
    return [
        [e.id, e.action, _name(e.actor), _name(e.on_behalf_of), e.from_status, e.to_status,
         e.step, e.comment, e.data, e.ip, e.at]
        for e in db.session.scalars(audit.events_for("workflow", instance.id))
    ]  # fmt: skip


def snapshot_v2(instance: Instance, printed: dict | None) -> dict:
    """The v2 canonical form: the printed data (`printed`, the PDF template's data without what
    a reprint changes) and the record's facts, names and labels resolved as they print."""
    flow = get_flow(instance.form_type)
    record = load_record(flow, instance)
    department = instance.department
    return {
        "v": 2,
        "form": [instance.form_type, flow.name],
        "number": instance.number,
        "status": [instance.status, instance.status_label],
        "title": instance.title,
        "applicant": [instance.applicant.username, instance.applicant.display_name],
        "department": [department.code, department.name] if department else None,
        "created_at": instance.created_at,
        "submitted_at": instance.submitted_at,
        "completed_at": instance.completed_at,
        "fields": flow.canonical(record) if flow.canonical else {},
        "trail": [
            [t[k] for k in ("step", "actor", "on_behalf_of", "decision", "comment", "at", "due_at")]
            for t in services.trail(instance)
        ],
        "audit": _audit_log(instance),
        "attachments": _attachments(instance),
        "printed": {k: v for k, v in printed.items() if k not in _VOLATILE} if printed else None,
    }


def _digest_v2(instance: Instance, printed: dict | None) -> str:
    return f"{VERSION}:{content_hash(snapshot_v2(instance, printed))}"


def record_hash(instance: Instance) -> str:
    """The hash a PDF printed now carries ("v2:<sha256>")."""
    return _digest_v2(instance, _printed_now(instance))


# --- the PDF -------------------------------------------------------------------------------------


def verify_url(instance: Instance, digest: str) -> str:
    base = current_app.config["PORTAL_BASE_URL"].rstrip("/")
    return f"{base}/verify/{instance.number}?h={digest}"


def printed_data(instance: Instance, title: str, fields: list, **extra) -> dict:
    """What the base record template prints, plain values only (no hash, URL or print time)."""
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
        **extra,
    }


def pdf_data(instance: Instance, title: str, fields: list, **extra) -> dict:
    """The base record template's data: the printed data, its hash, QR code and print time."""
    data = printed_data(instance, title, fields, **extra)
    # Without a registered printer verification cannot rebuild `data`: hash the facts alone.
    has_printer = _printer(instance.form_type) is not None
    digest = _digest_v2(instance, data if has_printer else None)
    url = verify_url(instance, digest) if instance.number else ""
    return {
        **data,
        "verify_url": url,
        "qr": qr_svg_data_uri(url) if url else "",
        "content_hash": digest,
        "printed_at": local_now().strftime("%Y-%m-%d %H:%M"),
    }


def record_pdf(instance: Instance, template: str, title: str, fields: list, **extra) -> bytes:
    captured = _capture.get()
    if captured is not None:  # verification rebuilding what this PDF printed
        captured.append(printed_data(instance, title, fields, **extra))
        return b""
    return render_pdf(template, pdf_data(instance, title, fields, **extra))


# --- verification --------------------------------------------------------------------------------


def _well_formed(number: str, digest: str | None) -> bool:
    if not digest or not number or len(number) > 40 or not number.isprintable():
        return False
    return bool(_V2.fullmatch(digest) or _V1.fullmatch(digest))


def _matches(instance: Instance, digest: str) -> bool:
    if digest.startswith(f"{VERSION}:"):
        current = record_hash(instance)
    else:  # a v1 print
        current = content_hash(snapshot(instance))
    return hmac.compare_digest(current, digest)


def verification(number: str, digest: str | None) -> dict | None:
    """What the public verify page may show, only when the number and the printed hash both
    match the live record; None otherwise (unknown number, wrong or missing hash alike)."""
    digest = (digest or "").strip().lower()
    if not _well_formed(number, digest):
        return None
    instance = services.get_by_number(number)
    if instance is None:
        return None
    try:
        matches = _matches(instance, digest)
    except LookupError:  # the form type is no longer registered
        return None
    if not matches:
        return None
    return {
        "number": instance.number,
        "form": get_flow(instance.form_type).name,
        "status": instance.status_label,
        "submitted_at": format_local(instance.submitted_at),
    }
