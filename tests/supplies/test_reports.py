"""Stock on hand, monthly use and the purchase plans as registers: their own filters narrow the
rows, and CSV, XLSX (typed cells) and PDF exports hold what the page shows."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from portal.core import clock
from portal.core.downloads import CSV, PDF, XLSX
from portal.extensions import db
from portal.supplies import services
from portal.supplies.models import PurchasePlan
from portal.workflow import engine
from tests.pdftext import pdftotext
from tests.supplies.helpers import requisition

# Compared without parameters: the CSV's charset is core.downloads' business.
MIMETYPES = {"csv": CSV.split(";")[0], "xlsx": XLSX, "pdf": PDF}


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == MIMETYPES["csv"]
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def sheet_rows(response):
    assert response.status_code == 200 and response.mimetype == XLSX
    sheet = load_workbook(io.BytesIO(response.data)).active
    return sheet, [[c.value for c in row] for row in sheet.iter_rows()]


# --- stock on hand ------------------------------------------------------------------------------


@pytest.fixture
def stocked(items, org):
    """Toner below its reorder level (1 of 2), the tape a durable item."""
    items["TAPE"].category = "durable"
    db.session.commit()
    return items


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ("", ["OF-001", "OF-003", "OF-021", "OF-028"]),
        ("?category=durable", ["OF-028"]),
        ("?category=consumable", ["OF-001", "OF-003", "OF-021"]),
        ("?low=1", ["OF-021"]),
        ("?low=1&category=durable", []),
        ("?q=复印", ["OF-001"]),
        ("?q=of-02", ["OF-021", "OF-028"]),
    ],
)
def test_stock_filters_narrow_the_rows(stocked, client, login, query, codes):
    login("adminoffice")
    page = client.get(f"/supplies/stock{query}").text
    shown = [code for code in ("OF-001", "OF-003", "OF-021", "OF-028") if f">{code}<" in page]
    assert shown == codes
    # The exports carry the page's own filters and hold the same rows.
    rows = csv_rows(client.get(f"/supplies/stock.csv{query}"))
    assert [row[0] for row in rows[1:]] == codes
    for name in ("category", "low"):
        if name in query:
            assert f"{name}=" in page.split("导出 CSV")[0].rsplit("href=", 1)[1]


def test_stock_htmx_filter_returns_the_table_and_low_rows_are_marked(stocked, client, login):
    login("adminoffice")
    partial = client.get("/supplies/stock?low=1", headers={"HX-Request": "true"}).text
    assert partial.lstrip().startswith('<div id="register-table">')
    assert 'class="overdue"' in partial and "低于安全库存" in partial
    assert "/supplies/stock/count?item=OF-021" in partial  # the count of that item


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_stock_exports(stocked, client, login, fmt):
    login("adminoffice")
    response = client.get(f"/supplies/stock.{fmt}?category=consumable")
    assert response.status_code == 200 and response.mimetype == MIMETYPES[fmt]
    if fmt == "csv":
        rows = csv_rows(response)
        assert rows[0][:2] == ["编号", "品名"] and rows[1][:2] == ["OF-001", "复印纸"]
        assert "OF-028" not in response.text
    elif fmt == "pdf":
        text = pdftotext(response.data)
        assert "办公用品库存（消耗品）" in text and "复印纸" in text and "打包带" not in text


def test_stock_xlsx_cells_are_typed(stocked, client, login):
    login("adminoffice")
    sheet, rows = sheet_rows(client.get("/supplies/stock.xlsx"))  # the old URL still answers
    header = rows[0]
    assert header == [
        "编号",
        "品名",
        "规格",
        "单位",
        "类别",
        "结存",
        "金额（元）",
        "安全库存",
        "状态",
    ]
    a4 = rows[1]
    assert a4[0] == "OF-001" and a4[5] == 20 and a4[6] == Decimal("490") and a4[8] == "正常"
    assert sheet.cell(row=2, column=6).number_format == 'General" 包"'
    assert sheet.cell(row=2, column=7).number_format == "#,##0.00"
    assert rows[3][8] == "低于安全库存" and rows[3][7] == 2


# --- monthly use against forecast ----------------------------------------------------------------


@pytest.fixture
def used(items, org):
    """Sales (the employee's department) drew 49 元 of paper against a 40 元 forecast; finance
    has a 100 元 forecast and drew nothing; the others have no forecast."""
    record = requisition(org, items, lines=(("A4", 2),))
    engine.transition(record.instance, "approve", org["head"])
    services.issue(record, {x.id: x.quantity for x in record.lines}, org["adminoffice"])
    month = services.month_key()
    services.set_forecast(org["employee"].department, month, 4000, org["admin"])
    services.set_forecast(org["finance"].department, month, 10000, org["admin"])
    db.session.commit()
    return {"sales": org["employee"].department, "finance": org["finance"].department,
            "month": month}  # fmt: skip


def test_monthly_use_page_and_chart_show_each_department(used, client, login):
    login("employee")
    page = client.get("/supplies/forecasts").text
    sales, finance = used["sales"].name, used["finance"].name
    table = page.split('id="register-table"')[1]
    row = table.split(f">{sales}<")[1].split("</tr>")[0]
    assert "49.00" in row and "40.00" in row and "122.5%" in row
    assert table.split(f">{sales}<")[0].rsplit("<tr", 1)[1].startswith(' class="overdue"')
    row = table.split(f">{finance}<")[1].split("</tr>")[0]
    assert "0.00" in row and "100.00" in row and "0.0%" in row
    assert "未设定" in table  # a department without a forecast, on the page only
    chart = page.split("<svg")[1].split("</svg>")[0]
    assert f"{used['month']} 各部门领用占月度预算" in chart
    assert sales in chart and "122.5" in chart and finance in chart


def test_monthly_use_filters_and_exports(used, client, login):
    login("employee")
    month, sales = used["month"], used["sales"]
    page = client.get(f"/supplies/forecasts?month={month}&department_id={sales.id}").text
    table = page.split('id="register-table"')[1]
    assert f">{sales.name}<" in table and f">{used['finance'].name}<" not in table
    assert f"department_id={sales.id}" in page and f"month={month}" in page  # export links
    sheet, rows = sheet_rows(client.get(f"/supplies/usage.xlsx?month={month}"))
    assert rows[0] == ["部门", "领用金额（元）", "月度预算（元）", "占预算"]
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name[sales.name][1:] == [Decimal("49"), Decimal("40"), pytest.approx(1.225)]
    assert by_name[used["finance"].name][1:] == [0, Decimal("100"), 0]
    unset = [r for name, r in by_name.items() if name not in (sales.name, used["finance"].name)]
    assert unset and all(r[2] is None and r[3] is None for r in unset)  # no text among money
    line = next(i for i, r in enumerate(rows, start=1) if r[0] == sales.name)
    assert sheet.cell(row=line, column=2).number_format == "#,##0.00"
    assert sheet.cell(row=line, column=4).number_format == "0.0%"
    rows = csv_rows(client.get(f"/supplies/usage.csv?month={month}&department_id={sales.id}"))
    assert rows[1:] == [[sales.name, "49.00", "40.00", "122.5%"]]
    pdf = client.get(f"/supplies/usage.pdf?month={month}")
    assert pdf.mimetype == PDF and f"{month}各部门办公用品领用" in pdftotext(pdf.data)
    # Another month: nothing used yet, the forecast carried forward.
    rows = csv_rows(client.get("/supplies/usage.csv?month=2001-01"))
    assert [sales.name, "0.00", "", ""] in rows


# --- the monthly purchase plans ------------------------------------------------------------------


@pytest.fixture
def plans(items, org):
    items["TONER"].reorder_level = Decimal(3)
    db.session.commit()
    first = services.build_plan(org["adminoffice"])
    with clock.frozen(clock.now() + timedelta(days=40)):
        second = services.build_plan(org["adminoffice"])
    engine.transition(second.instance, "reject", org["adminhead"], "数量过多，请重新核定")
    db.session.commit()
    return first, second


def test_plans_filter_by_month_and_status(plans, client, login):
    first, second = plans
    assert first.month != second.month and first.instance.status != second.instance.status
    login("adminoffice")
    page = client.get("/supplies/plans/").text
    assert first.number in page and second.number in page
    page = client.get(f"/supplies/plans/?month={second.month}").text
    assert second.number in page and first.number not in page
    page = client.get(f"/supplies/plans/?status={first.instance.status}").text
    assert first.number in page and second.number not in page
    bad = client.get("/supplies/plans/?month=2026-13")
    assert bad.status_code == 422 and "月份格式应为 YYYY-MM" in bad.text


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_plan_exports(plans, client, login, fmt):
    first, second = plans
    login("adminoffice")
    response = client.get(f"/supplies/plans/register.{fmt}?month={first.month}")
    assert response.status_code == 200 and response.mimetype == MIMETYPES[fmt]
    if fmt == "xlsx":
        sheet, rows = sheet_rows(response)
        assert rows[0] == ["编号", "计划月份", "生成时间", "条目", "金额（元）", "状态"]
        assert len(rows) == 2 and rows[1][0] == first.number and rows[1][1] == first.month
        assert rows[1][3] == len(first.lines) and rows[1][4] == Decimal(first.total_fen) / 100
        assert sheet.cell(row=2, column=5).number_format == "#,##0.00"
    else:
        text = response.data.decode("utf-8-sig") if fmt == "csv" else pdftotext(response.data)
        assert first.number in text and second.number not in text


def test_plans_list_links_its_exports_with_the_month(plans, client, login):
    first, _ = plans
    login("employee")
    page = client.get(f"/supplies/plans/?month={first.month}").text
    assert f"/supplies/plans/register.xlsx?month={first.month}" in page
    assert db.session.scalar(db.select(db.func.count(PurchasePlan.id))) == 2
