"""The access matrix: every registered route × every standard user → expected status.

Tables live in tests/access/<blueprint>.py; a route without an entry fails `test_every_route_listed`.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.conftest import Auth

TABLE_DIR = Path(__file__).parent / "access"
USERNAMES = [
    "admin", "employee", "head", "gm", "deputy", "adminhead", "adminoffice",
    "finance", "quality", "inspector", "service", "archivist",
]  # fmt: skip


def _load_tables() -> dict[str, object]:
    tables = {}
    for path in sorted(TABLE_DIR.glob("*.py")):
        spec = importlib.util.spec_from_file_location(f"access_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        tables[path.stem] = module
    return tables


TABLES = _load_tables()


def test_every_route_listed(app):
    listed = {endpoint for module in TABLES.values() for endpoint in module.ROUTES}
    registered = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(registered - listed)
    assert not missing, f"routes without an access-matrix entry: {missing}"
    stale = sorted(listed - registered)
    assert not stale, f"access-matrix entries for routes that do not exist: {stale}"


def _expected(expect: dict, who: str) -> int:
    return expect.get(who, expect.get("*"))


@pytest.mark.parametrize("blueprint", sorted(TABLES))
def test_access_matrix(app, org, blueprint):
    module = TABLES[blueprint]
    values = module.world(org) if hasattr(module, "world") else {}
    failures = []
    for endpoint, cases in module.ROUTES.items():
        for case in cases:
            url = case["url"].format(**values)
            method = case.get("method", "GET")
            for who in ["anon", *USERNAMES]:
                expected = _expected(case["expect"], who)
                client = app.test_client()
                if who != "anon":
                    Auth(client).as_user(org[who])
                data = {k: str(v).format(**values) for k, v in case.get("data", {}).items()}
                response = client.open(url, method=method, data=data or None)
                response.close()
                if response.status_code != expected:
                    failures.append(
                        f"{endpoint} {method} {url} as {who}: {response.status_code} != {expected}"
                    )
    assert not failures, "\n".join(failures)
