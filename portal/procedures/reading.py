"""Required reading (应读): who must read a procedure, whether their acknowledgement still counts,
the 待阅读 home panel, the reminders the tick sends, and the reading reports (page and XLSX).

Who must read: the active members of `Procedure.required_departments` and the holders of
`Procedure.required_roles`. What they must read: the current revision, but an acknowledgement
of any issued revision at or after the latest substantive one still counts, so an editorial
revision keeps acknowledgements and a substantive one resets them (a revision without a
significance, bundled or legacy, counts as substantive). The obligation starts when that
substantive revision was issued and is due `Procedure.reading_days` later.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import has_request_context, request
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from portal.auth.models import Department, Role, RoleCode, User, user_roles
from portal.core import audit, xlsx
from portal.core.clock import local_now, now, to_local
from portal.core.htmx import path_for
from portal.extensions import db
from portal.notifications.services import notify
from portal.procedures.departments import department_heads, department_names
from portal.procedures.models import (
    ISSUED,
    Procedure,
    ProcedureRead,
    Revision,
    RevisionStatus,
    Significance,
)
from portal.procedures.publishing import SUBJECT

audit.ACTION_LABELS.setdefault("acknowledge", "已阅读并理解")

# A reminder goes out this many days before the due date (and once more when it has passed).
REMIND_DAYS_BEFORE = 2
ALL = "all"  # a report scope covering every department


# -- obligations ---------------------------------------------------------------------------------


def issued_on(revision) -> date:
    """The local day a revision was issued (imports and bundled files have no issue time:
    their effective date, else the day they were stored)."""
    if revision.issued_at is not None:
        return to_local(revision.issued_at).date()
    if revision.effective_date is not None:
        return revision.effective_date
    return to_local(revision.created_at).date()


@dataclass(frozen=True)
class Obligation:
    """What the required readers of one procedure must have acknowledged."""

    procedure_id: int
    code: str
    title: str
    owner_department: str
    required_departments: tuple[str, ...]
    required_roles: tuple[str, ...]
    current_id: int  # the current revision (what the reader acknowledges)
    label: str
    since_id: int  # the latest substantive issued revision: it started the obligation
    valid_ids: frozenset[int]  # acknowledging any of these counts
    due: date

    def overdue(self, today: date | None = None) -> bool:
        return (today or local_now().date()) > self.due

    def requires(self, user: User) -> bool:
        return _requires(user, self.required_departments, self.required_roles)


def _obligation(procedure: Procedure, revisions: list[Revision]) -> Obligation | None:
    """From a procedure's issued revisions (any order); None without a current revision."""
    issued = sorted((r for r in revisions if r.status in ISSUED), key=lambda r: r.id)
    current = next((r for r in issued if r.status == RevisionStatus.CURRENT), None)
    if current is None:
        return None
    # Revisions are issued in the order they were made (one draft at a time per procedure).
    upto = [r for r in issued if r.id <= current.id]
    substantive = [r for r in upto if r.significance != Significance.EDITORIAL]
    since = substantive[-1] if substantive else upto[0]
    return Obligation(
        procedure_id=procedure.id,
        code=procedure.code,
        title=current.title or procedure.title,
        owner_department=procedure.owner_department,
        required_departments=tuple(procedure.required_departments or ()),
        required_roles=tuple(procedure.required_roles or ()),
        current_id=current.id,
        label=current.label,
        since_id=since.id,
        valid_ids=frozenset(r.id for r in upto if r.id >= since.id),
        due=issued_on(since) + timedelta(days=procedure.reading_days or 0),
    )


def current_procedures() -> list[tuple[Procedure, Revision]]:
    """Every procedure with its current revision, read once per request (the home page's
    待阅读 and 评审到期 panels both start from it)."""
    cache = request.environ if has_request_context() else {}
    if "portal.current_procedures" not in cache:
        query = (
            select(Procedure, Revision)
            .join(Revision, Revision.procedure_id == Procedure.id)
            .where(Revision.status == RevisionStatus.CURRENT)
            .order_by(Procedure.code)
        )
        cache["portal.current_procedures"] = [tuple(row) for row in db.session.execute(query)]
    return cache["portal.current_procedures"]


def obligations(user: User | None = None) -> list[Obligation]:
    """The obligations of the procedures with a current revision and required readers (of
    `user`'s, if given): one statement, two when there are any."""
    procedures = [
        p
        for p, _ in current_procedures()
        if (p.required_departments or p.required_roles) and (user is None or _may_require(user, p))
    ]
    if not procedures:
        return []
    revisions = defaultdict(list)
    for revision in db.session.scalars(
        select(Revision).where(
            Revision.procedure_id.in_([p.id for p in procedures]), Revision.status.in_(ISSUED)
        )
    ):
        revisions[revision.procedure_id].append(revision)
    found = (_obligation(p, revisions[p.id]) for p in procedures)
    return [o for o in found if o is not None]


def _requires(user: User, departments, roles) -> bool:
    """Is the user among the required readers named by these department and role codes?"""
    if not user.active:
        return False
    dept = user.department.code if user.department is not None else None
    return (dept is not None and dept in departments) or bool(user.role_codes & set(roles))


def _may_require(user: User, procedure: Procedure) -> bool:
    return _requires(user, procedure.required_departments or (), procedure.required_roles or ())


def obligation_for(procedure: Procedure) -> Obligation | None:
    return _obligation(procedure, procedure.revisions)


def is_required_reader(user: User, procedure: Procedure) -> bool:
    obligation = obligation_for(procedure)
    return obligation is not None and obligation.requires(user)


def required_readers(obligation: Obligation):
    """The active users who must read a procedure, as a select()."""
    by_role = (
        select(user_roles.c.user_id)
        .join(Role, Role.id == user_roles.c.role_id)
        .where(Role.code.in_(obligation.required_roles))
    )
    return (
        select(User)
        .outerjoin(Department, Department.id == User.department_id)
        .options(contains_eager(User.department))
        .where(
            User.active.is_(True),
            or_(Department.code.in_(obligation.required_departments), User.id.in_(by_role)),
        )
        .order_by(Department.code, User.display_name, User.id)
    )


def _reads(user_ids, revision_ids) -> dict[int, object]:
    """{user id: when they last acknowledged one of these revisions}."""
    user_ids, revision_ids = list(user_ids), list(revision_ids)
    if not user_ids or not revision_ids:
        return {}
    latest: dict[int, object] = {}
    for user_id, at in db.session.execute(
        select(ProcedureRead.user_id, ProcedureRead.at).where(
            ProcedureRead.user_id.in_(user_ids), ProcedureRead.revision_id.in_(revision_ids)
        )
    ):
        if user_id not in latest or at > latest[user_id]:
            latest[user_id] = at
    return latest


# -- the reader ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadingState:
    """The acknowledgement box on a procedure page, for one user."""

    required: bool
    read_at: object | None  # the acknowledgement that still counts
    due: date | None
    overdue: bool
    valid_ids: frozenset[int]  # revisions whose acknowledgement counts


_UNREAD = object()


def reading_state(user: User, procedure: Procedure, read_at=_UNREAD) -> ReadingState | None:
    """`read_at`: the user's latest acknowledgement of the valid revisions, when the caller
    has read it already."""
    obligation = obligation_for(procedure)
    if obligation is None:
        return None
    if read_at is _UNREAD:
        read_at = _reads([user.id], obligation.valid_ids).get(user.id)
    required = obligation.requires(user)
    return ReadingState(
        required=required,
        read_at=read_at,
        due=obligation.due if required else None,
        overdue=required and read_at is None and obligation.overdue(),
        valid_ids=obligation.valid_ids,
    )


def valid_reader_ids(procedure: Procedure, user_ids) -> set[int]:
    """Which of these users hold an acknowledgement of the procedure that still counts."""
    obligation = obligation_for(procedure)
    if obligation is None:
        return set()
    return set(_reads(user_ids, obligation.valid_ids))


@dataclass(frozen=True)
class Pending:
    obligation: Obligation
    overdue: bool


def pending_for(user: User) -> list[Pending]:
    """The current revisions the user must read and has not (three statements), soonest due first."""
    mine = obligations(user)
    if not mine:
        return []
    read = set(
        db.session.scalars(
            select(ProcedureRead.revision_id).where(
                ProcedureRead.user_id == user.id,
                ProcedureRead.revision_id.in_([i for o in mine for i in o.valid_ids]),
            )
        )
    )
    today = local_now().date()
    return sorted(
        (Pending(o, o.overdue(today)) for o in mine if not (o.valid_ids & read)),
        key=lambda p: (p.obligation.due, p.obligation.code),
    )


def acknowledge(user: User, revision: Revision) -> ProcedureRead:
    """已阅读并理解: recorded once per revision, with an audit row."""
    existing = db.session.scalar(
        select(ProcedureRead).where(
            ProcedureRead.revision_id == revision.id, ProcedureRead.user_id == user.id
        )
    )
    if existing is not None:
        return existing
    read = ProcedureRead(user_id=user.id, revision_id=revision.id, at=now())
    db.session.add(read)
    audit.record(
        SUBJECT,
        revision.id,
        "acknowledge",
        user,
        comment=f"已阅读并理解 修订 {revision.label or '—'}",
        data={"revision_id": revision.id},
    )
    return read


def reading_panel(user):
    """Home panel 待阅读: the user's unread required documents with their due dates."""
    from portal.home.services import Panel

    if not getattr(user, "is_authenticated", False):
        return None
    pending = pending_for(user)
    if not pending:
        return None
    items = [
        {
            "label": f"{p.obligation.title}（{p.obligation.code}）",
            "url": path_for("procedures.detail", code=p.obligation.code) + "#ack",
            "meta": f"修订 {p.obligation.label or '—'} · {p.obligation.due.isoformat()} 前阅读",
            "overdue": p.overdue,
        }
        for p in pending
    ]
    return Panel(title="待阅读", items=items, empty="暂无待阅读的制度。", order=15)


# -- reminders -----------------------------------------------------------------------------------


def remind_readers() -> list[str]:
    """The tick's part: each required reader who has not read hears once when the due date is
    near and once when it has passed (dedupe keys per revision)."""
    today = local_now().date()
    lines = []
    for obligation in obligations():
        overdue = obligation.overdue(today)
        if not overdue and (obligation.due - today).days > REMIND_DAYS_BEFORE:
            continue
        readers = list(db.session.scalars(required_readers(obligation)))
        read = _reads([u.id for u in readers], obligation.valid_ids)
        unread = [u for u in readers if u.id not in read]
        if not unread:
            continue
        url = path_for("procedures.detail", code=obligation.code) + "#ack"
        name = f"《{obligation.title}》（{obligation.code}）"
        if overdue:
            message = (
                f"应读制度{name}已超过阅读期限（{obligation.due.isoformat()}），请尽快阅读并确认。"
            )
            key = f"reading-overdue:{obligation.since_id}"
        else:
            message = f"请于 {obligation.due.isoformat()} 前阅读制度{name}并确认。"
            key = f"reading-due:{obligation.since_id}"
        sent = notify(unread, message, kind="reminder", url=url, dedupe_key=key)
        if sent:
            lines.append(f"procedures: reminded {len(sent)} reader(s) of {obligation.code}")
    return lines


# -- who may see the reports ---------------------------------------------------------------------


def headed_departments(user) -> set[str]:
    """Codes of the departments `user` heads."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return {code for code, head in department_heads().items() if head == user.id}


def report_scope(user, procedure: Procedure | None = None) -> str | frozenset[str]:
    """ALL, or the department codes whose readers the user may see (empty: none)."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    if user.is_sysadmin or user.has_role(RoleCode.QUALITY):
        return ALL
    heads = headed_departments(user)
    if procedure is not None and procedure.owner_department in heads:
        return ALL
    return frozenset(heads)


def can_see_reading_report(user, procedure: Procedure | None = None, department: str = "") -> bool:
    """The one rule for the reading reports: sysadmin, the quality role, the head of the
    procedure's owning department, and any department head for their own department."""
    scope = report_scope(user, procedure)
    if scope == ALL:
        return True
    return bool(scope) and (not department or department in scope)


# -- reports -------------------------------------------------------------------------------------


@dataclass
class ReaderRow:
    user: User
    department: str
    read_at: object | None
    overdue: bool

    @property
    def status(self) -> str:
        return "已读" if self.read_at else "未读"


@dataclass
class ReadersReport:
    procedure: Procedure
    obligation: Obligation | None
    rows: list[ReaderRow]
    departments: list[tuple[str, str]]  # (code, name) the user may filter by
    department: str = ""
    status: str = ""
    read_count: int = 0
    total: int = 0


def readers_report(
    procedure: Procedure, user, department: str = "", status: str = ""
) -> ReadersReport:
    """Required readers of the current revision with 已读/未读, limited to what the user may
    see and to the filters (department code, "read" / "unread")."""
    obligation = obligation_for(procedure)
    scope = report_scope(user, procedure)
    names = department_names()
    if obligation is None:
        return ReadersReport(procedure, None, [], [])
    readers = list(db.session.scalars(required_readers(obligation)))
    reads = _reads([u.id for u in readers], obligation.valid_ids)
    overdue = obligation.overdue()
    rows = []
    for reader in readers:
        code = reader.department.code if reader.department is not None else ""
        if scope != ALL and code not in scope:
            continue
        at = reads.get(reader.id)
        rows.append(ReaderRow(reader, names.get(code, code), at, overdue and at is None))
    codes = sorted({r.user.department.code for r in rows if r.user.department is not None})
    report = ReadersReport(
        procedure,
        obligation,
        rows,
        [(c, names.get(c, c)) for c in codes],
        department=department if department in codes else "",
        status=status if status in ("read", "unread") else "",
    )
    report.total = len(rows)
    report.read_count = sum(1 for r in rows if r.read_at)
    if report.department:
        report.rows = [r for r in report.rows if r.user.department.code == report.department]
    if report.status:
        report.rows = [r for r in report.rows if bool(r.read_at) == (report.status == "read")]
    return report


def readers_xlsx(report: ReadersReport) -> bytes:
    procedure = report.procedure
    header = ["姓名", "部门", "状态", "确认时间", "应读期限", "逾期"]
    due = report.obligation.due if report.obligation else None
    rows = [
        [r.user.display_name, r.department, r.status, r.read_at, due, "是" if r.overdue else ""]
        for r in report.rows
    ]
    title = f"{procedure.code} {procedure.title}"
    return xlsx.write([xlsx.Sheet("阅读情况", header, rows, preamble=[([title], True)])])


@dataclass
class DocumentCount:
    obligation: Obligation
    total: int
    read: int

    @property
    def unread(self) -> int:
        return self.total - self.read


@dataclass
class DepartmentReport:
    department: str
    department_name: str
    departments: list[tuple[str, str]]  # the ones the user may choose
    documents: list[DocumentCount] = field(default_factory=list)


def report_departments(user) -> list[tuple[str, str]]:
    scope = report_scope(user)
    names = department_names()
    codes = sorted(names) if scope == ALL else sorted(scope)
    return [(c, names.get(c, c)) for c in codes]


def department_report(department: str, user) -> DepartmentReport:
    """Per department: each document its members must read, with how many of them have."""
    choices = report_departments(user)
    names = dict(choices)
    report = DepartmentReport(department, names.get(department, department), choices)
    if department not in names:
        return report
    members = list(
        db.session.scalars(
            select(User)
            .join(Department, Department.id == User.department_id)
            .where(Department.code == department, User.active.is_(True))
            .options(contains_eager(User.department), selectinload(User.roles))
            .order_by(User.id)
        )
    )
    for obligation in obligations():
        readers = [u for u in members if obligation.requires(u)]
        if not readers:
            continue
        read = _reads([u.id for u in readers], obligation.valid_ids)
        report.documents.append(DocumentCount(obligation, len(readers), len(read)))
    return report


def department_xlsx(report: DepartmentReport) -> bytes:
    header = ["文件编号", "名称", "修订", "应读期限", "应读人数", "已读", "未读"]
    rows = []
    for d in report.documents:
        o = d.obligation
        rows.append([o.code, o.title, o.label, o.due, d.total, d.read, d.unread])
    title = f"{report.department_name} 应读制度阅读情况"
    return xlsx.write([xlsx.Sheet("阅读情况", header, rows, preamble=[([title], True)])])


# -- acknowledgements on the procedure page ------------------------------------------------


@dataclass
class Acknowledgements:
    has_read: bool
    read_at: object | None
    colleagues_read: list[str]
    colleagues_total: int
    # Required reading (procedures/reading.py): must this user read it, by when, and is it late?
    required: bool = False
    due: date | None = None
    overdue: bool = False


def acknowledgements(revision: Revision, user: User) -> Acknowledgements:
    """Whether the user holds an acknowledgement of the procedure that still counts (an
    editorial revision keeps it, a substantive one resets it: procedures/reading.py), and who
    in their department does."""
    obligation = obligation_for(revision.procedure)
    valid = list(obligation.valid_ids) if obligation is not None else [revision.id]
    names: list[str] = []
    total = 0
    read_at = _UNREAD
    if user.department_id is not None:
        # The department's active members with their first and latest acknowledgement, in one
        # statement: the count, the names in the order they read, and the user's own.
        members = db.session.execute(
            select(User.id, User.display_name, func.min(ProcedureRead.at), func.max(ProcedureRead.at))
            .outerjoin(ProcedureRead, and_(ProcedureRead.user_id == User.id,
                                           ProcedureRead.revision_id.in_(valid)))
            .where(User.department_id == user.department_id, User.active)
            .group_by(User.id, User.display_name)
        ).all()  # fmt: skip
        total = len(members)
        readers = sorted((first, name) for _, name, first, _ in members if first is not None)
        names = [name for _, name in readers]
        read_at = next((last for uid, _, _, last in members if uid == user.id), _UNREAD)
    state = reading_state(user, revision.procedure, read_at)
    if state is None:
        return Acknowledgements(False, None, names, total)
    return Acknowledgements(
        state.read_at is not None,
        state.read_at,
        names,
        total,
        required=state.required,
        due=state.due,
        overdue=state.overdue,
    )


def read_revision_ids(user: User, revision_ids: Iterable[int]) -> set[int]:
    ids = list(revision_ids)
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(ProcedureRead.revision_id).where(
                ProcedureRead.user_id == user.id, ProcedureRead.revision_id.in_(ids)
            )
        )
    )
