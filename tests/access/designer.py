"""Designer: system administrators design every form, department heads their department's
(the demo forms belong to no department, so only the administrator edits them); every user may start the demo 来访登记 and list its register; a
record is read by its applicant, their department head, the people of its steps and the
administrator; only the holder of the open step opens its step page."""

ANON = {"anon": 302}
EVERYONE = {**ANON, "*": 200}
ADMIN = {**ANON, "admin": 200, "*": 403}
HEADS = ("admin", "head", "gm", "adminhead", "finance", "quality", "service")
DESIGNERS = {**ANON, **dict.fromkeys(HEADS, 200), "*": 403}
READERS = {**ANON, "admin": 200, "employee": 200, "head": 200, "adminoffice": 200, "*": 403}


def world(org):
    from datetime import datetime

    from portal.core.clock import local_now
    from portal.designer import services
    from portal.designer.models import DesignedRecord
    from portal.designer.views import DEFINITIONS
    from portal.extensions import db

    services.import_definition((DEFINITIONS / "visitor.yaml").read_text("utf-8"), org["admin"])
    db.session.commit()
    form_type = services.get_type_or_404("visitor")
    record = DesignedRecord(version=form_type.current, form_type_id=form_type.id,
                            values={"visitor_name": "王五", "people": "2", "purpose": "洽谈",
                                    "arrive_at": f"{local_now():%Y-%m-%dT%H:%M}"})  # fmt: skip
    db.session.add(record)
    db.session.flush()
    from portal.workflow import engine

    record.instance = engine.start(form_type.current.flow_key, record, org["employee"])
    engine.transition(record.instance, "submit", org["employee"])
    db.session.commit()
    assert isinstance(record.instance.submitted_at, datetime)
    return {"record": record.id}


def post(url: str, expect: dict, **data) -> dict:
    return {"url": url, "method": "POST", "data": data, "expect": expect}


ADMIN_422 = {**ANON, "admin": 422, "*": 403}
ADMIN_303 = {**ANON, "admin": 303, "*": 403}

ROUTES = {
    "designer.index": [{"url": "/designer/", "expect": DESIGNERS}],
    "designer.start": [{"url": "/designer/start", "expect": EVERYONE}],
    "designer.create": [
        {"url": "/designer/new", "expect": DESIGNERS},
        post("/designer/new", {**ANON, **dict.fromkeys(HEADS, 422), "*": 403}, key="", name=""),
    ],
    "designer.import_file": [
        {"url": "/designer/import", "expect": DESIGNERS},
        post(
            "/designer/import",
            {**ANON, **dict.fromkeys(HEADS, 422), "*": 403},
            source="key: [unclosed",
        ),
    ],
    "designer.edit": [
        {"url": "/designer/visitor/", "expect": ADMIN},
        {"url": "/designer/nosuch/", "expect": {**ANON, "*": 404}},
    ],
    "designer.publish": [post("/designer/visitor/publish", ADMIN_422)],  # nothing changed yet
    "designer.settings": [post("/designer/visitor/settings", ADMIN_422, name="", prefix="")],
    "designer.field_preview": [
        post("/designer/visitor/fields/preview", {**ANON, "admin": 200, "*": 403})
    ],
    "designer.field_save": [post("/designer/visitor/fields", ADMIN_422, key="", label="")],
    "designer.step_save": [post("/designer/visitor/steps", ADMIN_422, key="", name="")],
    "designer.source": [post("/designer/visitor/source", ADMIN_422, source="")],
    "designer.field_move": [post("/designer/visitor/fields/people/up", ADMIN_303)],
    "designer.step_move": [post("/designer/visitor/steps/confirm/up", ADMIN_303)],
    "designer.preview": [{"url": "/designer/visitor/preview", "expect": ADMIN}],
    "designer.export": [{"url": "/designer/visitor/export.json", "expect": ADMIN}],
    "designer.new": [
        {"url": "/designer/visitor/apply", "expect": EVERYONE},
        post("/designer/visitor/apply", {**ANON, "*": 422}, visitor_name=""),
    ],
    "designer.detail": [{"url": "/designer/r/{record}", "expect": READERS}],
    "designer.pdf": [{"url": "/designer/r/{record}/pdf", "expect": READERS}],
    "designer.step": [
        {"url": "/designer/r/{record}/step", "expect": {**ANON, "adminoffice": 200, "*": 403}}
    ],
    "designer.register": [{"url": "/designer/visitor/register", "expect": EVERYONE}],
    "designer.register_export": [
        {"url": "/designer/visitor/register.csv", "expect": EVERYONE},
    ],
}
