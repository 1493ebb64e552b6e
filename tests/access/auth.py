ROUTES = {
    "auth.login": [{"url": "/login", "expect": {"anon": 200, "*": 302}}],
    "auth.logout": [{"url": "/logout", "method": "POST", "expect": {"anon": 302, "*": 303}}],
    "auth.password": [{"url": "/password", "expect": {"anon": 302, "*": 200}}],
}
