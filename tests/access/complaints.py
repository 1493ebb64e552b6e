"""Customer complaints: registers for everyone (scoped), intake for 客服/销售, records for 客服,
品质部, the GM and those assigned, stage pages for the step's owners only, the report for
客服/品质部/GM. `producer` (生产部) is not among the matrix users, so the rework page is 403."""

ANON = {"anon": 302}
EVERYONE = {**ANON, "*": 200}
ALL_SEEING = {**ANON, "service": 200, "quality": 200, "inspector": 200, "gm": 200, "admin": 200,
              "*": 403}  # fmt: skip
INTAKE = {**ANON, "service": 200, "employee": 200, "head": 200, "admin": 200, "*": 403}
INTAKE_POST = {**ANON, "service": 422, "employee": 422, "head": 422, "admin": 422, "*": 403}
QA_STAFF = {**ANON, "quality": 200, "inspector": 200, "*": 403}
SERVICE = {**ANON, "service": 200, "*": 403}
SUBRECORDS = {**ANON, "service": 200, "quality": 200, "inspector": 200, "admin": 200, "*": 403}
# The claim countersigners (finance, head) are assigned to that complaint, so they also read
# its returns (returns follow their complaint).
CLAIM_READERS = {**ALL_SEEING, "finance": 200, "head": 200}
NOBODY = {**ANON, "*": 403}


def world(org):
    from portal.complaints import services
    from portal.complaints.models import Complaint
    from portal.core import clock
    from portal.extensions import db
    from portal.workflow import engine
    from tests.complaints.helpers import MONDAY_10, Player, intake

    player = Player(org)

    def case(step: str, **override):
        with clock.frozen(MONDAY_10):
            complaint = services.register_complaint(
                intake(customer_company=f"客户{step}"), [], org["service"]
            )
            db.session.commit()
            return player.to(complaint, step, **override) if step != "analysis" else complaint

    ids = {s: case(s).id for s in ("analysis", "containment", "reply", "reply_send", "capa",
                                   "verify", "close", "follow_up")}  # fmt: skip
    ids["clarify"] = case("clarify", valid=False).id
    second = case("follow_up")
    player.act(second, satisfaction=1, second_reason="low_score")
    ids["second"] = second.id
    returned = case("reply_approval")
    engine.transition(returned.instance, "reject", org["quality"], "重新登记")
    capa = db.session.get(Complaint, ids["capa"])
    disposition = services.register_return(
        capa, {"qty_received": 5, "reason": "开路"}, org["service"]
    )
    rework = services.register_return(capa, {"qty_received": 8, "reason": "短路"}, org["service"])
    rework.disposition = "rework"
    engine.transition(
        rework.instance,
        "complete",
        org["inspector"],
        "返工",
        page=engine.current_page(rework.instance),
    )
    data = {
        "claim_type": "quality",
        "amount": 100,
        "items": "工时",
        "countersign": ["QA", "SAL", "FIN"],
    }
    claim = services.register_claim(capa, data, [], org["service"])
    write_off = services.register_claim(capa, {**data, "countersign": ["QA"]}, [], org["service"])
    engine.transition(write_off.instance, "approve", org["quality"], "同意")
    engine.transition(write_off.instance, "approve", org["gm"], "同意")
    rejected = services.register_claim(capa, {**data, "countersign": ["QA"]}, [], org["service"])
    engine.transition(rejected.instance, "reject", org["quality"], "金额有误")
    db.session.commit()
    return {
        **{f"c_{k}": v for k, v in ids.items()},
        "c_returned": returned.id,
        "r_disposition": disposition.id,
        "r_rework": rework.id,
        "claim": claim.id,
        "claim_write_off": write_off.id,
        "claim_returned": rejected.id,
    }


QA_MANAGER = {**ANON, "quality": 200, "*": 403}


def _stage(path: str, key: str, expect: dict) -> list[dict]:
    return [
        {"url": f"/complaints/{{{key}}}/{path}", "expect": expect},
        {"url": f"/complaints/{{{key}}}/{path}", "method": "POST",
         "expect": {k: (422 if v == 200 else v) for k, v in expect.items()}},
    ]  # fmt: skip


ROUTES = {
    "complaints.index": [{"url": "/complaints/", "expect": EVERYONE},
                         {"url": "/complaints/?date_from=bad", "expect": {**ANON, "*": 422}}],
    "complaints.register_export": [{"url": "/complaints/register.csv", "expect": EVERYONE}],
    "complaints.returns": [{"url": "/complaints/returns/", "expect": EVERYONE}],
    "complaints.returns_export": [{"url": "/complaints/returns/register.xlsx", "expect": EVERYONE}],
    "complaints.claims": [{"url": "/complaints/claims/", "expect": EVERYONE}],
    "complaints.claims_export": [{"url": "/complaints/claims/register.csv", "expect": EVERYONE}],
    "complaints.monthly_report": [
        {"url": "/complaints/report?month=2026-11", "expect": ALL_SEEING},
        {"url": "/complaints/report.xlsx?month=2026-11", "expect": ALL_SEEING},
    ],
    "complaints.new": [
        {"url": "/complaints/new", "expect": INTAKE},
        {"url": "/complaints/new", "method": "POST", "expect": INTAKE_POST},
    ],
    "complaints.detail": [
        {"url": "/complaints/{c_analysis}", "expect": ALL_SEEING},
        {"url": "/complaints/999999", "expect": {**ANON, "*": 404}},
    ],
    "complaints.edit": [{"url": "/complaints/{c_returned}/edit", "expect": SERVICE},
                        {"url": "/complaints/{c_analysis}/edit", "expect": NOBODY}],
    "complaints.pdf": [{"url": "/complaints/{c_analysis}/pdf", "expect": ALL_SEEING}],
    "complaints.analysis": _stage("analysis", "c_analysis", QA_STAFF),
    "complaints.clarify": _stage("clarify", "c_clarify", SERVICE),
    "complaints.containment": _stage("containment", "c_containment", QA_STAFF),
    "complaints.reply": _stage("reply", "c_reply", QA_STAFF),
    "complaints.reply_send": _stage("reply-send", "c_reply_send", SERVICE),
    "complaints.capa": _stage("capa", "c_capa", QA_STAFF),
    "complaints.verify": _stage("verify", "c_verify", QA_STAFF),
    "complaints.close": _stage("close", "c_close", QA_STAFF),
    "complaints.follow_up": _stage("follow-up", "c_follow_up", SERVICE),
    # The service manager made the first call, so the quality manager makes the second.
    "complaints.second_follow_up": _stage("second-follow-up", "c_second", QA_MANAGER),
    "complaints.return_disposition": [
        {"url": "/complaints/returns/{r_disposition}/disposition", "expect": QA_STAFF},
        {"url": "/complaints/returns/{r_rework}/disposition", "expect": NOBODY},
    ],
    "complaints.return_rework": [{"url": "/complaints/returns/{r_rework}/rework", "expect": NOBODY}],
    "complaints.claim_write_off": [
        {"url": "/complaints/claims/{claim_write_off}/write-off", "expect": {**ANON, "finance": 200, "*": 403}},
        {"url": "/complaints/claims/{claim}/write-off", "expect": NOBODY},
    ],
    "complaints.return_new": [{"url": "/complaints/{c_analysis}/returns/new", "expect": SUBRECORDS},
                              {"url": "/complaints/{c_close}/returns/new", "expect": SUBRECORDS}],
    "complaints.return_detail": [{"url": "/complaints/returns/{r_disposition}", "expect": CLAIM_READERS}],
    "complaints.return_pdf": [{"url": "/complaints/returns/{r_disposition}/pdf", "expect": CLAIM_READERS}],
    "complaints.claim_new": [{"url": "/complaints/{c_analysis}/claims/new", "expect": SUBRECORDS},
                             {"url": "/complaints/{c_follow_up}/claims/new", "expect": NOBODY}],
    "complaints.claim_detail": [{"url": "/complaints/claims/{claim}", "expect": CLAIM_READERS}],
    "complaints.claim_edit": [{"url": "/complaints/claims/{claim_returned}/edit", "expect": SERVICE},
                              {"url": "/complaints/claims/{claim}/edit", "expect": NOBODY}],
    "complaints.claim_pdf": [{"url": "/complaints/claims/{claim}/pdf", "expect": CLAIM_READERS}],
}  # fmt: skip
