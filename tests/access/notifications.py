def world(org):
    from portal.extensions import db
    from portal.notifications.services import notify

    note = notify([org["employee"]], "测试通知", kind="test", url="/")[0]
    db.session.commit()
    return {"note_id": note.id}


ROUTES = {
    "notifications.index": [{"url": "/notifications/", "expect": {"anon": 302, "*": 200}}],
    "notifications.settings": [
        {
            "url": "/notifications/settings",
            "method": "POST",
            "data": {"each_step": "1"},
            "expect": {"anon": 302, "*": 303},
        },
    ],
    "notifications.open_": [
        # Someone else's notification: back to the list, nothing marked.
        {
            "url": "/notifications/{note_id}/open",
            "method": "POST",
            "expect": {"anon": 302, "*": 303},
        }
    ],
    "notifications.read_all": [
        {"url": "/notifications/read-all", "method": "POST", "expect": {"anon": 302, "*": 303}}
    ],
}
