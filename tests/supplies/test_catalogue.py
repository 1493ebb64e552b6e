"""The catalogue: edited by 行政办, imported from XLSX with a per-row report and nothing
half-imported."""

from __future__ import annotations

import io

from openpyxl import Workbook

from portal.extensions import db
from portal.supplies.catalogue_import import COLUMNS
from portal.supplies.models import SupplyItem


def workbook(*rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(COLUMNS)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


GOOD = ("OF-101", "长尾夹", "15mm", "盒", "消耗品", 5, 20, "文海办公", 3.5, "是")


def upload(client, data: bytes):
    return client.post("/supplies/catalogue/import",
                       data={"file": (io.BytesIO(data), "目录.xlsx")})  # fmt: skip


def count() -> int:
    return db.session.scalar(db.select(db.func.count(SupplyItem.id)))


def test_a_good_sheet_is_imported(org, client, login):
    login("adminoffice")
    second = ("OF-102", "打包带", "PP", "米", "消耗品", 100, 500, "", 0.2, "")
    response = upload(client, workbook(GOOD, second))
    assert response.status_code == 303 and count() == 2
    tape = db.session.scalar(db.select(SupplyItem).where(SupplyItem.code == "OF-102"))
    assert tape.fractional and tape.price_fen == 20


def test_a_bad_row_stops_the_whole_sheet_with_a_report(org, client, login):
    login("adminoffice")
    rows = [GOOD, ("OF-101", "重复", "", "盒", "消耗品", 0, 0, "", 1, ""),
            ("", "无编号", "", "斤", "其他", "很多", 0, "", "", "")]  # fmt: skip
    response = upload(client, workbook(*rows))
    assert response.status_code == 422 and count() == 0
    text = response.get_data(as_text=True)
    for message in ("第 3 行：编号 OF-101 在表中重复", "第 4 行：缺少编号", "单位“斤”不在可选单位中",
                    "类别应为“消耗品”或“耐用品”", "安全库存“很多”不是数字"):  # fmt: skip
        assert message in text, message
    response = upload(client, b"not a spreadsheet")
    assert response.status_code == 422 and "无法读取文件" in response.get_data(as_text=True)


def test_item_form_refuses_a_taken_code(org, client, login):
    login("adminoffice")
    upload(client, workbook(GOOD))
    response = client.post(
        "/supplies/catalogue/new",
        data={
            "code": "of-101",
            "name": "别的",
            "unit": "个",
            "category": "consumable",
            "price": "1",
        },
    )
    assert response.status_code == 422 and "编号已被其他物品使用" in response.get_data(as_text=True)


def test_every_demo_unit_is_an_allowed_unit():
    from portal.supplies.demo import ITEMS
    from portal.supplies.models import UNITS

    assert {row[3] for row in ITEMS} <= set(UNITS)
    assert "卡" in UNITS  # batteries come 4 to a card (OF-024, OF-025)


def test_the_form_and_the_import_take_batteries_by_the_card(org, client, login):
    login("adminoffice")
    battery = ("OF-124", "电池", "5号 4节/卡", "卡", "消耗品", 10, 20, "文海办公", 9, "是")
    assert upload(client, workbook(battery)).status_code == 303
    response = client.post("/supplies/catalogue/new", data={
        "code": "OF-125", "name": "电池", "spec": "7号 4节/卡", "unit": "卡",
        "category": "consumable", "price": "9",
    })  # fmt: skip
    assert response.status_code == 303
    units = db.session.scalars(db.select(SupplyItem.unit).order_by(SupplyItem.code)).all()
    assert units == ["卡", "卡"]
