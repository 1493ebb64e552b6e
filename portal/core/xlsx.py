"""The one XLSX writer: sheets of a header row and rows of plain values (registers, reports).

Cells are written as values, never as formulas: text that starts with = + - @ or a control
character is stored as a string cell marked quotePrefix, so a spreadsheet shows it as typed
instead of evaluating it. Numbers stay numbers (money in 元 with two decimals, a quantity with
its unit as a number format), dates and times are dates in a Chinese format, so people can sum,
sort and filter. The header row is frozen and each column is as wide as its longest value
(CJK characters count double), within bounds.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from portal.core.clock import to_local
from portal.core.values import Fen, Measure, Percent, text

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
DATE_FORMAT = 'yyyy"年"m"月"d"日"'
DATETIME_FORMAT = 'yyyy"年"m"月"d"日" hh:mm'
MONEY_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.0%"
MIN_WIDTH, MAX_WIDTH = 6, 60


@dataclass
class Sheet:
    title: str
    header: list[str] = field(default_factory=list)
    rows: list[list] = field(default_factory=list)
    widths: list[int] = field(default_factory=list)
    # Free rows before the header (a title, section headings): (row values, bold)
    preamble: list[tuple[list, bool]] = field(default_factory=list)
    freeze_header: bool = True


def write(sheets: list[Sheet]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    for spec in sheets:
        sheet = book.create_sheet(spec.title[:31] or "Sheet")
        for values, bold in spec.preamble:
            typed = [_typed(v) for v in values]
            sheet.append([value for value, _ in typed])
            for cell, (_, number_format) in zip(sheet[sheet.max_row], typed, strict=False):
                if number_format:
                    cell.number_format = number_format
                if bold:
                    cell.font = Font(bold=True)
        if spec.header:
            sheet.append(list(spec.header))
            for cell in sheet[sheet.max_row]:
                cell.font = Font(bold=True)
                cell.fill = PatternFill("solid", fgColor="DDE3EA")
            if spec.freeze_header and not spec.preamble:
                sheet.freeze_panes = "A2"
        widths = [_width(text(v)) for v in spec.header]
        for row in spec.rows:
            typed = [_typed(v) for v in row]
            sheet.append([value for value, _ in typed])
            for cell, (value, number_format) in zip(sheet[sheet.max_row], typed, strict=False):
                if number_format:
                    cell.number_format = number_format
                if isinstance(value, str) and value.startswith(FORMULA_STARTS):
                    cell.data_type = "s"
                    cell.quotePrefix = True
            for index, original in enumerate(row):
                shown = _width(text(original))
                if index < len(widths):
                    widths[index] = max(widths[index], shown)
                else:
                    widths.append(shown)
        for index, width in enumerate(widths, start=1):
            floor = spec.widths[index - 1] if index <= len(spec.widths) else MIN_WIDTH
            # As wide as the longest value, but a long text wraps rather than fill the screen.
            sheet.column_dimensions[get_column_letter(index)].width = min(
                MAX_WIDTH, max(floor, width)
            )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _typed(value) -> tuple[object, str]:
    """(cell value, number format) for one value."""
    if value is None or isinstance(value, bool):
        return value, ""
    if isinstance(value, Fen):
        return value.yuan, MONEY_FORMAT
    if isinstance(value, Percent):
        return float(value) / 100, PERCENT_FORMAT
    if isinstance(value, Measure):
        unit = value.unit.replace('"', "")
        return value.amount, f'General" {unit}"' if unit else "General"
    if isinstance(value, int | float | Decimal):
        return value, ""
    if isinstance(value, datetime):
        local = to_local(value) if value.tzinfo else value
        return local.replace(tzinfo=None), DATETIME_FORMAT
    if isinstance(value, date):
        return value, DATE_FORMAT
    return str(value), ""


def _width(shown: str) -> int:
    """Display width of a cell's text: CJK and full-width characters count two."""
    longest = max(shown.splitlines() or [""], key=len)
    wide = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in longest)
    return wide + 2
