"""盘点 (第二十三条): the count carries the book quantity the counter saw and is refused, nothing
saved, when the book moved since or a requisition of the item is being issued; a difference
above the GM limit is posted only by the GM, with a note that he approved it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.core.clock import local_now
from portal.extensions import db
from portal.supplies import services
from portal.supplies.ledger import StockError, post
from portal.supplies.models import LedgerEntry
from portal.workflow import engine
from tests.supplies.helpers import requisition


def adjustments(item) -> int:
    return db.session.scalar(
        select(func.count()).where(LedgerEntry.item_id == item.id, LedgerEntry.kind == "adjust")
    )


def count_form(item, counted: str, book: str | None, note: str = "盘亏") -> dict:
    data = {"item": item.code, "quantity": counted, "note": note}
    if book is not None:
        data |= {"book": book, "book_code": item.code}
    return data


def test_the_count_page_shows_the_book_and_carries_it(items, client, login):
    login("adminoffice")
    page = client.get("/supplies/stock/count?item=OF-001").get_data(as_text=True)
    assert "账面数量" in page and "20包" in page
    assert 'name="book" type="hidden" value="20"' in page
    assert 'name="book_code" type="hidden" value="OF-001"' in page


def test_a_count_without_the_book_seen_only_shows_it(items, client, login):
    login("adminoffice")
    response = client.post("/supplies/stock/count", data=count_form(items["A4"], "19", None))
    assert response.status_code == 422
    assert "账面数量为 20包，请核对实盘数量后再次提交" in response.text
    assert 'name="book" type="hidden" value="20"' in response.text
    assert adjustments(items["A4"]) == 0
    response = client.post("/supplies/stock/count", data=count_form(items["A4"], "19", "20"))
    assert response.status_code == 303
    assert items["A4"].on_hand == 19 and adjustments(items["A4"]) == 1


def test_a_count_is_refused_when_the_book_moved_during_it(items, org, client, login):
    a4 = items["A4"]
    login("adminoffice")
    client.get("/supplies/stock/count?item=OF-001")  # the counter sees 20
    post(a4, "issue", Decimal(-2), org["adminoffice"])  # an issue while counting
    db.session.commit()
    response = client.post("/supplies/stock/count", data=count_form(a4, "17", "20"))
    assert response.status_code == 422
    assert "盘点期间该物品有出入库（账面 20包 → 18包），请重新清点后再登记" in response.text
    assert a4.on_hand == 18 and adjustments(a4) == 0  # nothing saved
    assert 'name="book" type="hidden" value="18"' in response.text  # the recount is against 18
    response = client.post("/supplies/stock/count", data=count_form(a4, "17", "18"))
    assert response.status_code == 303
    assert a4.on_hand == 17 and adjustments(a4) == 1


def test_the_service_compares_the_book_under_the_lock(items, org):
    a4 = items["A4"]
    with pytest.raises(services.BookChanged, match="账面 21包 → 20包") as refused:
        services.count(a4, Decimal(19), org["adminoffice"], "盘亏", book=Decimal(21))
    assert refused.value.book == 20
    db.session.rollback()
    assert a4.on_hand == 20 and adjustments(a4) == 0


def test_a_count_is_refused_while_the_item_is_being_issued(items, org, client, login):
    record = requisition(org, items)  # 复印纸 and 中性笔
    engine.transition(record.instance, "approve", org["head"])
    db.session.commit()
    assert record.instance.step_key == "issue"
    # Waiting for a later issue day: not being issued, the count goes ahead.
    assert record.issue_day > local_now().date()
    assert services.count(items["PEN"], Decimal(99), org["adminoffice"], "盘亏") is not None
    db.session.rollback()
    record.issue_day = local_now().date()  # the issue day: the assistant is issuing it
    db.session.commit()
    login("adminoffice")
    response = client.post("/supplies/stock/count", data=count_form(items["A4"], "19", "20"))
    assert response.status_code == 422
    assert f"领用单 {record.number} 正在发放“复印纸”" in response.text
    assert items["A4"].on_hand == 20 and adjustments(items["A4"]) == 0
    # Other items are not held up.
    response = client.post("/supplies/stock/count", data=count_form(items["TONER"], "0", "1"))
    assert response.status_code == 303


def test_only_the_gm_posts_a_difference_above_the_limit(items, org):
    toner = items["TONER"]  # 1 at 320 元; 10 missing is 3,200 元 > 2,000 元
    services.receive(toner, Decimal(10), 32000, org["adminoffice"])
    db.session.commit()
    with pytest.raises(StockError, match="须经总经理审批，由总经理本人登记调整"):
        services.count(toner, Decimal(1), org["adminhead"], "盘亏", book=Decimal(11))
    db.session.rollback()
    assert toner.on_hand == 11 and adjustments(toner) == 0
    entry = services.count(toner, Decimal(1), org["gm"], "硒鼓丢失，已报案", book=Decimal(11))
    db.session.commit()
    assert toner.on_hand == 1 and entry.quantity == -10
    assert entry.actor_id == org["gm"].id
    assert entry.note == "硒鼓丢失，已报案（差异金额 3200.00 元，超过 2000 元，经总经理审批）"


def test_the_refusal_tells_the_counter_that_the_gm_must_post_it(items, org, client, login):
    toner = items["TONER"]
    services.receive(toner, Decimal(10), 32000, org["adminoffice"])
    db.session.commit()
    login("adminoffice")
    response = client.post("/supplies/stock/count", data=count_form(toner, "1", "11"))
    assert response.status_code == 422
    assert "须经总经理审批，由总经理本人登记调整" in response.text
    assert toner.on_hand == 11 and adjustments(toner) == 0


def test_the_gm_posts_it_through_the_count_page(items, org, client, login):
    toner = items["TONER"]
    services.receive(toner, Decimal(10), 32000, org["adminoffice"])
    db.session.commit()
    login("gm")
    assert client.get("/supplies/stock/count?item=" + toner.code).status_code == 200
    assert client.get("/supplies/stock/receive").status_code == 403  # receipts stay 行政办's
    response = client.post("/supplies/stock/count", data=count_form(toner, "1", "11", "硒鼓丢失"))
    assert response.status_code == 303
    assert toner.on_hand == 1 and adjustments(toner) == 1
