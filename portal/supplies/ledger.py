"""The stock ledger (《办公用品出入库台账》): every movement is one appended row, and the item's
balance row is updated in the same transaction under its row lock, so stock on hand is read
from one row and concurrent issues cannot take it below zero (第二十二条 帐物相符).

Value follows the moving average: a receipt adds its cost; an issue, a return or a count
adjustment moves stock at the current average unit cost.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from portal.core.clock import now
from portal.core.locking import Busy, lock_row
from portal.extensions import db
from portal.supplies.models import LedgerEntry, StockBalance, SupplyItem, qty_text


class StockError(ValueError):
    """A movement the stock does not allow; the message is shown to the user as is."""


def _balance(item: SupplyItem) -> StockBalance:
    balance = db.session.get(StockBalance, item.id)
    if balance is None:
        balance = StockBalance(item_id=item.id, quantity=Decimal(0), value_fen=0)
        db.session.add(balance)
        db.session.flush()
    return balance


def lock_balance(item: SupplyItem) -> StockBalance:
    """The item's balance, locked for this transaction and re-read (what another writer just
    committed is seen here)."""
    _balance(item)
    try:
        return lock_row(StockBalance, item.id)
    except Busy as exc:
        raise StockError(f"“{item.name}”正在被他人出入库，请稍后再试。") from exc


def _fen(value: Decimal) -> int:
    return int(value.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def average_cost(balance: StockBalance, item: SupplyItem) -> Decimal:
    if balance.quantity > 0:
        return Decimal(balance.value_fen) / balance.quantity
    return Decimal(item.price_fen)


def post(item: SupplyItem, kind: str, quantity: Decimal, user, *, unit_price_fen: int | None = None,
         department_id: int | None = None, line_id: int | None = None, reference: str = "",
         note: str = "") -> LedgerEntry:  # fmt: skip
    """Append one movement (`quantity` signed: + in, - out) and update the balance."""
    quantity = Decimal(quantity)
    if quantity == 0:
        raise StockError("数量不能为 0。")
    if not item.fractional and quantity != quantity.to_integral():
        raise StockError(f"“{item.name}”按{item.unit}计，数量须为整数。")
    balance = lock_balance(item)
    after = balance.quantity + quantity
    if after < 0:
        raise StockError(
            f"“{item.name}”库存不足：现有 {qty_text(balance.quantity, item.unit)}，"
            f"不能出库 {qty_text(-quantity, item.unit)}。"
        )
    if kind == "receipt":
        if unit_price_fen is None or unit_price_fen < 0:
            raise StockError(f"请填写“{item.name}”的入库单价。")
        price = Decimal(unit_price_fen)
    else:
        price = average_cost(balance, item)
    amount = _fen(price * quantity)
    if after == 0:  # the last unit out takes the remaining value with it
        amount = -balance.value_fen if quantity < 0 else amount
    balance.quantity, balance.value_fen, balance.updated_at = (
        after,
        balance.value_fen + amount,
        now(),
    )
    entry = LedgerEntry(
        item_id=item.id, kind=kind, quantity=quantity, unit_price_fen=_fen(price),
        amount_fen=amount, balance_after=after, department_id=department_id, line_id=line_id,
        reference=reference[:60], note=note, actor_id=user.id,
    )  # fmt: skip
    db.session.add(entry)
    db.session.flush()
    return entry
