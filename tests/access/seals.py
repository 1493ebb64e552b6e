"""Seal requests: the applicant, their department head, the people on the flow, the keepers
of the chosen seals and the admin office / GM read a request; another department cannot.
Only the applicant edits, and only before submitting; only the keeper stamps; only the GM (or
their 受托人) confirms a take-out. Everyone may list the catalogue; 行政办主任 and the system
administrator manage it."""

ANON = {"anon": 302}
EVERYONE = {**ANON, "*": 200}
NOBODY = {**ANON, "*": 403}
# Readers of a 公章 request by 张三 (销售部): applicant, head, viewer roles (admin, gm,
# adminhead, adminoffice; adminoffice also keeps 公章).
READERS = {
    **ANON, "admin": 200, "employee": 200, "head": 200, "gm": 200, "adminhead": 200,
    "adminoffice": 200, "*": 403,
}  # fmt: skip
MANAGERS = {**ANON, "admin": 200, "adminhead": 200, "*": 403}


def world(org):
    from portal.extensions import db
    from portal.files.services import Checked, store
    from portal.seals import demo, services
    from portal.workflow import engine
    from tests.seals.conftest import PDF, valid_data

    seals = demo.build_catalogue(org)
    employee = org["employee"]

    def request(**fields):
        return services.save_request(None, employee, valid_data(seals, **fields), submit=True)

    draft = services.save_request(None, employee, valid_data(seals), submit=False)
    attachment = store(Checked("文件.pdf", "application/pdf", PDF), draft.instance_id, employee)
    at_head = request()
    at_stamp = request()
    engine.transition(at_stamp.instance, "approve", org["head"])
    engine.transition(at_stamp.instance, "approve", org["gm"])
    at_gm_take_out = request(take_out=True)
    engine.transition(at_gm_take_out.instance, "approve", org["head"])
    at_return = request(take_out=True)
    engine.transition(at_return.instance, "approve", org["head"])
    services.approve_take_out(at_return, org["gm"])
    services.stamp(at_return, org["adminoffice"], [3], at_return.created_at, at_return.created_at)
    db.session.commit()
    return {
        "draft": draft.id, "attachment": attachment.id, "at_head": at_head.id,
        "at_stamp": at_stamp.id, "at_gm_take_out": at_gm_take_out.id, "at_return": at_return.id,
        "seal": seals["公章"].id,
    }  # fmt: skip


ROUTES = {
    "seals.index": [
        {"url": "/seals/", "expect": EVERYONE},
        {"url": "/seals/?status=in_progress&q=合同", "expect": EVERYONE},
    ],
    "seals.register_export": [
        {"url": "/seals/register.csv", "expect": EVERYONE},
        {"url": "/seals/register.xlsx", "expect": EVERYONE},
        {"url": "/seals/register.doc", "expect": {"*": 404}},  # no such route: 404 before login
    ],
    "seals.new": [
        {"url": "/seals/new", "expect": EVERYONE},
        # An empty submit: the form comes back with its messages (nothing is saved).
        {
            "url": "/seals/new",
            "method": "POST",
            "data": {"intent": "submit"},
            "expect": {**ANON, "*": 422},
        },
    ],
    "seals.detail": [
        {"url": "/seals/{at_head}", "expect": READERS},
        {"url": "/seals/{draft}", "expect": READERS},
        {"url": "/seals/999999", "expect": {**ANON, "*": 404}},
    ],
    "seals.pdf": [{"url": "/seals/{at_stamp}/pdf", "expect": READERS}],
    "seals.edit": [
        {"url": "/seals/{draft}/edit", "expect": {**ANON, "employee": 200, "*": 403}},
        # Nobody edits after submitting, the applicant included.
        {"url": "/seals/{at_head}/edit", "expect": NOBODY},
        {
            "url": "/seals/{at_stamp}/edit",
            "method": "POST",
            "data": {"intent": "draft"},
            "expect": NOBODY,
        },
    ],
    "seals.remove_attachment": [
        {
            "url": "/seals/{at_head}/attachments/{attachment}/remove",
            "method": "POST",
            "expect": NOBODY,
        },
    ],
    "seals.approve": [
        {"url": "/seals/{at_gm_take_out}/approve", "expect": {**ANON, "gm": 200, "*": 403}},
        {"url": "/seals/{at_head}/approve", "expect": NOBODY},
    ],
    "seals.stamp": [
        {"url": "/seals/{at_stamp}/stamp", "expect": {**ANON, "adminoffice": 200, "*": 403}},
        {
            "url": "/seals/{at_stamp}/stamp",
            "method": "POST",
            "data": {},
            "expect": {**ANON, "adminoffice": 422, "*": 403},
        },
        {
            "url": "/seals/{at_stamp}/stamp",
            "method": "POST",
            "data": {"button": "refuse", "reason": ""},
            "expect": {**ANON, "adminoffice": 422, "*": 403},
        },
        {"url": "/seals/{at_head}/stamp", "expect": NOBODY},
    ],
    "seals.return_seal": [
        {"url": "/seals/{at_return}/return", "expect": {**ANON, "adminoffice": 200, "*": 403}},
        {"url": "/seals/{at_stamp}/return", "expect": NOBODY},
    ],
    "seals.catalogue": [{"url": "/seals/catalogue", "expect": EVERYONE}],
    "seals.seal_detail": [
        {"url": "/seals/catalogue/{seal}", "expect": EVERYONE},
        {"url": "/seals/catalogue/999999", "expect": {**ANON, "*": 404}},
    ],
    "seals.seal_edit": [
        {"url": "/seals/catalogue/new", "expect": MANAGERS},
        {"url": "/seals/catalogue/{seal}/edit", "expect": MANAGERS},
        {
            "url": "/seals/catalogue/{seal}/edit",
            "method": "POST",
            "data": {"name": ""},
            "expect": {**ANON, "admin": 422, "adminhead": 422, "*": 403},
        },
    ],
}
