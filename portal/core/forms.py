"""Form primitives every domain shares: the form base (Chinese messages, a stale CSRF token
answered beside the form with the user's values kept), date and date-time fields with one clock
slack and sane bounds, whole numbers that may be blank, money, text helpers, and line items
(rows added and removed with htmx, or with plain submit buttons without JavaScript).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import ClassVar

from flask import abort, request
from flask_wtf import FlaskForm
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms import (
    DateField,
    DecimalField,
    FieldList,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import DateTimeLocalField
from wtforms.fields.choices import Choice
from wtforms.i18n import get_translations
from wtforms.validators import DataRequired, InputRequired, Length, StopValidation

from portal.core.clock import local_now, local_zone, now
from portal.extensions import csrf

CSRF_MESSAGE = "页面已过期或缺少安全令牌，未保存。请检查内容后重新提交（附件需重新选择）。"
# Leeway for clocks: "now" typed into a form is a little in the past by the time it arrives,
# and a browser's clock may run a little ahead of ours.
CLOCK_SLACK = timedelta(minutes=5)
# No date before or after these is a real date in this portal (typos such as 0202 or 9999).
EARLIEST_YEAR, LATEST_YEAR = 2000, 2099
# Whole numbers and amounts in fen are INTEGER columns, 32-bit on PostgreSQL.
MAX_WHOLE = 2**31 - 1
# The largest count (pieces, sheets) a form takes, below MAX_WHOLE and easy to read.
MAX_COUNT = 99_999_999
# The largest amount a fen column holds, rounded down (MoneyField's `maximum` for such columns).
MAX_AMOUNT = "9999999.99"
# Bounds for `earliest`/`latest` of the date fields below.
NOW = timedelta(0)
A_YEAR = timedelta(days=366)


class PortalForm(FlaskForm):
    """WTForms' own messages in Chinese, and a Chinese CSRF message shown above the form."""

    class Meta:
        def get_translations(self, form):
            return get_translations(["zh"])

        def wrap_formdata(self, form, formdata):
            """htmx sends the token in the X-CSRFToken header (hx-headers on <body>), which
            the global check reads; give it to the form's own check too."""
            data = super().wrap_formdata(form, formdata)
            header = request.headers.get("X-CSRFToken") if request else None
            if data is not None and header and "csrf_token" not in data:
                data = CombinedMultiDict((data, MultiDict({"csrf_token": header})))
            return data

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        self._translate_csrf()
        return ok

    def validate_only(self, *names: str) -> bool:
        """Validate the CSRF token and the named fields only (a page with two forms: e.g. the
        keeper's stamping and refusal post to one URL, each with its own fields)."""
        ok = True
        wanted = [*names, "csrf_token"] if self.meta.csrf else list(names)
        for name in wanted:
            field = self[name]
            inline = getattr(self, f"validate_{name}", None)
            ok = field.validate(self, [inline] if inline else []) and ok
        self._translate_csrf()
        return ok

    def _translate_csrf(self) -> None:
        if self.meta.csrf and self.csrf_token.errors:
            self.csrf_token.errors = [CSRF_MESSAGE]

    def cleaned(self, *names: str) -> dict:
        """The named fields' values for a service: text stripped, "" for a missing text."""
        values = {}
        for name in names:
            field, value = self[name], self[name].data
            if isinstance(value, str):
                value = value.strip()
            elif value is None and isinstance(field, StringField | SelectField):
                value = "" if getattr(field, "coerce", str) is str else None
            values[name] = value
        return values

    @property
    def messages(self) -> list[str]:
        """Errors that belong to no visible field (CSRF, a refusal from the service)."""
        found = list(self.form_errors)
        if self.meta.csrf:
            found += list(self.csrf_token.errors)
        return found


class DraftForm(PortalForm):
    """A form that may be saved as a draft half filled in: `REQUIRED_TO_SUBMIT` (field name ->
    message) is asked for only when the user submits (`intent=submit`) or when htmx checks one
    field (`_validate`, which shows what a submit would say). Whole numbers are checked for
    presence (0 is a value), everything else for content."""

    REQUIRED_TO_SUBMIT: ClassVar[dict[str, str]] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.REQUIRED_TO_SUBMIT:  # the * beside the label (forms are `novalidate`)
            self[name].flags.required = True
        form = request.form if request else {}
        self.submitting = form.get("intent") == "submit" or "_validate" in form

    def validate(self, extra_validators=None) -> bool:
        extra = {name: list(v) for name, v in (extra_validators or {}).items()}
        if self.submitting:
            for name, message in self.REQUIRED_TO_SUBMIT.items():
                numeric = isinstance(self[name], IntegerField | DecimalField)
                rule = InputRequired(message) if numeric else DataRequired(message)
                extra.setdefault(name, []).insert(0, rule)
        return super().validate(extra)


def checked_field(form) -> str | None:
    """For htmx's check of one field as the user types (`_validate=<name>`): validate the
    form and return that field's name, or None when this is not such a request (unknown names
    are a bad request). The view renders just that field."""
    name = request.form.get("_validate") if request.method == "POST" else None
    if name is None:
        return None
    if name not in form._fields:
        abort(400)
    form.validate()
    return name


def csrf_in_form(view):
    """Let the view's PortalForm check the CSRF token instead of the global check before the
    request, so that a stale or missing token comes back beside the form with the user's values
    kept. Only for views that validate a PortalForm before they change anything."""
    csrf.exempt(view)
    return view


def initial(data: dict) -> dict | None:
    """Values for a form's first display. A POST is read only from what was posted, so a field
    missing from the request is missing, not quietly taken from the record."""
    return None if request.method == "POST" else data


def clean(field) -> str:
    """A text field's value without surrounding spaces ("" when it was not posted)."""
    return (field.data or "").strip()


def text(label: str, required: str | None = None, max_len: int = 4000, **kw) -> TextAreaField:
    validators = [DataRequired(required)] if required else []
    return TextAreaField(
        label, validators=[*validators, Length(max=max_len, message=f"最多 {max_len} 字。")], **kw
    )


def line(label: str, required: str | None = None, max_len: int = 120, **kw) -> StringField:
    validators = [DataRequired(required)] if required else []
    return StringField(
        label, validators=[*validators, Length(max=max_len, message=f"最多 {max_len} 字。")], **kw
    )


class PickField(SelectField):
    """A `<select>` that starts on an empty 请选择 option, so nobody sends the first person or
    department of the list by accident (and a required select is valid HTML). The blank option
    is no value (data None: the field's DataRequired message says what is missing); a value not
    in the list gets `invalid_message`, in Chinese, rather than WTForms' own."""

    def __init__(self, label=None, validators=None, *, placeholder: str = "请选择",
                 coerce=int, invalid_message: str = "请从列表中选择。", **kwargs):  # fmt: skip
        kwargs.setdefault("invalid_choice_message", invalid_message)
        kwargs.setdefault("invalid_value_message", invalid_message)
        super().__init__(label, validators, coerce=coerce, **kwargs)
        self.placeholder = placeholder

    def process_formdata(self, valuelist):
        if valuelist and valuelist[0].strip() == "":
            self.data = None
            return
        super().process_formdata(valuelist)

    def iter_choices(self):
        blank = Choice("", self.placeholder, self.data in (None, ""), {})
        return [blank, *super().iter_choices()]

    def iter_groups(self):
        yield None, [Choice("", self.placeholder, self.data in (None, ""), {})]
        yield from super().iter_groups()

    def pre_validate(self, form):
        if self.process_errors:  # not a number: say so, not that the field is empty
            raise StopValidation()
        if self.data in (None, ""):
            return
        super().pre_validate(form)


class CountField(IntegerField):
    """A whole number that may be left blank (data None); `required` names the message for a
    blank value ("请填写份数。"), `minimum`/`maximum` bound it."""

    def __init__(self, label=None, validators=None, *, required=None, minimum=None,
                 maximum=None, **kwargs):  # fmt: skip
        super().__init__(label, validators, **kwargs)
        self.required_message, self.minimum, self.maximum = required, minimum, maximum
        if required:
            self.flags.required = True

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = int(valuelist[0].strip())
        except ValueError as exc:
            self.data = None
            raise ValueError("请填写整数。") from exc

    def post_validate(self, form, validation_stopped):
        if validation_stopped or self.errors:
            return
        if self.data is None:
            if self.required_message:
                self.errors.append(self.required_message)
            return
        low, high = self.minimum, self.maximum
        if (low is not None and self.data < low) or (high is not None and self.data > high):
            self.errors.append(_range_message(self.label.text, low, high))
        elif not -MAX_WHOLE <= self.data <= MAX_WHOLE:  # beyond any column, whatever the bounds
            self.errors.append(f"{self.label.text}超出范围。")


def _range_message(label: str, low, high) -> str:
    if low is not None and high is not None:
        return f"{label}应在 {low} 到 {high} 之间。"
    return f"{label}不能小于 {low}。" if low is not None else f"{label}不能大于 {high}。"


def local_now_minute() -> datetime:
    return local_now().replace(second=0, microsecond=0)


def _span(delta: timedelta) -> str:
    days = abs(delta).days
    return f"{days} 天" if days else f"{int(abs(delta).total_seconds() // 3600)} 小时"


class _Bounded:
    """Bounds relative to now: `earliest`/`latest` are offsets (timedelta(0) = now; a negative
    offset is in the past); None leaves that side open, except for the portal's year range."""

    DEFAULTS: ClassVar[dict] = {}
    FUTURE = ""

    def __init__(self, label=None, validators=None, *, earliest: timedelta | None = None,
                 latest: timedelta | None = None, future_message: str | None = None, **kwargs):  # fmt: skip
        super().__init__(label, validators, **{**self.DEFAULTS, **kwargs})
        self.earliest, self.latest = earliest, latest
        self.future_message = future_message or self.FUTURE

    def process_formdata(self, valuelist):
        """A blank input is no value (data None), not a format error."""
        if not valuelist or not "".join(valuelist).strip():
            self.data = None
            return
        super().process_formdata(valuelist)

    def _bound_errors(self, value: datetime, show: str) -> str | None:
        if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
            return f"年份应在 {EARLIEST_YEAR} 到 {LATEST_YEAR} 之间，请核对日期。"
        current = now()
        if self.latest is not None and value > current + self.latest + CLOCK_SLACK:
            if self.latest == timedelta(0):
                return "时间不能晚于现在。"
            limit = (current + self.latest).astimezone(local_zone()).strftime(show)
            return f"不能晚于 {limit}（{_span(self.latest)}以内）。"
        if self.earliest is not None and value < current + self.earliest - CLOCK_SLACK:
            if self.earliest == timedelta(0):
                return self.future_message
            limit = (current + self.earliest).astimezone(local_zone()).strftime(show)
            return f"不能早于 {limit}。"
        return None


class LocalDateTimeField(_Bounded, DateTimeLocalField):
    """`<input type=datetime-local>` in the business time zone; data is an aware datetime."""

    DEFAULTS: ClassVar[dict] = {
        "format": "%Y-%m-%dT%H:%M",
        "invalid_value_message": "时间格式应为 年-月-日 时:分。",
    }
    FUTURE = "时间必须晚于现在。"

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None:
            self.data = self.data.replace(tzinfo=local_zone())

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.astimezone(local_zone()).strftime(self.format[0]) if self.data else ""

    def post_validate(self, form, validation_stopped):
        if validation_stopped or self.errors or self.data is None:
            return
        message = self._bound_errors(self.data, "%Y-%m-%d %H:%M")
        if message:
            self.errors.append(message)


class LocalDateField(_Bounded, DateField):
    """A date (`<input type=date>`), bounded like LocalDateTimeField (a date counts as its whole
    day: "not before today" accepts today)."""

    DEFAULTS: ClassVar[dict] = {"format": "%Y-%m-%d"}
    FUTURE = "日期不能早于今天。"

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError("日期格式应为 年-月-日。") from exc

    def post_validate(self, form, validation_stopped):
        if validation_stopped or self.errors or self.data is None:
            return
        message = None
        current = now().astimezone(local_zone())
        if not EARLIEST_YEAR <= self.data.year <= LATEST_YEAR:
            message = f"年份应在 {EARLIEST_YEAR} 到 {LATEST_YEAR} 之间，请核对日期。"
        elif self.latest is not None and self.data > (current + self.latest).date():
            limit = (current + self.latest).date()
            message = "日期不能晚于今天。" if self.latest == timedelta(0) else f"不能晚于 {limit}。"
        elif self.earliest is not None and self.data < (current + self.earliest).date():
            limit = (current + self.earliest).date()
            message = (
                self.future_message if self.earliest == timedelta(0) else f"不能早于 {limit}。"
            )
        if message:
            self.errors.append(message)


def today() -> date:
    return local_now().date()


class MoneyField(DecimalField):
    """An amount in 元 with two decimals; `fen` gives it in 分 (what the models store)."""

    def __init__(self, label=None, validators=None, *, minimum: str = "0.01",
                 maximum: str = "99999999.99", **kwargs):  # fmt: skip
        kwargs.setdefault("places", 2)
        super().__init__(label, validators, **kwargs)
        self.minimum, self.maximum = Decimal(minimum), Decimal(maximum)

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        raw = valuelist[0].strip().replace(",", "").replace("，", "").removeprefix("¥")
        try:
            self.data = finite_decimal(raw, "金额格式不正确，请填写数字，例如 1280.50。")
        except ValueError:
            self.data = None
            raise
        # Far out of range (1e30) is post_validate's to refuse; quantize would overflow on it.
        if abs(self.data) < 10**12 and self.data != self.data.quantize(Decimal("0.01")):
            self.data = None
            raise ValueError("金额最多两位小数。")

    def post_validate(self, form, validation_stopped):
        if validation_stopped or self.errors or self.data is None:
            return
        if not self.minimum <= self.data <= self.maximum:
            self.errors.append(f"金额应在 {self.minimum} 到 {self.maximum} 元之间。")

    @property
    def fen(self) -> int | None:
        return to_fen(self.data)


def finite_decimal(raw: str, message: str) -> Decimal:
    """`raw` as a finite Decimal; ValueError(message) for anything else (Infinity, NaN, sNaN
    and text), so that no comparison or quantize raises later."""
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:
        raise ValueError(message) from exc
    # 1e999999999 is finite, yet abs() or a comparison overflows the decimal context on it.
    if not value.is_finite() or not -40 <= value.adjusted() <= 40:
        raise ValueError(message)
    return value


def to_fen(amount) -> int | None:
    if amount is None:
        return None
    return int((Decimal(amount) * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


# --- line items --------------------------------------------------------------------------------


class RowForm(PortalForm):
    """One row of a line-items field (no CSRF token of its own)."""

    class Meta:
        csrf = False


class LineItemsField(FieldList):
    """Rows of a sub-form (明细): `LineItemsField(RowFormClass, "明细", min_rows=1, max_rows=50)`.

    The page's add and remove buttons post `_rows=<field>:add` or `_rows=<field>:remove:<row
    name>` (htmx swaps just the table; without JavaScript the whole form comes back); the view
    calls `change_rows(form)` first and shows the form again when it returns True. Each filled
    row is validated with its own messages, shown in its cells; blank rows are ignored.
    """

    def __init__(self, row_form, label=None, *, min_rows: int = 1, max_rows: int = 50, **kw):
        super().__init__(FormField(row_form), label, min_entries=max(min_rows, 1),
                         max_entries=max_rows, **kw)  # fmt: skip
        self.min_rows, self.max_rows, self.row_form = min_rows, max_rows, row_form

    def validate(self, form, extra_validators=()):
        self.errors = []
        rows = [entry for entry in self.entries if not _blank(entry)]
        for entry in self.entries:
            if entry in rows:
                entry.validate(form)
        if len(rows) < self.min_rows:
            self.errors.append(f"请至少填写 {self.min_rows} 行。")
        elif any(entry.errors for entry in rows):
            self.errors.append("明细中有需要修改的内容，请查看标红的行。")
        self._run_validation_chain(form, [*self.validators, *extra_validators])
        return not self.errors

    @property
    def columns(self):
        """The row form's fields, for the table's header."""
        return [f for f in self.row_form(formdata=None) if f.type != "CSRFTokenField"]

    @property
    def data(self) -> list[dict]:
        """The rows' data, blank rows left out (so `form.data` never carries them)."""
        return [entry.data for entry in self.entries if not _blank(entry)]

    def filled(self) -> list[dict]:
        return self.data


def _blank(entry) -> bool:
    """Nothing typed in the row (what was posted, not the parsed values: 0 is not blank)."""
    for field in entry.form:
        if field.type == "CSRFTokenField":
            continue
        typed = field.raw_data if field.raw_data is not None else []
        if any(str(v).strip() for v in typed if v is not None):
            return False
        if field.raw_data is None and field.data not in (None, "", [], False):
            return False  # a row filled from the record, not from the post
    return True


def change_rows(form) -> bool:
    """Apply an add/remove-row button of `form`'s line items; True when one was pressed (the
    view then shows the form again, without validating or saving)."""
    command = request.form.get("_rows", "") if request.method == "POST" else ""
    name, _, rest = command.partition(":")
    field = form._fields.get(name)
    if not isinstance(field, LineItemsField):
        return False
    verb, _, row = rest.partition(":")
    if verb == "add":
        if len(field.entries) < field.max_rows:
            field.append_entry()
    elif verb == "remove":
        field.entries = [e for e in field.entries if e.name != row] or field.entries
    else:
        return False  # a command of the page's own (e.g. merging lines)
    return True
