"""Search: every logged-in user searches (the results page, live results, record numbers)."""

ANON = {"anon": 302}
READ = {**ANON, "*": 200}


def world(org):
    from portal.extensions import db
    from portal.procedures import services

    services.load_markdown_dir()
    db.session.commit()
    return {}


ROUTES = {
    "search.index": [
        {"url": "/search", "expect": READ},
        {"url": "/search?q=印章", "expect": READ},
        {"url": "/search?q=客户+投诉&category=客户服务&department=CS&superseded=y", "expect": READ},
        # A record number nobody has: no jump, an ordinary (empty) results page.
        {"url": "/search?q=KS-209901-0001", "expect": READ},
    ],
}
