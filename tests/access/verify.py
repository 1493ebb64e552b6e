ROUTES = {
    "verify.check": [{"url": "/verify/NONE-000000-0000", "expect": {"anon": 404, "*": 404}}],
}
