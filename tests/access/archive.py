"""Archive: everyone registers and borrows and reads the catalogue (机密 items only in their own
department and for the archivist, 行政办主任, the GM and the administrator); a 存档登记表 or a
loan is read by its applicant, their department head and those four (the loan not by the GM);
only the archivist checks, hands over, takes back and destroys; only the borrower downloads an
electronic loan; the inventory and the 档案销毁清册 are for those who read everything, the
retention list for the archivist and the administrator."""

ANON = {"anon": 302}
EVERYONE = {**ANON, "*": 200}
NOBODY = {**ANON, "*": 403}
ALL_ITEMS = {**ANON, "admin": 200, "archivist": 200, "adminhead": 200, "gm": 200, "*": 403}
SALES = {**ALL_ITEMS, "employee": 200, "head": 200}
BATCH_READERS = SALES
LOAN_READERS = {**ANON, "admin": 200, "archivist": 200, "adminhead": 200, "employee": 200,
                "head": 200, "*": 403}  # fmt: skip
ARCHIVIST = {**ANON, "archivist": 200, "*": 403}
MANAGERS = {**ANON, "archivist": 200, "admin": 200, "*": 403}


def world(org):
    from datetime import UTC, datetime

    from portal.core import clock
    from portal.extensions import db
    from portal.files import services as files
    from portal.files.services import Checked
    from portal.workflow import engine
    from tests.archive.helpers import (
        accept_all,
        approve_loan,
        archived_item,
        batch,
        hand_over,
        loan,
        row,
        tiny_pdf,
    )

    with clock.frozen(datetime(2015, 6, 1, 2, 0, tzinfo=UTC)):
        old = accept_all(batch(org, rows=[row("2014年招标文件", "TB")]), org).items[0]
    at_head = batch(org)
    at_check = batch(org)
    engine.transition(at_check.instance, "approve", org["head"])
    normal = archived_item(org)
    secret = archived_item(org, "confidential", title="董事会决议")
    stored = files.store(Checked("合同.pdf", "application/pdf", tiny_pdf()),
                         normal.batch.instance_id, org["employee"], "archive-file")  # fmt: skip
    normal.file_id, normal.file_format, normal.file_sha256 = stored.id, "pdf", stored.sha256
    db.session.commit()
    asked = loan(org, normal)
    ready = loan(org, normal)
    approve_loan(ready, org)
    out = loan(org, archived_item(org))
    approve_loan(out, org)
    hand_over(out, org)
    electronic = loan(org, normal, mode="electronic")
    approve_loan(electronic, org)
    from portal.archive import services

    token = services.download_link(electronic)
    disposal = services.propose_disposal([old], "保管期满", org["archivist"])
    db.session.commit()
    return {
        "at_head": at_head.id, "at_check": at_check.id, "normal": normal.id, "secret": secret.id,
        "asked": asked.id, "ready": ready.id, "out": out.id, "electronic": electronic.id,
        "token": token, "disposal": disposal.id,
    }  # fmt: skip


ROUTES = {
    "archive.index": [
        {"url": "/archive/", "expect": EVERYONE},
        {"url": "/archive/?category=HT&year=2026&secrecy=secret", "expect": EVERYONE},
    ],
    "archive.index_export": [
        {"url": "/archive/register.csv", "expect": EVERYONE},
        {"url": "/archive/register.xlsx?category=HT", "expect": EVERYONE},
        {"url": "/archive/register.pdf", "expect": EVERYONE},
    ],
    "archive.item": [
        {"url": "/archive/items/{normal}", "expect": EVERYONE},
        {"url": "/archive/items/{secret}", "expect": SALES},
        {"url": "/archive/items/999999", "expect": {**ANON, "*": 404}},
    ],
    "archive.item_file": [
        {
            "url": "/archive/items/{normal}/file",
            "expect": {**MANAGERS, "employee": 200, "head": 200},
        },
        {"url": "/archive/items/{secret}/file", "expect": NOBODY},
    ],
    "archive.queue": [
        {"url": "/archive/items/{normal}/queue", "method": "POST", "expect": {**ANON, "*": 303}},
        {
            "url": "/archive/items/{secret}/queue",
            "method": "POST",
            "expect": {**{k: 303 if v == 200 else v for k, v in SALES.items()}},
        },
    ],
    "archive.batches": [{"url": "/archive/batches/", "expect": EVERYONE}],
    "archive.batches_export": [{"url": "/archive/batches/register.csv", "expect": EVERYONE}],
    "archive.new": [
        {"url": "/archive/new", "expect": EVERYONE},
        {
            "url": "/archive/new",
            "method": "POST",
            "data": {"intent": "submit"},
            "expect": {**ANON, "*": 422},
        },
    ],
    "archive.detail": [
        {"url": "/archive/batches/{at_head}", "expect": BATCH_READERS},
        {"url": "/archive/batches/999999", "expect": {**ANON, "*": 404}},
    ],
    "archive.pdf": [{"url": "/archive/batches/{at_check}/pdf", "expect": BATCH_READERS}],
    "archive.check": [
        {"url": "/archive/batches/{at_check}/check", "expect": ARCHIVIST},
        {
            "url": "/archive/batches/{at_check}/check",
            "method": "POST",
            "data": {},
            "expect": {**ANON, "archivist": 422, "*": 403},
        },
        {"url": "/archive/batches/{at_head}/check", "expect": NOBODY},
    ],
    "archive.loans": [
        {"url": "/archive/loans/", "expect": EVERYONE},
        {"url": "/archive/loans/?overdue=1", "expect": EVERYONE},
    ],
    "archive.loans_export": [
        {"url": "/archive/loans/register.xlsx", "expect": EVERYONE},
        {"url": "/archive/loans/register.pdf?overdue=1", "expect": EVERYONE},
    ],
    "archive.loan_new": [
        {"url": "/archive/loans/new", "expect": EVERYONE},
        {"url": "/archive/loans/new?item={normal}", "expect": EVERYONE},
        {"url": "/archive/loans/new", "method": "POST", "data": {}, "expect": {**ANON, "*": 422}},
    ],
    "archive.loan_detail": [
        {"url": "/archive/loans/{asked}", "expect": LOAN_READERS},
        {"url": "/archive/loans/999999", "expect": {**ANON, "*": 404}},
    ],
    "archive.loan_pdf": [{"url": "/archive/loans/{out}/pdf", "expect": LOAN_READERS}],
    "archive.renew": [
        {
            "url": "/archive/loans/{out}/renew",
            "method": "POST",
            "data": {},
            "expect": {**{k: 422 if v == 200 else v for k, v in LOAN_READERS.items()}},
        },
    ],
    "archive.loan_download": [
        {
            "url": "/archive/loans/{electronic}/download/{token}",
            "expect": {**ANON, "employee": 200, "*": 403},
        },
        {"url": "/archive/loans/{electronic}/download/forged", "expect": NOBODY},
    ],
    "archive.hand_over": [
        {"url": "/archive/loans/{ready}/hand-over", "expect": ARCHIVIST},
        {"url": "/archive/loans/{asked}/hand-over", "expect": NOBODY},
    ],
    "archive.take_back": [
        {"url": "/archive/loans/{out}/return", "expect": ARCHIVIST},
        {
            "url": "/archive/loans/{out}/return",
            "method": "POST",
            "data": {"returned_at": "2001-01-01T00:00", "condition": "good"},
            "expect": {**ANON, "archivist": 422, "*": 403},
        },
        {"url": "/archive/loans/{ready}/return", "expect": NOBODY},
    ],
    "archive.inventory": [{"url": "/archive/inventory", "expect": ALL_ITEMS}],
    "archive.inventory_export": [
        {"url": "/archive/inventory.csv?room=档案室A", "expect": ALL_ITEMS}
    ],
    "archive.retention": [
        {"url": "/archive/retention", "expect": MANAGERS},
        {
            "url": "/archive/retention",
            "method": "POST",
            "data": {},
            "expect": {**ANON, "archivist": 422, "admin": 422, "*": 403},
        },
    ],
    "archive.disposals": [{"url": "/archive/disposals/", "expect": ALL_ITEMS}],
    "archive.disposals_export": [{"url": "/archive/disposals/register.xlsx", "expect": ALL_ITEMS}],
    "archive.disposal_detail": [
        {"url": "/archive/disposals/{disposal}", "expect": {**ALL_ITEMS, "head": 200}},
    ],
    "archive.disposal_pdf": [
        {"url": "/archive/disposals/{disposal}/pdf", "expect": {**ALL_ITEMS, "head": 200}},
    ],
    "archive.destroy": [{"url": "/archive/disposals/{disposal}/destroy", "expect": NOBODY}],
}
