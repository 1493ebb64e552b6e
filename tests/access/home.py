ANON = {"anon": 302}
ROUTES = {
    "home.index": [{"url": "/", "expect": {**ANON, "*": 200}}],
    "home.registers": [{"url": "/registers", "expect": {**ANON, "*": 200}}],
    "home.health": [{"url": "/health", "expect": {"anon": 200, "*": 200}}],
    "home.favicon": [{"url": "/favicon.ico", "expect": {"anon": 200, "*": 200}}],
    "static": [{"url": "/static/css/portal.css", "expect": {"anon": 200, "*": 200}}],
}
