"""Every field kind of a designed form is validated on the server from the definition, with a
clear Chinese message beside the field and the typed value kept."""

from __future__ import annotations

import io

import pytest
from werkzeug.datastructures import MultiDict

from portal.designer import fields

DEFINITION = {
    "sections": [
        {
            "title": "全部字段",
            "fields": [
                {
                    "key": "name",
                    "label": "姓名",
                    "kind": "text",
                    "required": True,
                    "max_length": 10,
                },
                {"key": "code", "label": "代码", "kind": "text", "min_length": 3, "max_length": 5},
                {"key": "reason", "label": "事由", "kind": "textarea", "max_length": 20},
                {
                    "key": "people",
                    "label": "人数",
                    "kind": "number",
                    "unit": "人",
                    "min": 1,
                    "max": 50,
                    "required": True,
                },
                {
                    "key": "weight",
                    "label": "重量",
                    "kind": "number",
                    "unit": "千克",
                    "places": 1,
                    "min": 0,
                },
                {"key": "amount", "label": "金额", "kind": "money", "max": "50000"},
                {"key": "day", "label": "日期", "kind": "date", "earliest_days": 0},
                {"key": "at", "label": "到达时间", "kind": "datetime", "latest_days": 0},
                {"key": "leave", "label": "请假", "kind": "daterange", "max_days": 10},
                {
                    "key": "kind",
                    "label": "类别",
                    "kind": "choice",
                    "options": ["保修期内", "保修期外"],
                    "required": True,
                },
                {
                    "key": "tags",
                    "label": "标签",
                    "kind": "multichoice",
                    "options": ["甲", "乙", "丙"],
                    "most": 2,
                },
                {"key": "who", "label": "经办人", "kind": "person"},
                {"key": "dept", "label": "部门", "kind": "department"},
                {"key": "files", "label": "附件", "kind": "attachment", "max_files": 1},
                {
                    "key": "lines",
                    "label": "明细",
                    "kind": "items",
                    "max_rows": 3,
                    "fields": [
                        {
                            "key": "item",
                            "label": "项目",
                            "kind": "text",
                            "required": True,
                            "max_length": 10,
                        },
                        {"key": "qty", "label": "数量", "kind": "number", "min": 1, "max": 9},
                        {"key": "price", "label": "单价", "kind": "money"},
                    ],
                },
                {"key": "hint", "label": "说明", "kind": "note", "text": "请如实填写"},
                {"key": "total", "label": "合计", "kind": "computed", "expr": "amount * 2"},
            ],
        }
    ]
}
GOOD = {"name": "张三", "people": "3", "kind": "保修期外"}
PEOPLE = [(1, "张三"), (2, "李四")]
DEPARTMENTS = [(7, "销售部")]


def check(app, data: dict, files=None):
    payload = MultiDict({**GOOD, **data})
    for key, value in (files or {}).items():
        payload.setlist(key, value)
    with app.test_request_context("/", method="POST", data=payload):
        form = fields.form_class(DEFINITION, PEOPLE, DEPARTMENTS)()
        ok = form.validate()
        return ok, form


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": ""}, "name", "请填写姓名。"),
        ({"name": "长" * 11}, "name", "姓名最多 10 字。"),
        ({"code": "ab"}, "code", "代码应为 3 到 5 字。"),
        ({"reason": "字" * 21}, "reason", "事由最多 20 字。"),
        ({"people": ""}, "people", "请填写人数。"),
        ({"people": "abc"}, "people", "人数（人）应填写数字。"),
        ({"people": "2.5"}, "people", "人数（人）应为整数。"),
        ({"people": "0"}, "people", "人数（人）应在 1 到 50人 之间。"),
        ({"people": "51"}, "people", "人数（人）应在 1 到 50人 之间。"),
        ({"people": "Infinity"}, "people", "人数（人）应填写数字。"),
        ({"weight": "1.25"}, "weight", "重量（千克）最多 1 位小数。"),
        ({"weight": "-1"}, "weight", "重量（千克）不能小于 0千克。"),
        ({"amount": "1.234"}, "amount", "金额最多两位小数。"),
        ({"amount": "50000.01"}, "amount", "金额应在 0 到 50000 元之间。"),
        ({"amount": "一百"}, "amount", "金额格式不正确"),
        ({"day": "2001-01-01"}, "day", "日期不能早于今天。"),
        ({"day": "2026-02-30"}, "day", "日期格式应为 年-月-日。"),
        ({"day": "1999-01-01"}, "day", "年份应在 2000 到 2099 之间"),
        ({"at": "2098-01-01T10:00"}, "at", "时间不能晚于现在。"),
        ({"at": "昨天"}, "at", "时间格式应为 年-月-日 时:分。"),
        (
            {"leave-start": "2026-12-10", "leave-end": "2026-12-01"},
            "leave",
            "结束日期不能早于开始日期。",
        ),
        ({"leave-start": "2026-12-01", "leave-end": "2026-12-11"}, "leave", "请假最长 10 天。"),
        ({"leave-start": "2026-12-01", "leave-end": ""}, "leave", "请填写开始和结束日期"),
        ({"kind": ""}, "kind", "请填写类别。"),
        ({"kind": "其他"}, "kind", "请从列表中选择。"),
        ({"who": "99"}, "who", "请从列表中选择。"),
        ({"who": "x"}, "who", "请从列表中选择。"),
        ({"dept": "1"}, "dept", "请从列表中选择。"),
        ({"lines-0-item": "", "lines-0-qty": "3"}, "lines", "明细中有需要修改的内容"),
        ({"lines-0-item": "螺丝", "lines-0-qty": "10"}, "lines", "明细中有需要修改的内容"),
    ],
)
def test_each_bound_has_its_message(app, data, field, message):
    ok, form = check(app, data)
    assert not ok
    assert any(message in e for e in form[field].errors if isinstance(e, str)), form[field].errors
    assert set(form.errors) == {field}, form.errors


def test_multichoice_bounds(app):
    with app.test_request_context("/", method="POST", data=MultiDict(
            [*GOOD.items(), ("tags", "甲"), ("tags", "乙"), ("tags", "丙")])):  # fmt: skip
        form = fields.form_class(DEFINITION)()
        assert not form.validate()
        assert form.tags.errors == ["标签最多选择 2 项。"]
    with app.test_request_context("/", method="POST", data=MultiDict(
            [*GOOD.items(), ("tags", "丁")])):  # fmt: skip
        form = fields.form_class(DEFINITION)()
        assert not form.validate() and "请从列表中选择。" in form.tags.errors


def test_attachment_count_and_type(app):
    pdf = b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    two = [(io.BytesIO(pdf), "a.pdf"), (io.BytesIO(pdf), "b.pdf")]
    ok, form = check(app, {}, {"files": two})
    assert not ok and form.files.errors == ["一次最多上传 1 个文件。"]
    bad = [(io.BytesIO(b"MZ\x90\x00 not allowed"), "x.exe")]
    ok, form = check(app, {}, {"files": bad})
    assert not ok and "不支持文件" in form.files.errors[0]


def test_line_item_rows_are_bounded(app):
    rows = {f"lines-{i}-item": "螺丝" for i in range(4)}
    ok, form = check(app, rows)
    assert not ok and "明细最多 3 行。" in form.lines.errors


def test_good_values_are_stored_as_json(app):
    data = {"amount": "1280.50", "leave-start": "2026-12-01", "leave-end": "2026-12-03",
            "who": "2", "dept": "7", "lines-0-item": "螺丝", "lines-0-qty": "4",
            "lines-0-price": "2.5", "weight": "1.5"}  # fmt: skip
    ok, form = check(app, data)
    assert ok, form.errors
    values = {s["key"]: fields.stored_value(s, form[s["key"]], PEOPLE, DEPARTMENTS)
              for s in fields.all_fields(DEFINITION)}  # fmt: skip
    values = fields.compute(DEFINITION, values)
    assert values["amount"] == 128050 and values["people"] == "3"
    assert values["leave"] == {"start": "2026-12-01", "end": "2026-12-03", "days": 3}
    assert values["who"] == {"id": 2, "name": "李四"}
    assert values["lines"] == [{"item": "螺丝", "qty": "4", "price": 250}]
    assert values["total"] == "2561.00"
    spec = {s["key"]: s for s in fields.all_fields(DEFINITION)}
    assert fields.display(spec["leave"], values["leave"]) == "2026-12-01 至 2026-12-03（3 天）"
    assert fields.display(spec["amount"], values["amount"]) == "1,280.50"
    env = fields.env(DEFINITION, values)
    assert env["lines"] == 1 and env["lines_price"] == 2.5 and env["leave"] == 3
