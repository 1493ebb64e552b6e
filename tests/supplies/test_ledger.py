"""The stock ledger: receipts at a price, issues and returns at the moving average, counts, no
stock below zero (also with issuers at once on SQLite and PostgreSQL), and a balance that always
equals a full recount of the ledger."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.auth.models import User
from portal.extensions import db
from portal.supplies import services
from portal.supplies.ledger import StockError, post
from portal.supplies.models import LedgerEntry, StockBalance, SupplyItem


def recount(item) -> tuple[Decimal, int]:
    rows = db.session.execute(
        select(LedgerEntry.quantity, LedgerEntry.amount_fen).where(LedgerEntry.item_id == item.id)
    ).all()
    return sum((q for q, _ in rows), Decimal(0)), sum(a for _, a in rows)


def test_movements_keep_quantity_and_value(items, org):
    a4 = items["A4"]  # 20 包 at 24.50
    services.receive(a4, Decimal(10), 2600, org["adminoffice"], "新供应商")
    assert a4.on_hand == 30 and a4.balance.value_fen == 20 * 2450 + 10 * 2600
    issue = post(
        a4, "issue", Decimal(-6), org["adminoffice"], department_id=org["head"].department_id
    )
    assert issue.unit_price_fen == round((20 * 2450 + 10 * 2600) / 30)
    services.return_stock(a4, Decimal(1), org["adminoffice"], None, "未用完退回")
    services.count(a4, Decimal(24), org["adminoffice"], "盘亏 1 包")
    db.session.commit()
    assert a4.on_hand == 24
    assert recount(a4) == (a4.on_hand, a4.balance.value_fen)
    assert [e.balance_after for e in db.session.scalars(services.ledger(a4))] == [
        24,
        25,
        24,
        30,
        20,
    ]


@pytest.mark.parametrize(
    ("kind", "quantity", "price", "message"),
    [
        ("issue", Decimal(-21), None, "库存不足：现有 20包，不能出库 21包"),
        ("issue", Decimal("-1.5"), None, "数量须为整数"),
        ("receipt", Decimal(5), None, "请填写“复印纸”的入库单价"),
        ("issue", Decimal(0), None, "数量不能为 0"),
    ],
)
def test_refused_movements_change_nothing(items, org, kind, quantity, price, message):
    a4 = items["A4"]
    with pytest.raises(StockError, match=message):
        post(a4, kind, quantity, org["adminoffice"], unit_price_fen=price)
    db.session.rollback()
    assert a4.on_hand == 20 and recount(a4)[0] == 20


def test_fractional_units_take_fractions(items, org):
    tape = items["TAPE"]
    post(tape, "issue", Decimal("-2.5"), org["adminoffice"])
    db.session.commit()
    assert tape.on_hand == Decimal("47.50")


def test_a_count_beyond_the_gm_limit_is_refused(items, org):
    toner = items["TONER"]  # 1 at 320 元; 10 missing would be 3,200 元 > 2,000 元
    services.receive(toner, Decimal(10), 32000, org["adminoffice"])
    with pytest.raises(StockError, match="须经总经理审批"):
        services.count(toner, Decimal(1), org["adminoffice"], "盘亏")
    db.session.rollback()
    assert services.count(toner, toner.on_hand, org["adminoffice"], "") is None  # no difference


def _issuers(app, item_id: int, user_id: int, count: int, forced: bool) -> list[str]:
    """`count` threads each issuing 3. forced: each reads the stock, waits for the others, then
    issues (the race a cron job or a test can make); else each runs as a web request does
    (SQLite's BEGIN IMMEDIATE, PostgreSQL's row lock)."""
    from portal.core.sqlite import write_intent

    barrier = threading.Barrier(count, timeout=30)
    outcomes: list[str] = []

    def issuer():
        with app.app_context():
            try:
                if forced:
                    item = db.session.get(SupplyItem, item_id)
                    _ = item.on_hand
                    barrier.wait()
                    post(item, "issue", Decimal(-3), db.session.get(User, user_id))
                else:
                    with write_intent():
                        item = db.session.get(SupplyItem, item_id)
                        post(item, "issue", Decimal(-3), db.session.get(User, user_id))
                db.session.commit()
                outcomes.append("ok")
            except StockError:
                db.session.rollback()
                outcomes.append("refused")
            except Exception as exc:  # any database error fails the test
                db.session.rollback()
                outcomes.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=issuer) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    db.session.rollback()
    return outcomes


def test_queued_issuers_take_what_there_is_and_no_more(app, items, org):
    """Eight issuers at once, each taking 3 of 20: six succeed, two are refused cleanly."""
    outcomes = _issuers(app, items["A4"].id, org["adminoffice"].id, 8, forced=False)
    assert sorted(outcomes) == ["ok"] * 6 + ["refused"] * 2, outcomes
    balance = db.session.get(StockBalance, items["A4"].id)
    assert balance.quantity == 2 and recount(items["A4"]) == (2, balance.value_fen)


def test_forced_races_never_take_stock_below_zero(app, items, org):
    """Eight issuers that all read 20 first: however many win, the rest are refused cleanly,
    the stock never goes below zero and the balance equals a full recount."""
    outcomes = _issuers(app, items["A4"].id, org["adminoffice"].id, 8, forced=True)
    assert set(outcomes) <= {"ok", "refused"}, outcomes
    balance = db.session.get(StockBalance, items["A4"].id)
    assert balance.quantity == 20 - 3 * outcomes.count("ok") >= 0
    assert recount(items["A4"]) == (balance.quantity, balance.value_fen)
    issues = db.session.scalar(
        select(func.count()).where(
            LedgerEntry.item_id == items["A4"].id, LedgerEntry.kind == "issue"
        )
    )
    assert issues == outcomes.count("ok")
