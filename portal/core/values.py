"""Typed cell values for registers and reports: a page, a CSV or a PDF shows them as text
(`text()`), an XLSX keeps them as numbers and dates (`portal.core.xlsx`).

Columns return plain values: str, int, Decimal, date, an aware datetime, None, or one of the
two wrappers below for what a plain number would lose: money in 分 and a quantity's unit.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from portal.core.clock import format_local


class Fen(int):
    """Money in 分 (int): shown as 1,280.50 (元), exported as a number of 元."""

    @property
    def yuan(self) -> Decimal:
        return Decimal(int(self)) / 100

    def __str__(self) -> str:
        sign = "-" if self < 0 else ""
        return f"{sign}{abs(self) // 100:,}.{abs(self) % 100:02d}"


def fen(value: int | None) -> Fen | None:
    return None if value is None else Fen(value)


class Measure(NamedTuple):
    """A quantity with its unit (3 包, 2.5 箱): exported as a number formatted with the unit."""

    amount: Decimal
    unit: str = ""

    def number_text(self) -> str:
        return quantity_text(self.amount)

    def __str__(self) -> str:
        return f"{self.number_text()} {self.unit}".strip()


class Percent(float):
    """A share in per cent (12.3 for 12.3 %): shown as 12.3%, exported as a percentage cell."""

    def __str__(self) -> str:
        return f"{float(self):.1f}%"


def percent(value: float | None) -> Percent | None:
    return None if value is None else Percent(value)


def quantity_text(value: Decimal | int | float) -> str:
    """Decimal("3.00") -> "3", Decimal("2.50") -> "2.5"."""
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def text(value) -> str:
    """A value as a page, a CSV or a PDF shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return format_local(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return quantity_text(value)
    if isinstance(value, Percent):
        return str(value)
    return str(value)
