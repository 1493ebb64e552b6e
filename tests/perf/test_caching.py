"""Caching what does not change (issue 18): content-versioned static URLs kept a year, the
procedure text rendered once per revision, ETag and 304 on procedure pages and their PDF."""

from __future__ import annotations

import re

import pytest
from flask import g

from portal.extensions import db
from portal.procedures import reading_cache
from portal.procedures import services as procedures
from tests.perf.test_query_budget import procedure_markdown

YEAR = "max-age=31536000"


@pytest.fixture
def procedure(app):
    reading_cache.clear()
    procedures.load_markdown(procedure_markdown(12))
    db.session.commit()
    return "/procedures/QP-PERF-01"


def text_of(html: str) -> str:
    """The page without its CSRF tokens (signed with the time)."""
    page = html[html.index('<div class="procedure-layout">') : html.index("</article>")]
    return re.sub(r'name="csrf_token" value="[^"]*"', "", page)


def fresh() -> None:
    db.session.remove()
    for name in list(g):
        g.pop(name)


def test_static_urls_carry_the_content_hash_and_are_kept_a_year(client, login):
    login("employee")
    html = client.get("/").get_data(as_text=True)
    url = re.search(r'href="(/static/css/portal\.css\?v=[0-9a-f]{12})"', html).group(1)
    response = client.get(url)
    assert response.status_code == 200
    assert YEAR in response.headers["Cache-Control"]
    assert "immutable" in response.headers["Cache-Control"]
    response.close()
    stale = client.get("/static/css/portal.css?v=000000000000")
    assert YEAR not in stale.headers.get("Cache-Control", "")
    stale.close()
    plain = client.get("/static/css/portal.css")
    assert YEAR not in plain.headers.get("Cache-Control", "")
    plain.close()


def test_the_procedure_page_answers_304_while_nothing_it_shows_changed(client, login, procedure):
    login("employee")
    first = client.get(procedure)
    tag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "private, no-cache"
    fresh()
    again = client.get(procedure, headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert again.data == b""
    client.post(f"{procedure}/read")  # the read receipt is on the page: a new tag
    fresh()
    flashed = client.get(procedure, headers={"If-None-Match": tag})
    assert flashed.status_code == 200
    assert "ETag" not in flashed.headers  # a page with a message is never cached
    fresh()
    after = client.get(procedure, headers={"If-None-Match": tag})
    assert after.status_code == 200
    assert after.headers["ETag"] != tag


def test_another_user_never_gets_a_304_for_someone_elses_page(client, login, procedure):
    login("employee")
    tag = client.get(procedure).headers["ETag"]
    login("head")
    fresh()
    assert client.get(procedure, headers={"If-None-Match": tag}).status_code == 200


def test_the_text_is_rendered_once_per_revision(client, login, procedure, count_queries):
    login("employee")
    first = client.get(procedure).get_data(as_text=True)
    fresh()
    with count_queries() as seen:
        second = client.get(procedure).get_data(as_text=True)
    assert not [s for s in seen if "procedure_clauses" in s]  # the tree came from the cache
    assert text_of(second) == text_of(first)
    # A new revision is new text: the page shows it at once.
    procedures.load_markdown(procedure_markdown(13).replace("A/0", "A/1"))
    db.session.commit()
    fresh()
    assert "第13条" in client.get(procedure).get_data(as_text=True)


def test_the_controlled_copy_answers_304(client, login, procedure):
    login("employee")
    first = client.get(f"{procedure}/pdf")
    assert first.status_code == 200
    assert first.data.startswith(b"%PDF")
    fresh()
    again = client.get(f"{procedure}/pdf", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
