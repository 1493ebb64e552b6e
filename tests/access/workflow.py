EVERYONE = {"anon": 302, "*": 200}


def world(org):
    from datetime import date

    from portal.extensions import db
    from portal.workflow.delegation import create_delegation

    row = create_delegation(
        org["gm"], org["deputy"], date(2026, 1, 1), date(2099, 1, 1), created_by=org["gm"]
    )
    db.session.commit()
    return {"delegation_id": row.id}


ROUTES = {
    "workflow.inbox": [{"url": "/inbox", "expect": EVERYONE}],
    # Nothing chosen: everyone is sent back to the inbox with a message (303).
    "workflow.batch_approve": [
        {"url": "/inbox/approve", "method": "POST", "expect": {"anon": 302, "*": 303}}
    ],
    "workflow.mine": [
        {"url": "/my", "expect": EVERYONE},
        {"url": "/my?status=draft", "expect": EVERYONE},
    ],
    "workflow.copied": [{"url": "/cc", "expect": EVERYONE}],
    "workflow.done": [{"url": "/done", "expect": EVERYONE}],
    "workflow.delegations": [{"url": "/delegations", "expect": EVERYONE}],
    # Records of real form types are checked in each domain's table; here only the 404 path.
    "workflow.record": [{"url": "/workflow/999999", "expect": {"anon": 302, "*": 404}}],
    "workflow.act": [
        {"url": "/workflow/999999/act", "method": "POST", "expect": {"anon": 302, "*": 404}}
    ],
    "workflow.cc": [
        {"url": "/workflow/999999/cc", "method": "POST", "expect": {"anon": 302, "*": 404}}
    ],
    "workflow.cancel_delegation": [
        {
            "url": "/delegations/{delegation_id}/cancel",
            "method": "POST",
            "expect": {"anon": 302, "gm": 303, "admin": 303, "*": 403},
        }
    ],
}
