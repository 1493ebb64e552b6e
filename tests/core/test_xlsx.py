"""XLSX exports keep numbers as numbers and dates as dates (Chinese format), freeze the header
row and size the columns; text that looks like a formula stays text."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

from openpyxl import load_workbook

from portal.core import xlsx
from portal.core.values import Fen, Measure, Percent, text


def _sheet(rows, header=("时间", "日期", "份数", "金额（元）", "数量", "说明"), widths=()):
    book = load_workbook(
        io.BytesIO(xlsx.write([xlsx.Sheet("表", list(header), rows, list(widths))]))
    )
    return book.active


def test_values_are_typed_with_chinese_formats():
    at = datetime(2026, 11, 23, 2, 30, tzinfo=UTC)  # 10:30 in Shanghai
    sheet = _sheet(
        [[at, date(2026, 11, 24), 3, Fen(128050), Measure(Decimal("2.50"), "包"), "=1+1"]]
    )
    a, b, c, d, e, f = sheet[2]
    assert (
        a.value == datetime(2026, 11, 23, 10, 30) and a.number_format == 'yyyy"年"m"月"d"日" hh:mm'
    )
    assert b.is_date and b.number_format == 'yyyy"年"m"月"d"日"'
    assert c.value == 3 and c.data_type == "n"
    assert d.value == Decimal("1280.5") and d.number_format == "#,##0.00"
    assert e.value == Decimal("2.5") and e.number_format == 'General" 包"'
    assert f.value == "=1+1" and f.data_type == "s" and f.quotePrefix
    assert sheet.freeze_panes == "A2"


def test_percentages_are_numbers_in_the_rows_and_in_a_preamble():
    spec = xlsx.Sheet("表", ["环节", "按时率"], [["受理", Percent(92.5)]])
    spec.preamble = [(["合计", Percent(80)], False)]
    sheet = load_workbook(io.BytesIO(xlsx.write([spec]))).active
    assert sheet["B1"].value == 0.8 and sheet["B1"].number_format == "0.0%"
    assert sheet["B3"].value == 0.925 and sheet["B3"].number_format == "0.0%"
    assert text(Percent(92.5)) == "92.5%"


def test_the_complaint_report_keeps_its_stage_rates_as_percentages(client, login, org):
    from portal.demo import load_demo

    load_demo()
    login("quality")
    response = client.get("/complaints/report.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data))["汇总"]
    column = [row[3] if len(row) > 3 else None for row in sheet.iter_rows()]
    start = next(n for n, c in enumerate(column) if c is not None and c.value == "按时率")
    rates = []
    for cell in column[start + 1 :]:
        if cell is None or cell.value is None:
            break  # the blank row that ends the section
        rates.append(cell)
    assert rates and all(c.data_type == "n" and c.number_format == "0.0%" for c in rates)


def test_columns_fit_their_longest_value_within_bounds():
    sheet = _sheet([["短", "", "", "", "", "一个很长的说明" * 20]], widths=[4, 4, 4, 4, 4, 4])
    assert sheet.column_dimensions["A"].width == 6  # the header 时间: two CJK characters + margin
    assert sheet.column_dimensions["F"].width == xlsx.MAX_WIDTH


def test_the_page_shows_the_same_values_as_text():
    assert text(Fen(128050)) == "1,280.50" and text(Fen(-5)) == "-0.05"
    assert text(Measure(Decimal("3.00"), "支")) == "3 支"
    assert text(date(2026, 11, 24)) == "2026-11-24" and text(None) == ""


def test_register_exports_are_typed(client, login, org):
    """Every register's export: the amounts, counts and times of its rows are not text."""
    from portal.demo import load_demo

    load_demo()
    login("admin")
    checked = 0
    for url in ["/seals/register.xlsx", "/supplies/register.xlsx", "/supplies/purchases/register.xlsx",
                "/supplies/ledger.xlsx", "/supplies/stock.xlsx", "/complaints/register.xlsx",
                "/complaints/claims/register.xlsx", "/complaints/returns/register.xlsx"]:  # fmt: skip
        response = client.get(url)
        assert response.status_code == 200, url
        sheet = load_workbook(io.BytesIO(response.data)).active
        header = [c.value for c in sheet[1]]
        for row in sheet.iter_rows(min_row=2):
            for name, cell in zip(header, row, strict=False):
                if cell.value in (None, ""):
                    continue
                if name.endswith("（元）") or name in (
                    "份数",
                    "退货数量",
                    "回访评分",
                    "数量",
                    "结存",
                ):
                    assert cell.data_type == "n", (url, name, cell.value)
                    checked += 1
                if name.endswith("时间"):
                    assert cell.is_date, (url, name, cell.value)
                    checked += 1
    assert checked > 20
