"""Complaint services: permission predicates, loaders, named queries, intake, returns and
claims. Step pages and the record PDFs live in `pages.py`, registers in `registers.py`.

Services flush; the view (or the demo loader) commits once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, selectinload

from portal.auth.models import Department, RoleCode, User
from portal.core.clock import local_zone
from portal.core.forms import to_fen
from portal.extensions import db
from portal.files import services as files
from portal.workflow import access, engine
from portal.workflow.models import Instance, Status

from .flow import read_clocks, sees_all
from .models import (
    CATEGORIES,
    CHANNELS,
    CLAIM_TYPES,
    DISPOSITIONS,
    SEVERITIES,
    Complaint,
    ComplaintClaim,
    ComplaintReturn,
    label,
)

INTAKE_DEPARTMENTS = ("CS", "SAL")  # 客服部 and the sales/marketing department (市场部)
SUB_ROLES = (RoleCode.SERVICE, RoleCode.QUALITY, RoleCode.SYSADMIN)


# --- predicates (views and templates share them) -----------------------------------------------


def can_register(user) -> bool:
    """Intake is for 客服部 and the sales/marketing staff who take complaints (4.1.1)."""
    if not user.is_authenticated:
        return False
    if user.has_role(RoleCode.SERVICE, RoleCode.SYSADMIN):
        return True
    return user.department is not None and user.department.code in INTAKE_DEPARTMENTS


def can_add_subrecord(user, complaint: Complaint) -> bool:
    """Returns and claims are registered by 客服/品质部 while the complaint is open."""
    instance = complaint.instance
    return (
        user.is_authenticated
        and instance is not None
        and instance.status == Status.IN_PROGRESS
        and complaint.closed_at is None
        and user.has_role(*SUB_ROLES)
    )


def can_view_report(user) -> bool:
    return sees_all(user)


# --- loaders -----------------------------------------------------------------------------------


def get_complaint_or_404(complaint_id: int) -> Complaint:
    return access.get_record_or_404(Complaint, complaint_id)


def get_return_or_404(return_id: int) -> ComplaintReturn:
    return access.get_record_or_404(ComplaintReturn, return_id)


def get_claim_or_404(claim_id: int) -> ComplaintClaim:
    return access.get_record_or_404(ComplaintClaim, claim_id)


# --- named queries: what the registers list, by the one visibility rule ---------------------------


def _submitted(form_type: str, user: User):
    return access.visible_records(user, form_type).where(Instance.status != Status.DRAFT)


def visible_complaints(user: User):
    """Complaints `user` may read, with what the register rows show loaded in bulk (the
    departments are loaded once by the register page, core.registers)."""
    return _submitted("complaints", user).options(
        contains_eager(Complaint.instance).selectinload(Instance.tasks),
    )


def _sub_options(model):
    return (
        selectinload(model.instance).selectinload(Instance.tasks),
        selectinload(model.complaint).selectinload(Complaint.instance),
    )


def visible_returns(user: User):
    return _submitted("complaint_returns", user).options(*_sub_options(ComplaintReturn))


def visible_claims(user: User):
    return _submitted("complaint_claims", user).options(*_sub_options(ComplaintClaim))


def _normal(value: str) -> str:
    return " ".join((value or "").split()).lower()


def open_duplicates(company: str, product: str, exclude_id: int | None = None) -> list[Complaint]:
    """Open complaints of the same customer about the same product (4.1.6: the same problem is
    recorded under the existing number). Compared without case and extra spaces."""
    if not company.strip() or not product.strip():
        return []
    query = (
        select(Complaint)
        .join(Instance, Complaint.instance_id == Instance.id)
        .where(
            Instance.status == Status.IN_PROGRESS,
            Complaint.closed_at.is_(None),
            func.lower(func.trim(Complaint.customer_company)) == _normal(company),
            func.lower(func.trim(Complaint.product)) == _normal(product),
        )
        .order_by(Instance.submitted_at)
    )
    if exclude_id is not None:
        query = query.where(Complaint.id != exclude_id)
    return list(db.session.scalars(query.limit(5)))


def departments() -> list[Department]:
    return list(db.session.scalars(select(Department).order_by(Department.code)))


def department_names(codes: list[str]) -> str:
    """["QA", "FIN"] -> "品质部、财务部" (unknown codes as they are)."""
    names = {d.code: d.name for d in departments()}
    return "、".join(names.get(code, code) for code in codes)


def active_users() -> list[User]:
    return list(db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.id)))


# --- intake ------------------------------------------------------------------------------------

INTAKE_FIELDS = (
    "channel", "customer_company", "contact_person", "phone", "email", "address", "product",
    "model", "batch", "qty_delivered", "qty_defective", "description", "category", "severity",
    "returned_goods",
)  # fmt: skip


def aware(value: datetime | None) -> datetime | None:
    """A naive datetime-local value from a form, read in the portal's time zone."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=local_zone())


def _apply_intake(complaint: Complaint, data: dict) -> None:
    for name in INTAKE_FIELDS:
        value = data.get(name)
        if name in ("qty_delivered", "qty_defective"):
            setattr(complaint, name, value)
        elif name == "returned_goods":
            complaint.returned_goods = bool(value)
        else:
            setattr(complaint, name, (value or "").strip())
    complaint.received_at = aware(data["received_at"])


def register_complaint(data: dict, uploads, user: User) -> Complaint:
    """Record the complaint and register it at once: the KS number is given and the clocks of
    QP-CS-01 start now (4.1.3, 4.2.1). Major complaints are copied to the GM and the quality
    manager (4.1.5)."""
    complaint = Complaint()
    _apply_intake(complaint, data)
    duplicates = open_duplicates(complaint.customer_company, complaint.product)
    complaint.duplicate_of = "、".join(d.number for d in duplicates)[:200]
    complaint.clocks, complaint.clock_source = read_clocks()
    db.session.add(complaint)
    db.session.flush()
    instance = engine.start("complaints", complaint, user)
    complaint.instance = instance
    files.store_all(uploads, instance.id, user, "evidence")
    engine.transition(instance, "submit", user, "登记受理")
    if complaint.severity == "major":
        managers = [d.head for d in departments() if d.code in ("GMO", "QA") and d.head]
        engine.add_watchers(instance, managers, source="major")
    return complaint


def update_complaint(complaint: Complaint, data: dict, uploads, user: User) -> None:
    """Correct a returned or withdrawn complaint before it is submitted again."""
    _apply_intake(complaint, data)
    engine.refresh_title(complaint.instance, complaint)
    files.store_all(uploads, complaint.instance_id, user, "evidence")
    db.session.flush()


# --- returns and claims ------------------------------------------------------------------------


def register_return(complaint: Complaint, data: dict, user: User) -> ComplaintReturn:
    """Goods are back: registering starts the 12-hour disposition clock (4.9.3)."""
    record = ComplaintReturn(complaint=complaint)
    db.session.add(record)
    for name in ("model", "batch", "return_note_no", "reason"):
        setattr(record, name, (data.get(name) or "").strip())
    record.qty_received = data["qty_received"]
    record.replacement_needed = bool(data.get("replacement_needed"))
    record.clocks, record.clock_source = read_clocks()
    db.session.flush()
    instance = engine.start("complaint_returns", record, user)
    record.instance = instance
    engine.transition(instance, "submit", user, "退货签收")
    return record


def _apply_claim(record: ComplaintClaim, data: dict) -> None:
    record.claim_type = data["claim_type"]
    record.amount_fen = to_fen(data["amount"])
    record.customer_ref = (data.get("customer_ref") or "").strip()
    record.items = (data.get("items") or "").strip()
    record.countersign = ",".join(data.get("countersign") or [])


def register_claim(complaint: Complaint, data: dict, uploads, user: User) -> ComplaintClaim:
    """Open the internal claim approval (客户索赔审批单, 4.10.1) and send it to countersign."""
    record = ComplaintClaim(complaint=complaint)
    db.session.add(record)
    _apply_claim(record, data)
    db.session.flush()
    instance = engine.start("complaint_claims", record, user)
    record.instance = instance
    files.store_all(uploads, instance.id, user, "claim")
    engine.transition(instance, "submit", user, "提交会签")
    return record


def update_claim(record: ComplaintClaim, data: dict, uploads, user: User) -> None:
    _apply_claim(record, data)
    files.store_all(uploads, record.instance_id, user, "claim")
    db.session.flush()


def default_countersign(claim_type: str) -> list[str]:
    """4.10.2–4.10.3: 品质部 (quality) or 生产部 (delivery), 销售部 and 财务部."""
    first = "PRD" if claim_type == "delivery" else "QA"
    return [first, "SAL", "FIN"]


# --- labels for templates ----------------------------------------------------------------------

LABELS = {
    "channel": CHANNELS,
    "category": CATEGORIES,
    "severity": SEVERITIES,
    "disposition": DISPOSITIONS,
    "claim_type": CLAIM_TYPES,
}


def choice_label(kind: str, value) -> str:
    return label(LABELS[kind], value)


def defect_rate_text(delivered: int | None, defective: int | None) -> str:
    if not delivered or defective is None:
        return ""
    return f"{defective * 100 / delivered:.2f}%"
