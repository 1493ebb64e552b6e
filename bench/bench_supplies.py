"""Supplies figures, each beside a reference measured in the same run:

supplies.submit_p95_ms     a 10-line requisition posted through the test client (form, checks,
                           service, engine, commit), 40 runs; supplies.static_p95_ms is a static
                           file from the same client
supplies.stock_on_hand_ms  stock on hand of every item, read from the balance rows, over 100,000
                           ledger rows (target < 20 ms); supplies.recount_ms is the same figure
                           from a full scan of the ledger, and supplies.recount_mismatch counts
                           items where the two disagree (0)
supplies.plan_build_ms     next month's plan from 500 approved purchase requests
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from _common import database, emit, make_app, percentile
from sqlalchemy import func, insert, select

from portal.extensions import db

ITEMS = 40
LEDGER_ROWS = 100_000
REQUESTS = 500


def _timed(fn, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _catalogue(org):
    from portal.supplies import services

    items = []
    for n in range(ITEMS):
        items.append(services.save_item(None, {
            "code": f"BN-{n:03d}", "name": f"物品{n}", "spec": "", "unit": "个",
            "fractional": False, "category": "consumable", "reorder_level": Decimal(5),
            "max_per_line": Decimal(50), "supplier": "", "price_fen": 100 + n, "active": True,
        }, org["admin"]))  # fmt: skip
        services.receive(items[-1], Decimal(100_000), 100 + n, org["adminoffice"])
    db.session.commit()
    return items


def _submit(app, org, items) -> list[float]:
    from tests.conftest import Auth

    client = app.test_client()
    Auth(client).as_user(org["employee"])
    data = {"purpose": "基准", "intent": "submit"}
    for n, item in enumerate(items[:10]):
        data[f"lines-{n}-item"], data[f"lines-{n}-quantity"] = item.code, "1"

    def post():
        assert client.post("/supplies/new", data=data).status_code == 303

    post()  # warm up
    submits = _timed(post, 40)
    statics = _timed(lambda: client.get("/static/css/portal.css").close(), 40)
    return submits, statics


def _ledger(org, items) -> None:
    """Bulk ledger rows (issues of 1, later than the receipts), and the balances to match."""
    from portal.supplies.models import LedgerEntry, StockBalance

    start = datetime(2026, 1, 1, 1, 0, tzinfo=UTC)
    per_item = LEDGER_ROWS // ITEMS
    for item in items:
        rows = [
            {"item_id": item.id, "at": start + timedelta(minutes=i), "kind": "issue",
             "quantity": Decimal(-1), "unit_price_fen": item.price_fen,
             "amount_fen": -item.price_fen, "balance_after": Decimal(100_000 - i - 1),
             "actor_id": org["adminoffice"].id, "reference": "bench"}
            for i in range(per_item)
        ]  # fmt: skip
        db.session.execute(insert(LedgerEntry), rows)
        balance = db.session.get(StockBalance, item.id)
        balance.quantity -= per_item
        balance.value_fen -= per_item * item.price_fen
    db.session.commit()


def _stock(items) -> tuple[list[float], list[float], int]:
    from portal.supplies import services
    from portal.supplies.models import LedgerEntry

    def on_hand():
        db.session.expire_all()
        return {i.id: i.on_hand for i in db.session.scalars(services.catalogue())}

    def recount():
        rows = db.session.execute(
            select(LedgerEntry.item_id, func.sum(LedgerEntry.quantity)).group_by(
                LedgerEntry.item_id
            )
        )
        return dict(rows.all())  # sum() keeps the column type: Decimal quantities

    fast, full = on_hand(), recount()
    mismatch = sum(1 for item_id, value in fast.items() if full.get(item_id) != value)
    return _timed(on_hand, 30), _timed(recount, 10), mismatch


def _requests(org, items) -> None:
    from portal.supplies.models import PurchaseLine, PurchaseRequest
    from portal.workflow import engine

    for n in range(REQUESTS):
        record = PurchaseRequest(reason="基准", decision="purchase")
        record.lines.append(PurchaseLine(item_id=items[n % ITEMS].id, name=f"物品{n % ITEMS}",
                                         unit="个", quantity=Decimal(2), price_fen=500))  # fmt: skip
        db.session.add(record)
        db.session.flush()
        record.instance = engine.start("supply_purchases", record, org["employee"])
        record.instance.status, record.instance.number = "completed", f"SG-BENCH-{n:04d}"
    db.session.commit()


def main() -> None:
    from portal.demo import load_organisation
    from portal.supplies import services
    from tests.factories import standard_org

    with database("sqlite") as url:
        app = make_app(url)
        with app.app_context():
            db.create_all()
            load_organisation()
            org = standard_org()
            items = _catalogue(org)
            submits, statics = _submit(app, org, items)
            _ledger(org, items)
            stock, recount, mismatch = _stock(items)
            _requests(org, items)
            started = time.perf_counter()
            plan = services.build_plan(org["adminoffice"])
            db.session.commit()
            plan_ms = (time.perf_counter() - started) * 1000
            lines = len(plan.lines)
            db.engine.dispose()
    emit("supplies.submit_p95_ms", percentile(submits, 95), "ms")
    emit("supplies.static_p95_ms", percentile(statics, 95), "ms")
    emit("supplies.stock_on_hand_ms", statistics.median(stock), "ms")
    emit("supplies.recount_ms", statistics.median(recount), "ms")
    emit("supplies.recount_mismatch", mismatch, "count")
    emit("supplies.plan_build_ms", plan_ms, "ms")
    emit("supplies.plan_lines", lines, "count")


if __name__ == "__main__":
    main()
