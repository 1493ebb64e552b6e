"""The shared form primitives: bounded dates and times with one clock slack, blank-able counts,
money, and line items added and removed without JavaScript, each row validated on its own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import StringField
from wtforms.validators import DataRequired

from portal.core import clock
from portal.core.forms import (
    CountField,
    LineItemsField,
    LocalDateField,
    LocalDateTimeField,
    MoneyField,
    PickField,
    PortalForm,
    RowForm,
    change_rows,
)

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai


class Line(RowForm):
    item = StringField("品名", [DataRequired("请填写品名。")])
    qty = CountField("数量", required="请填写数量。", minimum=1, maximum=999)


class Sample(PortalForm):
    returns_at = LocalDateTimeField(
        "预计归还时间", earliest=timedelta(0), latest=timedelta(days=30),
        future_message="预计归还时间必须晚于现在。",
    )  # fmt: skip
    happened_at = LocalDateTimeField("发生时间", latest=timedelta(0))
    due = LocalDateField("完成日期", earliest=timedelta(0))
    copies = CountField("份数", required="请填写份数。", minimum=1, maximum=999)
    amount = MoneyField("金额（元）")
    lines = LineItemsField(Line, "明细", min_rows=1, max_rows=5)


def form_for(app, data: dict):
    with app.test_request_context(method="POST", data=MultiDict(data)):
        form = Sample()
        changed = change_rows(form)
        valid = None if changed else form.validate()
        return form, valid, changed


BASE = {"copies": "2", "amount": "12.50", "lines-0-item": "A4 纸", "lines-0-qty": "3"}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("returns_at", "9999-12-31T23:59", "年份应在 2000 到 2099 之间"),
        ("returns_at", "2027-01-30T10:00", "不能晚于 2026-12-23 10:00（30 天以内）"),
        ("returns_at", "2026-11-22T10:00", "预计归还时间必须晚于现在"),
        ("happened_at", "2026-11-23T12:00", "时间不能晚于现在"),
        ("due", "2026-11-20", "日期不能早于今天"),
        ("due", "1900-01-01", "年份应在 2000 到 2099 之间"),
        ("copies", "", "请填写份数"),
        ("copies", "1000", "份数应在 1 到 999 之间"),
        ("copies", "两份", "请填写整数"),
        ("amount", "12.345", "金额最多两位小数"),
        ("amount", "一百", "金额格式不正确"),
        ("amount", "0", "金额应在 0.01 到 99999999.99 元之间"),
    ],
)
def test_bad_values_get_their_message(app, field, value, message):
    with clock.frozen(NOW):
        form, valid, _ = form_for(app, {**BASE, field: value})
    assert valid is False
    assert any(message in e for e in form[field].errors), form[field].errors


def test_good_values_and_the_clock_slack(app):
    data = {**BASE, "returns_at": "2026-11-25T09:00", "happened_at": "2026-11-23T10:04",
            "due": "2026-11-23", "amount": "1,280.50"}  # fmt: skip
    with clock.frozen(NOW):
        form, valid, _ = form_for(app, data)
    assert valid, form.errors
    assert form.returns_at.data.tzinfo is not None  # aware, in the business time zone
    assert form.amount.data == Decimal("1280.50") and form.amount.fen == 128050


def test_line_items_are_added_and_removed_without_javascript(app):
    form, valid, changed = form_for(app, {**BASE, "_rows": "lines:add"})
    assert changed and valid is None and len(form.lines.entries) == 2
    two = {**BASE, "lines-1-item": "订书钉", "lines-1-qty": "1", "_rows": "lines:remove:lines-0"}
    form, _, changed = form_for(app, two)
    assert changed and [e.form.item.data for e in form.lines] == ["订书钉"]


def test_each_row_is_validated_with_its_own_messages_and_blank_rows_are_ignored(app):
    data = {**BASE, "lines-1-item": "", "lines-1-qty": "0", "lines-2-item": "", "lines-2-qty": ""}
    form, valid, _ = form_for(app, data)
    assert valid is False
    rows = form.lines.entries
    assert rows[0].errors == {}
    assert rows[1].form.item.errors == ["请填写品名。"]
    assert rows[1].form.qty.errors == ["数量应在 1 到 999 之间。"]
    assert rows[2].errors == {}  # a blank row is left out, not an error
    assert "明细中有需要修改的内容" in form.lines.errors[0]
    form, valid, _ = form_for(app, {"copies": "1", "amount": "1", "lines-0-item": ""})
    assert valid is False and form.lines.errors == ["请至少填写 1 行。"]
    assert form.lines.filled() == []


class Pick(PortalForm):
    person = PickField("责任人", [DataRequired("请选择责任人。")], choices={1: "张三", 2: "李四"})


@pytest.mark.parametrize(
    ("value", "errors", "data"),
    [
        ("", ["请选择责任人。"], None),
        ("7", ["请从列表中选择。"], 7),
        ("abc", ["请从列表中选择。"], None),
        ("2", [], 2),
    ],
)
def test_pick_field_starts_blank_and_speaks_chinese(app, value, errors, data):
    with app.test_request_context(method="POST", data={"person": value}):
        form = Pick()
        form.validate()
        assert form.person.errors == errors
        assert form.person.data == data
    with app.test_request_context():
        html = str(Pick().person())
    assert html.startswith(
        '<select id="person" name="person" required><option selected value="">请选择'
    )


def _form_classes():
    """Every form class of every domain."""
    import importlib
    import pkgutil

    import portal

    for info in pkgutil.walk_packages(portal.__path__, "portal."):
        if info.name.endswith(".forms"):
            importlib.import_module(info.name)
    seen, todo = set(), [PortalForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    return sorted(seen, key=lambda c: f"{c.__module__}.{c.__name__}")


def test_every_date_field_of_every_form_is_bounded():
    """A date or time nobody checks (9999-12-31, a return in ten years) never fires its
    reminder: every one is a bounded field with both sides set."""
    from wtforms.fields import DateField, DateTimeField, DateTimeLocalField
    from wtforms.fields.core import UnboundField

    from portal.core.forms import _Bounded

    unbounded = []
    for cls in _form_classes():
        if cls.__module__.startswith("tests."):
            continue
        for name, value in vars(cls).items():
            if not isinstance(value, UnboundField):
                continue
            if not issubclass(value.field_class, (DateField, DateTimeField, DateTimeLocalField)):
                continue
            kwargs = value.kwargs
            if not issubclass(value.field_class, _Bounded) or None in (
                kwargs.get("earliest"),
                kwargs.get("latest"),
            ):
                unbounded.append(f"{cls.__module__}.{cls.__name__}.{name}")
    assert not unbounded, unbounded
