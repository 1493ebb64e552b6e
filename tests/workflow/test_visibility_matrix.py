"""One rule for who sees what: for every flow with a register and every demo user, the rows the
user sees in the register, on its page and in its CSV and XLSX exports are exactly the records whose page
opens for that user. The demo data (every state of every flow) is loaded once for the module,
plus delegations scoped to one form type, over tasks still open and tasks already closed."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from portal.archive import registers as archive_registers
from portal.complaints import registers as complaint_registers
from portal.core import registers as core
from portal.demo import USERS, load_demo
from portal.extensions import db
from portal.seals.registers import REGISTER as SEALS
from portal.supplies import registers as supply_registers
from portal.workflow import delegation
from portal.workflow.engine import record_url
from portal.workflow.models import Instance
from tests.conftest import Auth
from tests.factories import standard_org

REGISTERS = {
    "seals": (SEALS, "/seals/"),
    "complaints": (complaint_registers.COMPLAINTS, "/complaints/"),
    "complaint_returns": (complaint_registers.RETURNS, "/complaints/returns/"),
    "complaint_claims": (complaint_registers.CLAIMS, "/complaints/claims/"),
    "supplies": (supply_registers.REQUISITIONS, "/supplies/"),
    "supply_purchases": (supply_registers.PURCHASES, "/supplies/purchases/"),
    "archive": (archive_registers.BATCHES, "/archive/batches/"),
    "archive_loans": (archive_registers.LOANS, "/archive/loans/"),
}
# principal -> delegate, on one form type (None: all)
DELEGATIONS = [("gm", "deputy", "seals"), ("head", "employee", "complaint_claims"),
               ("finance", "adminoffice", None), ("quality", "archivist", "complaints"),
               ("adminhead", "producer", "supplies")]  # fmt: skip


@pytest.fixture(scope="module")
def app(module_app):
    """The tests here only read: the demo data is loaded once for the module."""
    return module_app


@pytest.fixture(scope="module")
def world(app):
    org = standard_org()
    load_demo()
    today = delegation.today()
    for principal, delegate, form_type in DELEGATIONS:
        delegation.create_delegation(
            org[principal], org[delegate], today - timedelta(days=1), today + timedelta(days=7),
            created_by=org[principal], form_type=form_type,
        )  # fmt: skip
    db.session.commit()
    return org


def _numbers_of(register, rows) -> set[str]:
    column = next(c for c in register.columns if c.key == "number")
    return {column.value(row) for row in rows}


def _csv_numbers(register, body: str) -> set[str]:
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    index = [c.key for c in register.columns].index("number")
    return {row[index] for row in rows[1:]}


def _xlsx_numbers(register, body: bytes) -> set[str]:
    sheet = load_workbook(io.BytesIO(body)).active
    index = [c.key for c in register.columns].index("number")
    return {row[index] for row in sheet.iter_rows(min_row=2, values_only=True)}


@pytest.mark.parametrize("form_type", sorted(REGISTERS))
def test_register_rows_are_exactly_the_records_that_open(app, world, form_type):
    register, url = REGISTERS[form_type]
    instances = db.session.scalars(
        db.select(Instance).where(
            Instance.form_type == form_type, Instance.submitted_at.is_not(None)
        )
    ).all()
    if form_type == "seals":  # the 印章使用登记表 lists stamping events: stamped requests only
        instances = [i for i in instances if any(x.stamped_at for x in i.seal_request.items)]
    assert instances, f"the demo data has no {form_type} records"
    pages = {i.number: record_url(i) for i in instances}
    for username in [u[0] for u in USERS]:
        user = world[username]
        client = app.test_client()
        Auth(client).as_user(user)
        opens = {n for n, page in pages.items() if client.get(page).status_code == 200}
        listed = _numbers_of(
            register, db.session.scalars(core.build_query(register, core.Filters(), user))
        )
        assert listed == opens, (username, sorted(listed ^ opens))
        exported = _csv_numbers(register, client.get(f"{url}register.csv").get_data(as_text=True))
        assert exported == opens, (username, sorted(exported ^ opens))
        exported = _xlsx_numbers(register, client.get(f"{url}register.xlsx").data)
        assert exported == opens, (username, sorted(exported ^ opens))
        page = client.get(url).get_data(as_text=True)
        assert {n for n in pages if n in page} == opens, username
        db.session.rollback()


@pytest.mark.parametrize("form_type", sorted(REGISTERS))
def test_every_sortable_column_sorts(app, world, form_type):
    """Each header link of a register, both ways, for one who reads all and one who does not."""
    register, url = REGISTERS[form_type]
    keys = [c.key for c in register.columns if c.sort is not None]
    for username in ("admin", "employee"):
        client = app.test_client()
        Auth(client).as_user(world[username])
        for key in keys:
            for direction in ("asc", "desc"):
                response = client.get(url, query_string={"sort": key, "dir": direction})
                assert response.status_code == 200, (username, key, direction)
