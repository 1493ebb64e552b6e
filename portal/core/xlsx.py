"""The one XLSX writer: sheets of a header row and rows of plain values (registers, reports).

Cells are written as values, never as formulas: text that starts with = + - @ or a control
character is stored as a string cell marked quotePrefix, so a spreadsheet shows it as typed
instead of evaluating it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


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
            sheet.append([_cell(v) for v in values])
            if bold:
                for cell in sheet[sheet.max_row]:
                    cell.font = Font(bold=True)
        if spec.header:
            sheet.append(list(spec.header))
            for cell in sheet[sheet.max_row]:
                cell.font = Font(bold=True)
                cell.fill = PatternFill("solid", fgColor="DDE3EA")
            if spec.freeze_header and not spec.preamble:
                sheet.freeze_panes = "A2"
        for row in spec.rows:
            sheet.append([_cell(v) for v in row])
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                    cell.data_type = "s"
                    cell.quotePrefix = True
        for index, width in enumerate(spec.widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell(value):
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)
