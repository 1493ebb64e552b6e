"""Registers (登记簿): one generic page per form type with filters, sorting, pagination and
exports (CSV with BOM for Excel, XLSX, landscape PDF with the header row on every page).

A domain declares a `Register` (its columns and base query) and its views call `render()`
and `export()`; the same URL answers htmx with the table partial and browsers with the page.
"""

from __future__ import annotations

import csv
import io
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import Response, current_app, request, url_for
from flask_login import current_user
from sqlalchemy import Date, DateTime, Enum, Integer, Select, String, and_, func, or_, select
from sqlalchemy.types import TypeDecorator

from portal.auth.models import User
from portal.core import prefetch, xlsx
from portal.core.clock import local_now, local_zone, now
from portal.core.downloads import CSV, PDF, XLSX, download
from portal.core.guards import INT_MAX, to_int
from portal.core.htmx import page_or_partial
from portal.core.pagination import MAX_PAGE
from portal.core.types import UTCDateTime
from portal.core.values import text
from portal.extensions import db

EXPORT_LIMIT = 50_000
# Years a date filter may name (wider than the forms' years: old records may be imported).
FILTER_YEARS = (1900, 2999)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    value: Callable[[Any], Any]  # row -> plain value (str, number, datetime, None)
    sort: Any = None  # SQL expression to ORDER BY, when sortable
    width: int = 12  # XLSX column width
    custom: bool = False  # drawn by the domain's `cell` block (see registers/_table.html)


@dataclass(frozen=True)
class Register:
    key: str  # blueprint name, e.g. "seals"
    title: str  # e.g. 印章使用登记表
    columns: tuple[Column, ...]
    base_query: Callable[[Any], Select]  # (user) -> select of rows the user may see
    date_column: Any
    department_column: Any = None
    status_column: Any = None
    status_choices: tuple[tuple[str, str], ...] = ()
    text_columns: tuple[Any, ...] = ()
    search_hint: str = "编号…"  # the keyword box's placeholder: what text_columns hold
    default_sort: Any = None
    row_class: Callable[[Any], str] = lambda row: ""
    row_url: Callable[[Any], str | None] = lambda row: None
    link_column: str = ""  # key of the column that links to row_url (default: the first)
    tiebreak: Any = None  # a unique column: rows with equal sort keys keep their page
    extra_filters: dict = field(default_factory=dict)
    # Deep pages are read after the previous page's last (sort key, tiebreak) instead of by
    # OFFSET (see `fetch_page`); False where base_query orders the rows itself.
    keyset: bool = True


@dataclass
class Filters:
    date_from: date | None = None
    date_to: date | None = None
    department_id: int | None = None
    status: str = ""
    q: str = ""
    sort: str = ""
    desc: bool = True
    errors: dict[str, str] = field(default_factory=dict)

    def args(self) -> dict:
        return {k: v for k, v in {
            "date_from": self.date_from, "date_to": self.date_to, "department_id": self.department_id,
            "status": self.status, "q": self.q,
        }.items() if v}  # fmt: skip


def _parse_date(value: str, name: str, errors: dict) -> date | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        errors[name] = "日期格式应为 YYYY-MM-DD。"
        return None
    if not FILTER_YEARS[0] <= day.year <= FILTER_YEARS[1]:  # 0001 or 9999 overflow in UTC
        errors[name] = f"年份应在 {FILTER_YEARS[0]} 到 {FILTER_YEARS[1]} 之间。"
        return None
    return day


def parse_filters(args) -> Filters:
    errors: dict[str, str] = {}
    filters = Filters(
        date_from=_parse_date(args.get("date_from", ""), "date_from", errors),
        date_to=_parse_date(args.get("date_to", ""), "date_to", errors),
        department_id=to_int(args.get("department_id")),
        status=args.get("status", ""),
        q=args.get("q", "").strip()[:100],
        sort=args.get("sort", ""),
        desc=args.get("dir", "desc") != "asc",
        errors=errors,
    )
    if filters.date_from and filters.date_to and filters.date_to < filters.date_from:
        errors["date_to"] = "结束日期不能早于开始日期。"
    return filters


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), local_zone())


def filter_carrier(report_filters: dict[str, tuple[str, tuple[str, ...]]]) -> Callable:
    """A blueprint's url_defaults: the export links that registers/_table.html builds from the
    shared filters (date, department, status, keyword) also carry a page's own filters.
    `report_filters`: page endpoint -> (its export endpoint, the query arguments carried)."""

    def carry_filters(endpoint: str, values: dict) -> None:
        for page, (export_endpoint, keys) in report_filters.items():
            if endpoint == export_endpoint and request.endpoint == page:
                for key in keys:
                    if request.args.get(key):
                        values.setdefault(key, request.args[key])

    return carry_filters


def build_query(register: Register, filters: Filters, user) -> Select:
    query = register.base_query(user)
    if filters.date_from:
        query = query.where(register.date_column >= _local_midnight(filters.date_from))
    if filters.date_to:
        query = query.where(
            register.date_column < _local_midnight(filters.date_to + timedelta(days=1))
        )
    if filters.department_id and register.department_column is not None:
        query = query.where(register.department_column == filters.department_id)
    if filters.status and register.status_column is not None:
        query = query.where(register.status_column == filters.status)
    if filters.q and register.text_columns:
        pattern = f"%{filters.q}%"
        query = query.where(or_(*(c.ilike(pattern) for c in register.text_columns)))
    return query.order_by(*_order(register, filters))


def _sort_column(register: Register, filters: Filters):
    sortable = {c.key: c.sort for c in register.columns if c.sort is not None}
    return sortable.get(
        filters.sort,
        register.default_sort if register.default_sort is not None else register.date_column,
    )


def _order(register: Register, filters: Filters, desc: bool | None = None) -> list:
    desc = filters.desc if desc is None else desc
    column = _sort_column(register, filters)
    order = [column.desc() if desc else column.asc()]
    if register.tiebreak is not None:
        order.append(register.tiebreak.desc() if desc else register.tiebreak.asc())
    return order


def display(value) -> str:
    """A cell as the page, the CSV and the PDF show it (see core/values.py)."""
    return text(value)


def table_rows(register: Register, items: list) -> list[tuple]:
    """(item, its URL, its row class, its cells' text) for each item: worked out here in one
    pass rather than by a template call per cell (a Jinja call costs several Python ones).
    Custom columns are left to the template's `cell` block (None here)."""
    columns = [(c.value, c.custom) for c in register.columns]
    return [
        (
            item,
            register.row_url(item),
            register.row_class(item),
            [None if custom else text(value(item)) for value, custom in columns],
        )
        for item in items
    ]


def render(
    register: Register, args, page_template: str, partial: str = "registers/_table.html", **context
):
    """The register page (or its table partial for htmx). A domain may pass its own partial
    that extends registers/_table.html."""
    filters = parse_filters(args)
    departments = _departments()
    query = build_query(register, filters, current_user)
    key = _count_key(register, filters)
    recent = _recent_count(key)
    # Counted in the page's own statement (a scalar subquery the database runs once), unless a
    # recent count of a large register stands in for it.
    counter = None if recent is not None else count_query(query).scalar_subquery()
    page = fetch_page(register, filters, query, args, per_page=PER_PAGE, count=counter)
    if recent is not None:
        page.total, page.approximate = recent, True
    else:
        if page.total is None:  # an empty page: no row to carry the count
            page.total = db.session.scalar(count_query(query))
        _keep_count(key, page.total)
    # The people the rows name (applicants, approvers, keepers) in one statement, not per row.
    prefetch.referenced(User)
    page.rows = table_rows(register, page.items)
    return page_or_partial(
        page_template,
        partial,
        status=422 if filters.errors else 200,
        register=register,
        filters=filters,
        page=page,
        departments=departments,
        display=display,
        register_url=register_url,
        **context,
    )


# --- pages ------------------------------------------------------------------------------------
# A page is read by the sort key (e.g. stamped_at, id) of the row before it: ?after=<id>:<key>
# for the next page, ?before=<id>:<key> for the previous one, ?page=N only numbers the page. The
# database walks its index from that key instead of reading and dropping N pages (OFFSET), so a
# deep page costs what the first does. A bare ?page=N (a hand-made link) is read by OFFSET.

PER_PAGE = 50
_PAGING = ("page", "after", "before")
_CURSOR_CHARS = 300


@dataclass
class RegisterPage:
    """One page of a register: its rows, its number, the count and the links to the pages
    beside it (None where there is none)."""

    items: list
    page: int
    per_page: int
    total: int | None = None
    approximate: bool = False
    prev_url: str | None = None
    next_url: str | None = None
    rows: list = field(default_factory=list)  # table_rows(): what the table shows of each item

    @property
    def pages(self) -> int:
        return max(1, -(-(self.total or 0) // self.per_page))


@dataclass(frozen=True)
class Cursor:
    """A row's place in the order: its tiebreak and its sort key (None for NULL)."""

    id: int
    key: Any


def _key_kind(column) -> str | None:
    """How a sort key of `column` travels in a URL; None where it cannot (the page is then read
    by OFFSET): only types whose text form reads back as what the column binds."""
    type_ = column.type
    if isinstance(type_, UTCDateTime):
        return "utc"
    if isinstance(type_, TypeDecorator | Enum):
        return None
    if isinstance(type_, Date) and not isinstance(type_, DateTime):
        return "date"
    if isinstance(type_, Integer):
        return "int"
    if isinstance(type_, String):
        return "str"
    return None


def _key_text(key, kind: str) -> str:
    return key.isoformat() if kind in ("utc", "date") else str(key)


def _parse_key(text: str, kind: str):
    if kind == "utc":
        value = datetime.fromisoformat(text)
        if value.tzinfo is None:
            raise ValueError(text)
        return value.astimezone(UTC)  # OverflowError at the calendar's ends
    if kind == "date":
        return date.fromisoformat(text)
    if kind == "int":
        value = int(text)
        if abs(value) > INT_MAX:
            raise ValueError(text)
        return value
    if "\x00" in text:  # PostgreSQL refuses NUL in text
        raise ValueError(text)
    return text


def cursor_arg(cursor: Cursor, kind: str) -> str:
    if cursor.key is None:
        return str(cursor.id)
    return f"{cursor.id}:{_key_text(cursor.key, kind)}"


def parse_cursor(text: str, kind: str, nullable: bool = True) -> Cursor | None:
    """The cursor of ?after= or ?before=, or None for one that is not this sort's."""
    if not text or len(text) > _CURSOR_CHARS:
        return None
    head, colon, rest = text.partition(":")
    try:
        row_id = int(head)
        key = _parse_key(rest, kind) if colon else None
    except (ValueError, OverflowError):
        return None
    if abs(row_id) > INT_MAX or (key is None and not nullable):
        return None
    return Cursor(row_id, key)


def _nullable(column) -> bool:
    expression = getattr(column, "expression", column)  # an ORM attribute's Column
    return getattr(expression, "nullable", True) is not False


def _nulls_last(desc: bool) -> bool:
    """Where the database puts NULL keys in this direction: SQLite takes NULL as the smallest
    value, PostgreSQL as the largest."""
    smallest = db.session.get_bind().dialect.name != "postgresql"
    return desc if smallest else not desc


def _walk(query: Select, column, tie, cursor: Cursor, desc: bool, limit: int) -> list:
    """Up to `limit` rows after `cursor` in the order (column, tie), descending or ascending.

    NULL keys sort before or after the others (by database), so the order is two runs: the
    rest of the cursor's run, then the next run, each read as an index range: `key <= k AND
    (key < k OR id < i)` rather than one OR over both runs, which no index serves."""
    nullable = _nullable(column)
    runs = ["value", "null"] if _nulls_last(desc) else ["null", "value"]
    if not nullable:
        runs = ["value"]
    ahead = (lambda a, b: a < b) if desc else (lambda a, b: a > b)
    order = [column.desc(), tie.desc()] if desc else [column.asc(), tie.asc()]
    start = runs.index("null" if cursor.key is None else "value")
    rows: list = []
    for run in runs[start:]:
        first = run == runs[start]
        if run == "null":
            where = column.is_(None)
            if first:
                where = and_(where, ahead(tie, cursor.id))
        elif first:
            edge = column <= cursor.key if desc else column >= cursor.key
            where = and_(edge, or_(ahead(column, cursor.key), ahead(tie, cursor.id)))
        else:
            where = column.is_not(None)
        rows += (
            db.session.execute(
                query.order_by(None).where(where).order_by(*order).limit(limit - len(rows))
            )
            .unique()
            .all()
        )
        if len(rows) >= limit:
            break
    return rows


def register_url(**updates) -> str:
    """This register page's URL with `updates` (a sort, a page), without the paging arguments
    of the page shown: a new sort or filter starts at page 1."""
    path_args = request.view_args or {}
    args = {
        k: v
        for k, v in request.args.items()
        if k not in path_args and k not in _PAGING and k != "endpoint" and not k.startswith("_")
    }
    args.update({k: v for k, v in updates.items() if v is not None})
    return url_for(request.endpoint, **path_args, **args)


def fetch_page(
    register: Register,
    filters: Filters,
    query: Select,
    args,
    per_page: int = PER_PAGE,
    count: Any = None,
) -> RegisterPage:
    """The page of `query` (ordered by build_query) that `args` ask for: after or before a
    cursor, else by its number (OFFSET). The links to the pages beside it carry cursors.
    `count`: a scalar subquery read with the rows into `total` (None if there is no row)."""
    number = min(max(to_int(args.get("page")) or 1, 1), MAX_PAGE)
    column, tie = _sort_column(register, filters), register.tiebreak
    kind = _key_kind(column) if register.keyset and tie is not None else None
    if kind is None or not isinstance(tie.type, Integer):
        return _offset_page(query, number, per_page, count)
    keyed = query.add_columns(column, tie)
    if count is not None:
        keyed = keyed.add_columns(count)
    nullable = _nullable(column)
    after = before = None
    if number > 1:
        after = parse_cursor(args.get("after", ""), kind, nullable)
        before = None if after else parse_cursor(args.get("before", ""), kind, nullable)
    if before:
        rows = _walk(keyed, column, tie, before, not filters.desc, per_page + 1)[::-1]
        has_prev, has_next = len(rows) > per_page, True
        rows = rows[-per_page:]
        if not has_prev:  # rows came or went since: this is the first page now
            number = 1
    elif after:
        rows = _walk(keyed, column, tie, after, filters.desc, per_page + 1)
        has_prev, has_next = True, len(rows) > per_page
        rows = rows[:per_page]
    else:
        rows = (
            db.session.execute(keyed.offset((number - 1) * per_page).limit(per_page + 1))
            .unique()
            .all()
        )
        has_prev, has_next = number > 1, len(rows) > per_page
        rows = rows[:per_page]
    page = RegisterPage([row[0] for row in rows], number, per_page)
    if count is not None and rows:
        page.total = rows[0][3]
    if has_prev:
        if number == 2 or not rows:
            page.prev_url = register_url(page=number - 1 if number > 2 else None)
        else:
            first = Cursor(rows[0][2], rows[0][1])
            page.prev_url = register_url(page=number - 1, before=cursor_arg(first, kind))
    if has_next:
        last = Cursor(rows[-1][2], rows[-1][1])
        page.next_url = register_url(page=number + 1, after=cursor_arg(last, kind))
    return page


def _offset_page(query: Select, number: int, per_page: int, count=None) -> RegisterPage:
    if count is not None:
        query = query.add_columns(count)
    rows = db.session.execute(query.offset((number - 1) * per_page).limit(per_page + 1))
    rows = rows.unique().all()
    items = [row[0] for row in rows]
    page = RegisterPage(items[:per_page], number, per_page)
    if count is not None and rows:
        page.total = rows[0][1]
    if number > 1:
        page.prev_url = register_url(page=number - 1 if number > 2 else None)
    if len(items) > per_page:
        page.next_url = register_url(page=number + 1)
    return page


# Up to this many rows a register counts them on every view; beyond, a count is reused for
# COUNT_TTL and shown as 约 (a count of 100,000 rows costs 20-60 ms on SQLite).
EXACT_COUNT_LIMIT = 10_000
COUNT_TTL = timedelta(minutes=1)
_COUNTS_KEPT = 2_000
_counts: OrderedDict[tuple, tuple[int, datetime]] = OrderedDict()
_counts_lock = threading.Lock()


def count_query(query: Select) -> Select:
    return select(func.count()).select_from(query.order_by(None).subquery())


def _count_key(register: Register, filters: Filters) -> tuple:
    return (register.key, current_user.get_id(), tuple(sorted(map(str, filters.args().items()))))


def _recent_count(key: tuple) -> int | None:
    """A large register's count taken less than COUNT_TTL ago (shown as 约), else None."""
    with _counts_lock:
        kept = _counts.get(key)
    if kept is not None and now() - kept[1] < COUNT_TTL:
        return kept[0]
    return None


def _keep_count(key: tuple, total: int) -> None:
    with _counts_lock:
        if total > EXACT_COUNT_LIMIT:
            _counts[key] = (total, now())
            _counts.move_to_end(key)
            while len(_counts) > _COUNTS_KEPT:
                _counts.popitem(last=False)
        else:
            _counts.pop(key, None)


def forget_counts() -> None:
    with _counts_lock:
        _counts.clear()


def _departments() -> list[tuple[int, str]]:
    """The department filter's choices; the departments stay loaded for the rows that name
    them (few, and on every register page anyway)."""
    from portal.auth.services import list_departments

    rows = db.session.scalars(list_departments()).all()
    prefetch.keep(rows)
    return [(d.id, f"{d.name}（{d.code}）") for d in rows]


def rows_for_export(register: Register, args) -> tuple[list[list], Filters]:
    """The filtered rows as typed values (numbers, dates, core.values wrappers)."""
    filters = parse_filters(args)
    rows = db.session.scalars(
        build_query(register, filters, current_user).limit(EXPORT_LIMIT)
    ).all()
    return [[c.value(row) for c in register.columns] for row in rows], filters


def export(register: Register, fmt: str, args) -> Response:
    rows, filters = rows_for_export(register, args)
    name = f"{register.key}-register-{local_now():%Y%m%d-%H%M}"
    if fmt == "xlsx":
        return download(_xlsx(register, rows), XLSX, f"{name}.xlsx")
    shown = [[display(v) for v in row] for row in rows]
    if fmt == "csv":
        return download(_csv(register, shown), CSV, f"{name}.csv")
    return download(_pdf(register, shown, filters), PDF, f"{name}.pdf")


# A plain number ("-12", "-1,280.50", "92.5%") is no formula: it stays a number in Excel.
_PLAIN_NUMBER = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?%?")


def csv_cell(value: str) -> str:
    """A cell a spreadsheet shows as typed (OWASP CSV injection): text that starts with
    = + - @, a tab, CR or LF gets a leading single quote, so it is never evaluated as a formula
    or a DDE call; plain numbers are left alone."""
    if value.startswith(xlsx.FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def _csv(register: Register, rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    # Every field quoted: a ; or , inside a value cannot start a new cell (in a locale whose
    # list separator is ;) that begins with a formula.
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    writer.writerow([csv_cell(c.label) for c in register.columns])
    writer.writerows([csv_cell(v) for v in row] for row in rows)
    # The BOM makes Excel read the file as UTF-8 instead of the local ANSI code page.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx(register: Register, rows: list[list]) -> bytes:
    header = [c.label for c in register.columns]
    widths = [c.width for c in register.columns]
    return xlsx.write([xlsx.Sheet(register.title, header, rows, widths)])


# What a PDF cell never breaks, and what sets a column's least width: dates and times,
# numbers, record numbers and codes.
_UNBREAKABLE = re.compile(
    r"\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2}(?::\d{2})?)?"  # 2026-12-07 13:35
    r"|\d{2}-\d{2} \d{2}:\d{2}"  # 12-07 13:35
    r"|[A-Za-z0-9]+(?:[-/.][A-Za-z0-9]+)+"  # KS-202612-0002, RF-08, 1,280.50
    r"|[-+]?\d[\d,]*(?:\.\d+)?%?"
)
# The register table's line on landscape A4 (273 mm), less each cell's padding; the type is
# the largest of _PDF_SIZES (points) at which every row fits in two lines where it can.
_LINE_MM = 273
_PADDING_MM = 1.4
_PDF_SIZES = (8.0, 7.5, 7.0, 6.5, 6.0)
_WRAP_AT = 48  # half-em units: longer text wraps to more lines rather than crowd the others


def _units(value: str) -> float:
    """Width in half-ems: a Chinese character 2, a digit or capital letter a little over 1."""
    return sum(
        2 if ord(ch) >= 0x2E80 else 1.2 if ch.isdigit() or ch.isupper() else 1 for ch in value
    )


def pdf_cell(value: str) -> str:
    """A PDF cell whose dates and times never break: the space inside "2026-12-07 13:35" is a
    no-break space (a line never breaks inside a number or after its hyphens anyway, UAX #14).
    Plain text, not spans: an element per cell more costs a third of the render."""
    return _UNBREAKABLE.sub(lambda m: m.group().replace(" ", "\u00a0"), value)


def pdf_layout(labels: list[str], rows: list[list[str]]) -> tuple[float, list[float]]:
    """(type size in points, column widths in percent) from the content, in half-em units (a
    digit about one, a Chinese character two): each column at least as wide as its longest
    date, number or code and as its longest text on two or three lines; what is left goes to the
    columns whose text would otherwise wrap the most."""
    least, wanted = [], []
    for i, label in enumerate(labels):
        values = [row[i] for row in rows]
        token = max(
            (_units(m.group()) for v in values for m in _UNBREAKABLE.finditer(v)), default=0
        )
        longest = min(max((_units(v) for v in values), default=0), _WRAP_AT)
        # Short text on one line, longer on two, the longest on three (with room for where a
        # line may break).
        lines = longest if longest <= 10 else longest / (2 if longest <= 36 else 3) + 2
        low = max(token, lines, min(_units(label), 8), 4)
        least.append(low)
        wanted.append(max(low, longest, min(_units(label), 12)))
    for size in _PDF_SIZES:
        room = (_LINE_MM - _PADDING_MM * len(labels)) / (size * 0.3528 / 2)
        if sum(least) <= room:
            break
    if sum(wanted) <= room:
        units = wanted
    elif sum(least) < room:
        spare = room - sum(least)
        stretch = sum(w - lo for w, lo in zip(wanted, least, strict=True))
        units = [lo + spare * (w - lo) / stretch for w, lo in zip(wanted, least, strict=True)]
    else:
        units = least
    total = sum(units) or 1
    return size, [100 * u / total for u in units]


def _pdf(register: Register, rows: list[list[str]], filters: Filters) -> bytes:
    from portal.pdf import render_pdf

    labels = {
        "date_from": "起始日期",
        "date_to": "截止日期",
        "department_id": "部门",
        "status": "状态",
        "q": "关键词",
    }
    size, widths = pdf_layout([c.label for c in register.columns], rows)
    return render_pdf(
        "pdf/register.html",
        {
            "company": current_app.config["COMPANY_NAME"],
            "title": register.title,
            "filters": [{"label": labels[k], "value": v} for k, v in filters.args().items()],
            "columns": [
                {"label": c.label, "width": f"{w:.2f}%"}
                for c, w in zip(register.columns, widths, strict=True)
            ],
            "rows": [[pdf_cell(v) for v in row] for row in rows],
            "font_size": size,
            "summary": f"共 {len(rows)} 条",
            "printed_at": local_now().strftime("%Y-%m-%d %H:%M"),
        },
    )
