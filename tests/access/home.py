ANON = {"anon": 302}
ROUTES = {
    "home.index": [{"url": "/", "expect": {**ANON, "*": 200}}],
    "home.registers": [{"url": "/registers", "expect": {**ANON, "*": 200}}],
    "home.health": [{"url": "/health", "expect": {"anon": 200, "*": 200}}],
    "static": [{"url": "/static/css/portal.css", "expect": {"anon": 200, "*": 200}}],
}
