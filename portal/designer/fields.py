"""Field kinds of designed forms: from a definition's field to a WTForms field built from the
kit's primitives (so every bound has the kit's Chinese message), and from the validated form to
the JSON values a record stores, the names expressions read, and the text pages and PDFs show.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from wtforms import Field, MultipleFileField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

from portal.core.clock import local_zone
from portal.core.forms import (
    EARLIEST_YEAR,
    LATEST_YEAR,
    LineItemsField,
    LocalDateField,
    LocalDateTimeField,
    MoneyField,
    PickField,
    PortalForm,
    RowForm,
    finite_decimal,
    to_fen,
)
from portal.designer import expr

# kind -> what the designer calls it
KINDS = {
    "text": "单行文本",
    "textarea": "多行文本",
    "number": "数字",
    "money": "金额",
    "date": "日期",
    "datetime": "日期时间",
    "daterange": "日期区间",
    "choice": "单选",
    "multichoice": "多选",
    "person": "人员",
    "department": "部门",
    "attachment": "附件",
    "items": "明细",
    "note": "说明文字",
    "computed": "计算字段",
}
# Kinds a line-items row may hold.
ROW_KINDS = ("text", "number", "money", "date", "choice")
# Kinds without an input (never posted, never required).
NO_INPUT = ("note", "computed")


def _required(spec: dict) -> list:
    if spec.get("required") and spec["kind"] not in NO_INPUT:
        return [DataRequired(f"请填写{spec['label']}。")]
    return [Optional()] if spec["kind"] in ("text", "textarea") else []


class NumberField(Field):
    """A number with an optional unit, bounds and a number of decimals (0: whole numbers)."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, *, minimum=None, maximum=None, places=0,
                 unit="", **kwargs):  # fmt: skip
        kwargs.setdefault("render_kw", {"inputmode": "decimal"})
        super().__init__(label, validators, **kwargs)
        self.minimum = None if minimum is None else Decimal(str(minimum))
        self.maximum = None if maximum is None else Decimal(str(maximum))
        self.places, self.unit = int(places or 0), unit

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)

    def process_formdata(self, valuelist):
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        raw = str(valuelist[0]).strip().replace(",", "").replace("，", "")
        self.data = None
        label = self.label.text
        value = finite_decimal(raw, f"{label}应填写数字。")
        if self.places == 0 and value != value.to_integral_value():
            raise ValueError(f"{label}应为整数。")
        if value.as_tuple().exponent < -self.places and self.places:
            raise ValueError(f"{label}最多 {self.places} 位小数。")
        self.data = value

    def post_validate(self, form, validation_stopped):
        if validation_stopped or self.errors or self.data is None:
            return
        low, high, unit = self.minimum, self.maximum, self.unit
        if low is not None and high is not None and not low <= self.data <= high:
            self.errors.append(f"{self.label.text}应在 {low} 到 {high}{unit} 之间。")
        elif low is not None and self.data < low:
            self.errors.append(f"{self.label.text}不能小于 {low}{unit}。")
        elif high is not None and self.data > high:
            self.errors.append(f"{self.label.text}不能大于 {high}{unit}。")
        elif abs(self.data) >= 10**12:
            self.errors.append(f"{self.label.text}超出范围。")


class DateRangeField(Field):
    """Two dates (`<name>-start`, `<name>-end`); data is (start, end); the duration in days,
    both ends counted, is computed. `max_days` bounds it."""

    def __init__(self, label=None, validators=None, *, max_days=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.max_days = max_days
        self.raw = ("", "")

    def process(self, formdata, data=None, extra_filters=None):
        self.process_errors, self.data, self.raw_data = [], data, None
        if formdata is None:
            if isinstance(data, dict):
                self.raw = (data.get("start", ""), data.get("end", ""))
            return
        start = (formdata.get(f"{self.name}-start") or "").strip()
        end = (formdata.get(f"{self.name}-end") or "").strip()
        self.raw, self.raw_data = (start, end), [start, end] if start or end else []
        if not start and not end:
            self.data = None
            return
        try:
            self.data = (date.fromisoformat(start), date.fromisoformat(end))
        except ValueError:
            self.data = None
            self.process_errors.append("请填写开始和结束日期（年-月-日）。")

    def post_validate(self, form, validation_stopped):
        if validation_stopped or self.errors or self.data is None:
            return
        start, end = self.data
        if not all(EARLIEST_YEAR <= d.year <= LATEST_YEAR for d in self.data):
            self.errors.append(f"年份应在 {EARLIEST_YEAR} 到 {LATEST_YEAR} 之间，请核对日期。")
        elif end < start:
            self.errors.append("结束日期不能早于开始日期。")
        elif self.max_days and self.days > int(self.max_days):
            self.errors.append(f"{self.label.text}最长 {self.max_days} 天。")

    @property
    def days(self) -> int | None:
        return None if self.data is None else (self.data[1] - self.data[0]).days + 1


class ChecksField(SelectMultipleField):
    """Multiple choice as checkboxes, with a least and most number of choices."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, label=None, validators=None, *, least=None, most=None, **kwargs):
        kwargs.setdefault("invalid_choice_message", "请从列表中选择。")
        super().__init__(label, validators, **kwargs)
        self.least, self.most = least, most

    def pre_validate(self, form):
        super().pre_validate(form)
        picked = len(self.data or [])
        if self.least and picked < int(self.least):
            raise ValidationError(f"{self.label.text}至少选择 {self.least} 项。")
        if self.most and picked > int(self.most):
            raise ValidationError(f"{self.label.text}最多选择 {self.most} 项。")


class ItemsField(LineItemsField):
    """Line items that say so when more rows are posted than allowed (WTForms would drop the
    extra rows silently)."""

    def process(self, formdata, data=None, extra_filters=None):
        self.posted_rows = 0
        if formdata is not None:
            rows = {k.split("-")[1] for k in formdata if k.startswith(f"{self.name}-")}
            self.posted_rows = len(rows)
        super().process(formdata, data, extra_filters)

    def validate(self, form, extra_validators=()):
        ok = super().validate(form, extra_validators)
        if self.posted_rows > self.max_rows:
            self.errors.append(f"{self.label.text}最多 {self.max_rows} 行。")
            return False
        return ok


class ShownField(Field):
    """A note or a computed value: shown, never posted."""

    def process(self, formdata, data=None, extra_filters=None):
        self.process_errors, self.data, self.raw_data = [], data, None


def _days(value) -> timedelta | None:
    return None if value is None or value == "" else timedelta(days=int(value))


def make_field(spec: dict, people=(), departments=()):
    """The WTForms field of one definition field."""
    kind, label = spec["kind"], spec["label"]
    common = {"description": spec.get("help", "")}
    required = _required(spec)
    if kind == "text":
        top = int(spec.get("max_length") or 200)
        low = int(spec.get("min_length") or 0)
        rules = [*required, Length(min=low, max=top, message=_length(label, low, top))]
        return StringField(label, rules, **common)
    if kind == "textarea":
        top = int(spec.get("max_length") or 2000)
        low = int(spec.get("min_length") or 0)
        rules = [*required, Length(min=low, max=top, message=_length(label, low, top))]
        return TextAreaField(label, rules, **common)
    if kind == "number":
        unit = spec.get("unit", "")
        rules = required and [_Present(f"请填写{label}。")]
        return NumberField(f"{label}（{unit}）" if unit else label, rules, minimum=spec.get("min"),
                           maximum=spec.get("max"), places=spec.get("places", 0),
                           unit=unit, **common)  # fmt: skip
    if kind == "money":
        rules = required and [_Present(f"请填写{label}。")]
        return MoneyField(f"{label}（元）", rules, minimum=str(spec.get("min", "0")),
                          maximum=str(spec.get("max", "9999999.99")), **common)  # fmt: skip
    if kind in ("date", "datetime"):
        cls = LocalDateField if kind == "date" else LocalDateTimeField
        return cls(label, required, earliest=_days(spec.get("earliest_days")),
                   latest=_days(spec.get("latest_days")), **common)  # fmt: skip
    if kind == "daterange":
        rules = required and [_Present(f"请填写{label}。")]
        return DateRangeField(label, rules, max_days=spec.get("max_days"), **common)
    if kind == "choice":
        options = [SelectChoice(o, o) for o in spec.get("options", [])]
        return PickField(label, required, coerce=str, choices=options, **common)
    if kind == "multichoice":
        options = [SelectChoice(o, o) for o in spec.get("options", [])]
        least = spec.get("least") or (1 if spec.get("required") else None)
        return ChecksField(label, [], choices=options, least=least, most=spec.get("most"),
                           **common)  # fmt: skip
    if kind == "person":
        return PickField(label, required, choices=[SelectChoice(*p) for p in people], **common)
    if kind == "department":
        return PickField(label, required, choices=[SelectChoice(*d) for d in departments],
                         **common)  # fmt: skip
    if kind == "attachment":
        from portal.files.forms import CheckedUploads

        rules = [_Uploaded(f"请上传{label}。")] if spec.get("required") else []
        return MultipleFileField(label, [*rules, CheckedUploads(int(spec.get("max_files") or 5))],
                                 **common)  # fmt: skip
    if kind == "items":
        row = type("Row", (RowForm,), {s["key"]: make_field(s) for s in spec.get("fields", [])})
        return ItemsField(row, label, min_rows=int(spec.get("min_rows") or 0),
                              max_rows=int(spec.get("max_rows") or 20), **common)  # fmt: skip
    if kind in NO_INPUT:
        return ShownField(label, **common)
    raise ValueError(f"unknown field kind {kind}")


def _length(label: str, low: int, top: int) -> str:
    return f"{label}应为 {low} 到 {top} 字。" if low else f"{label}最多 {top} 字。"


class _Present:
    """Required for fields whose data may be 0 (numbers, money): blank is the only miss."""

    def __init__(self, message: str):
        self.message = message
        self.field_flags = {"required": True}

    def __call__(self, form, field):
        if field.data is None and not field.errors and not field.process_errors:
            from wtforms.validators import StopValidation

            raise StopValidation(self.message)


class _Uploaded(_Present):
    def __call__(self, form, field):
        from werkzeug.datastructures import FileStorage

        data = field.data if isinstance(field.data, list) else [field.data]
        if not any(isinstance(f, FileStorage) and f.filename for f in data):
            from wtforms.validators import StopValidation

            raise StopValidation(self.message)


def all_fields(definition: dict) -> list[dict]:
    return [f for section in definition.get("sections", []) for f in section.get("fields", [])]


def form_class(definition: dict, people=(), departments=(), only: set[str] | None = None):
    """A PortalForm class with one field per definition field (`only`: those keys only)."""
    attrs = {}
    for spec in all_fields(definition):
        if only is None or spec["key"] in only:
            attrs[spec["key"]] = make_field(spec, people, departments)
    return type("DesignedForm", (PortalForm,), attrs)


# --- values: stored JSON, expression names, display text ---------------------------------------


def stored_value(spec: dict, field, people=None, departments=None):
    """The JSON value a record stores for one validated field."""
    kind, data = spec["kind"], field.data
    if data is None or data == "" or kind in NO_INPUT or kind == "attachment":
        return [] if kind in ("multichoice", "items") else None
    if kind in ("text", "textarea", "choice"):
        return data.strip()
    if kind == "number":
        return str(data)
    if kind == "money":
        return to_fen(data)
    if kind == "date":
        return data.isoformat()
    if kind == "datetime":
        return data.astimezone(local_zone()).strftime("%Y-%m-%dT%H:%M")
    if kind == "daterange":
        return {"start": data[0].isoformat(), "end": data[1].isoformat(), "days": field.days}
    if kind == "multichoice":
        return list(data)
    if kind in ("person", "department"):
        names = dict(people if kind == "person" else departments or ())
        return {"id": data, "name": names.get(data, "")}
    if kind == "items":
        subs = spec.get("fields", [])
        return [
            {s["key"]: stored_value(s, entry.form[s["key"]]) for s in subs}
            for entry in field.entries
            if entry.data in data
        ]
    return None


def form_data(spec: dict, value):
    """A stored value back as the form field's data (to fill a step page's form)."""
    kind = spec["kind"]
    if value is None:
        return None
    if kind == "number":
        return Decimal(value)
    if kind == "money":
        return Decimal(value) / 100
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "datetime":
        return datetime.fromisoformat(value).replace(tzinfo=local_zone())
    if kind in ("person", "department"):
        return value.get("id")
    return value


def env(definition: dict, values: dict) -> dict:
    """What expressions read: numbers and money (元) as Decimal, a date range as its days,
    a person or department as its name, line items as their count plus `<items>_<col>` sums."""
    names: dict = {}
    for spec in all_fields(definition):
        key, kind, value = spec["key"], spec["kind"], values.get(spec["key"])
        if kind == "number":
            names[key] = None if value is None else Decimal(value)
        elif kind == "money":
            names[key] = None if value is None else Decimal(value) / 100
        elif kind == "daterange":
            names[key] = None if not value else Decimal(value["days"])
        elif kind in ("person", "department"):
            names[key] = value["name"] if value else None
        elif kind == "items":
            rows = value or []
            names[key] = Decimal(len(rows))
            for sub in spec.get("fields", []):
                if sub["kind"] in ("number", "money"):
                    total = sum((Decimal(r.get(sub["key"]) or 0) for r in rows), Decimal(0))
                    names[f"{key}_{sub['key']}"] = total / 100 if sub["kind"] == "money" else total
        elif kind == "computed":
            names[key] = None if value is None else Decimal(value)
        elif kind != "note":
            names[key] = value
    return names


def compute(definition: dict, values: dict) -> dict:
    """`values` with each computed field's value filled in, in definition order (a computed
    field may read an earlier one)."""
    values = dict(values)
    for spec in all_fields(definition):
        if spec["kind"] == "computed":
            result = expr.evaluate(expr.parse(spec["expr"]), env(definition, values))
            if isinstance(result, Decimal):
                places = int(spec.get("places", 2))
                values[spec["key"]] = str(result.quantize(Decimal(1).scaleb(-places)))
            else:
                values[spec["key"]] = None
    return values


def yuan(fen) -> str:
    return "" if fen is None else f"{Decimal(fen) / 100:,.2f}"


def display(spec: dict, value) -> str:
    """A stored value as text (record page, register, PDF)."""
    kind = spec["kind"]
    if kind == "note":
        return spec.get("text", "")
    if value is None or value == [] or value == "":
        return ""
    if kind == "money":
        return yuan(value)
    if kind == "number":
        unit = spec.get("unit", "")
        return f"{value}{unit}"
    if kind == "computed":
        return f"{value}{spec.get('unit', '')}"
    if kind == "datetime":
        return value.replace("T", " ")
    if kind == "daterange":
        return f"{value['start']} 至 {value['end']}（{value['days']} 天）"
    if kind == "multichoice":
        return "、".join(value)
    if kind in ("person", "department"):
        return value.get("name", "")
    if kind == "items":
        return f"{len(value)} 行"
    return str(value)
