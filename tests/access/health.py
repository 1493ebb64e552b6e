# Public: a load balancer asks without a session. The suite's database is made by create_all,
# not migrations, so both answer 503 here (200 on a migrated database: tests/health/).
ROUTES = {
    "health.healthz": [{"url": "/healthz", "expect": {"anon": 503, "*": 503}}],
    "health.readyz": [{"url": "/readyz", "expect": {"anon": 503, "*": 503}}],
}
