"""The requisition form shows the stock on hand beside each picked line: after htmx's check
of the line and on every re-render without JavaScript."""

from __future__ import annotations

import re

from portal.extensions import db
from tests.supplies.helpers import requisition


def stock_cell(page: str, row: int) -> str:
    match = re.search(rf'<output[^>]*id="lines-{row}-stock"[^>]*>(.*?)</output>', page)
    assert match, f"no stock cell in row {row}"
    return match.group(1)


def test_the_item_input_checks_its_line_and_swaps_the_stock_cell(items, client, login):
    login("employee")
    page = client.get("/supplies/new").text
    item = re.search(r'<input[^>]*id="lines-0-item"[^>]*>', page).group(0)
    for attribute in ('hx-post="/supplies/new"', 'hx-target="#lines-0-stock"',
                      'hx-select="#lines-0-stock"', "_validate"):  # fmt: skip
        assert attribute in item
    assert '<th scope="col">库存</th>' in page and stock_cell(page, 0) == ""


def test_after_the_htmx_line_check_the_stock_is_beside_the_line(items, client, login):
    login("employee")
    data = {"purpose": "", "lines-0-item": "OF-001 复印纸", "lines-0-quantity": "",
            "lines-1-item": "OF-021", "lines-1-quantity": "3", "_validate": "lines"}  # fmt: skip
    response = client.post("/supplies/new", data=data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert stock_cell(response.text, 0) == "20包"
    assert stock_cell(response.text, 1) == "1个，不足"  # three asked, one on the shelf


def test_without_javascript_a_re_render_shows_the_stock(items, client, login):
    login("employee")
    data = {"purpose": "x", "lines-0-item": "OF-028", "lines-0-quantity": "2.5",
            "lines-1-item": "OF-999", "lines-1-quantity": "1", "_rows": "lines:add"}  # fmt: skip
    page = client.post("/supplies/new", data=data).text
    assert stock_cell(page, 0) == "50米" and stock_cell(page, 1) == "不在目录中"
    assert stock_cell(page, 2) == ""  # the added row: nothing picked yet
    refused = client.post("/supplies/new", data={**data, "_rows": "", "intent": "submit"})
    assert refused.status_code == 422 and stock_cell(refused.text, 0) == "50米"


def test_a_draft_opens_with_its_lines_stock(items, client, login, org):
    draft = requisition(org, items, lines=(("PEN", 5), ("TONER", 1)), submit=False)
    items["TONER"].balance.quantity = 0
    db.session.commit()
    login("employee")
    page = client.get(f"/supplies/{draft.id}/edit").text
    assert stock_cell(page, 0) == "100支" and stock_cell(page, 1) == "无库存（0个）"
