"""Supplies: everyone requisitions and lists what they may read; a requisition is read by its
applicant, their department head and 行政办 (and the admin); only 行政助理 issues, the
requester (or 行政助理) signs for it; 行政办主任 decides a purchase request; the catalogue,
stock, ledger and movements are 行政办's; forecasts are set by 行政办 or a department's head."""

ANON = {"anon": 302}
EVERYONE = {**ANON, "*": 200}
NOBODY = {**ANON, "*": 403}
MANAGERS = {**ANON, "admin": 200, "adminhead": 200, "adminoffice": 200, "*": 403}
READERS = {**ANON, "admin": 200, "adminhead": 200, "adminoffice": 200, "employee": 200,
           "head": 200, "*": 403}  # fmt: skip


def world(org):
    from datetime import timedelta
    from decimal import Decimal

    from portal.core import clock
    from portal.extensions import db
    from portal.supplies import services
    from portal.workflow import engine
    from tests.supplies.helpers import catalogue, requisition

    items = catalogue(org)
    draft = requisition(org, items, submit=False)
    at_head = requisition(org, items)
    at_issue = requisition(org, items)
    engine.transition(at_issue.instance, "approve", org["head"])
    at_receive = requisition(org, items)
    engine.transition(at_receive.instance, "approve", org["head"])
    services.issue(at_receive, {x.id: x.quantity for x in at_receive.lines}, org["adminoffice"])
    engine.transition(at_receive.instance, "complete", org["adminoffice"], page="supplies.issue")
    line = {"item_id": None, "name": "白板", "spec": "", "unit": "个", "quantity": Decimal(1),
            "price_fen": 50000}  # fmt: skip
    purchase = services.save_purchase({"reason": "会议室", "needed_by": None, "lines": [line]},
                                      org["employee"])  # fmt: skip
    engine.transition(purchase.instance, "approve", org["head"])
    with clock.frozen(clock.now() + timedelta(days=1)):
        plan = services.build_plan(org["adminoffice"])
        engine.transition(plan.instance, "approve", org["adminhead"])
    db.session.commit()
    return {
        "draft": draft.id, "at_head": at_head.id, "at_issue": at_issue.id,
        "at_receive": at_receive.id, "purchase": purchase.id, "plan": plan.id,
        "item": items["A4"].id, "sales": org["head"].department_id,
    }  # fmt: skip


ROUTES = {
    "supplies.index": [{"url": "/supplies/", "expect": EVERYONE}],
    "supplies.register_export": [{"url": "/supplies/register.csv", "expect": EVERYONE}],
    "supplies.new": [
        {"url": "/supplies/new", "expect": EVERYONE},
        {
            "url": "/supplies/new",
            "method": "POST",
            "data": {"intent": "submit"},
            "expect": {**ANON, "*": 422},
        },
    ],
    "supplies.edit": [
        {"url": "/supplies/{draft}/edit", "expect": {**ANON, "employee": 200, "*": 403}},
        {"url": "/supplies/{at_head}/edit", "expect": NOBODY},
    ],
    "supplies.detail": [
        {"url": "/supplies/{at_head}", "expect": READERS},
        {"url": "/supplies/999999", "expect": {**ANON, "*": 404}},
    ],
    "supplies.pdf": [{"url": "/supplies/{at_issue}/pdf", "expect": READERS}],
    "supplies.issue": [
        {"url": "/supplies/{at_issue}/issue", "expect": {**ANON, "adminoffice": 200, "*": 403}},
        {
            "url": "/supplies/{at_issue}/issue",
            "method": "POST",
            "data": {"quantities-0": "-1"},
            "expect": {**ANON, "adminoffice": 422, "*": 403},
        },
        {"url": "/supplies/{at_head}/issue", "expect": NOBODY},
    ],
    "supplies.receive": [
        {
            "url": "/supplies/{at_receive}/receive",
            "expect": {**ANON, "adminoffice": 200, "employee": 200, "*": 403},
        },
        {"url": "/supplies/{at_issue}/receive", "expect": NOBODY},
    ],
    "supplies.purchases": [{"url": "/supplies/purchases/", "expect": EVERYONE}],
    "supplies.purchases_export": [{"url": "/supplies/purchases/register.xlsx", "expect": EVERYONE}],
    "supplies.purchase_new": [{"url": "/supplies/purchases/new", "expect": EVERYONE}],
    "supplies.purchase_detail": [
        {"url": "/supplies/purchases/{purchase}", "expect": {**READERS, "gm": 200}},
    ],
    "supplies.purchase_pdf": [
        {"url": "/supplies/purchases/{purchase}/pdf", "expect": {**READERS, "gm": 200}},
    ],
    "supplies.decide": [
        {
            "url": "/supplies/purchases/{purchase}/decide",
            "expect": {**ANON, "adminhead": 200, "*": 403},
        },
    ],
    "supplies.plans": [{"url": "/supplies/plans/", "expect": EVERYONE}],
    "supplies.plans_export": [
        {"url": "/supplies/plans/register.csv", "expect": EVERYONE},
        {"url": "/supplies/plans/register.pdf?month=2026-12", "expect": EVERYONE},
    ],
    "supplies.plan_build": [
        {
            "url": "/supplies/plans/build",
            "method": "POST",
            "expect": {**ANON, "admin": 303, "adminhead": 303, "adminoffice": 303, "*": 403},
        },
    ],
    "supplies.plan_detail": [
        {"url": "/supplies/plans/{plan}", "expect": {**MANAGERS, "gm": 200, "finance": 200}},
    ],
    "supplies.plan_pdf": [
        {"url": "/supplies/plans/{plan}/pdf", "expect": {**MANAGERS, "gm": 200, "finance": 200}},
    ],
    "supplies.plan_receive": [
        {"url": "/supplies/plans/{plan}/receive", "expect": {**ANON, "adminoffice": 200, "*": 403}},
    ],
    "supplies.catalogue": [{"url": "/supplies/catalogue", "expect": EVERYONE}],
    "supplies.item_edit": [
        {"url": "/supplies/catalogue/new", "expect": MANAGERS},
        {"url": "/supplies/catalogue/{item}/edit", "expect": MANAGERS},
        {
            "url": "/supplies/catalogue/new",
            "method": "POST",
            "data": {"code": ""},
            "expect": {**ANON, "admin": 422, "adminhead": 422, "adminoffice": 422, "*": 403},
        },
    ],
    "supplies.catalogue_upload": [{"url": "/supplies/catalogue/import", "expect": MANAGERS}],
    "supplies.stock": [{"url": "/supplies/stock", "expect": MANAGERS}],
    "supplies.stock_export": [
        {"url": "/supplies/stock.xlsx", "expect": MANAGERS},
        {"url": "/supplies/stock.csv?low=1", "expect": MANAGERS},
    ],
    "supplies.ledger": [{"url": "/supplies/ledger", "expect": MANAGERS}],
    "supplies.ledger_export": [{"url": "/supplies/ledger.csv", "expect": MANAGERS}],
    "supplies.movement": [
        {"url": "/supplies/stock/receive", "expect": MANAGERS},
        {
            "url": "/supplies/stock/count",
            "method": "POST",
            "data": {"item": ""},
            "expect": {
                **ANON,
                "admin": 422,
                "adminhead": 422,
                "adminoffice": 422,
                "gm": 422,
                "*": 403,
            },
        },
        {"url": "/supplies/stock/steal", "expect": {"*": 404}},
    ],
    "supplies.forecasts": [
        {"url": "/supplies/forecasts", "expect": EVERYONE},
        # Another department's forecast: only 行政办 (and the admin) may set it.
        {
            "url": "/supplies/forecasts",
            "method": "POST",
            "data": {"department_id": "{sales}", "month": "2026-12", "amount": "800"},
            "expect": {
                **ANON,
                "admin": 303,
                "adminhead": 303,
                "adminoffice": 303,
                "head": 303,
                "*": 422,
            },
        },
    ],
    "supplies.usage_export": [
        {"url": "/supplies/usage.xlsx", "expect": EVERYONE},
        {"url": "/supplies/usage.pdf?month=2026-12", "expect": EVERYONE},
    ],
}
