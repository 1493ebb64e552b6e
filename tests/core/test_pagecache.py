"""The per-worker page cache (core/pagecache.py): a page is answered from a copy only while
nothing it shows can have changed, and never to anybody else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from portal.core import clock, pagecache
from portal.core.models import PageGeneration
from portal.extensions import db
from tests.conftest import Auth
from tests.factories import bundled_procedure

HEADER = pagecache.HEADER


def generation() -> int | None:
    return db.session.scalar(select(PageGeneration.value))


def kept(client, url: str = "/", **headers):
    """GET `url` until it is answered from the copy (the first view makes the CSRF token, the
    second keeps the page); the response of the hit."""
    for _ in range(3):
        response = client.get(url, headers=headers)
        assert response.status_code in (200, 304), url
        if response.headers.get(HEADER) == "hit":
            return response
    raise AssertionError(f"{url} was never answered from the copy")


def test_a_page_viewed_again_is_the_kept_copy_byte_for_byte(client, login):
    login("employee")
    client.get("/")
    rendered = client.get("/")
    assert rendered.headers[HEADER] == "miss"
    again = client.get("/")
    assert again.headers[HEADER] == "hit"
    assert again.data == rendered.data
    assert again.headers["Cache-Control"] == "no-store"  # the portal's headers still apply


@pytest.mark.parametrize("how", ["commit", "flush"])
def test_a_change_is_shown_at_once_committed_or_only_flushed(client, login, org, how):
    """Committed: the generation moved. Flushed (a test's session, shared with its requests):
    the session holds writes the generation does not show yet, so no copy is used."""
    login("employee")
    kept(client)
    org["employee"].display_name = "改过的名字"
    getattr(db.session, how)()
    response = client.get("/")
    assert response.headers.get(HEADER) != "hit"
    assert "改过的名字" in response.get_data(as_text=True)
    db.session.rollback()


def test_sql_text_moves_the_generation_and_a_rollback_does_not(app, org):
    before = generation()
    db.session.execute(text("UPDATE users SET display_name = 'x' WHERE id = -1"))
    db.session.rollback()
    assert generation() == before
    db.session.execute(
        text("UPDATE users SET display_name = '文本改名' WHERE id = :id"), {"id": org["gm"].id}
    )
    db.session.commit()
    assert generation() == before + 1
    db.session.execute(select(PageGeneration))  # a read commits nothing
    db.session.commit()
    assert generation() == before + 1


def test_nobody_gets_anybody_elses_copy(client, login, org):
    login("employee")
    mine = kept(client).get_data(as_text=True)
    assert org["employee"].display_name in mine
    login("head")
    theirs = client.get("/")
    assert theirs.headers.get(HEADER) != "hit"
    assert org["head"].display_name in theirs.get_data(as_text=True)


def test_a_logged_out_session_is_not_answered_from_the_copy(app, client, org):
    auth = Auth(client)
    auth.login("employee")
    kept(client)
    auth.logout()
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_waiting_flash_message_is_shown_not_the_copy(client, login):
    login("employee")
    kept(client)
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "这条提示必须出现")]
    response = client.get("/")
    assert response.headers.get(HEADER) != "hit"
    assert "这条提示必须出现" in response.get_data(as_text=True)
    assert "这条提示必须出现" not in client.get("/").get_data(as_text=True)


def test_the_next_minute_renders_again(client, login):
    login("employee")
    at = datetime(2026, 12, 7, 9, 30, 10, tzinfo=UTC)
    with clock.frozen(at):
        kept(client)
    with clock.frozen(at + timedelta(seconds=30)):
        assert client.get("/").headers.get(HEADER) == "hit"
    with clock.frozen(at + timedelta(minutes=1)):
        assert client.get("/").headers.get(HEADER) != "hit"


def test_htmx_partials_and_whole_pages_are_kept_apart(client, login):
    login("employee")
    whole = kept(client, "/seals/").get_data(as_text=True)
    part = client.get("/seals/", headers={"HX-Request": "true", "HX-Target": "register"})
    assert part.headers.get(HEADER) != "hit"
    assert "<html" in whole and "<html" not in part.get_data(as_text=True)


def test_a_procedure_page_kept_still_answers_if_none_match(client, login):
    procedure = bundled_procedure("qp-adm-01.md")
    login("employee")
    url = f"/procedures/{procedure.code}"
    hit = kept(client, url)
    tag = hit.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert again.headers.get(HEADER) == "hit"


def test_a_kept_page_costs_the_one_statement_that_loads_the_user(client, login, count_queries):
    login("employee")
    kept(client, "/seals/")
    with count_queries(kept=True) as seen:
        assert client.get("/seals/").headers[HEADER] == "hit"
    assert len(seen) == 1, seen


@pytest.mark.parametrize("url", ["/admin/users", "/password"])
def test_pages_outside_the_database_or_about_the_login_are_never_kept(client, login, url):
    login("admin")
    for _ in range(3):
        response = client.get(url)
        assert HEADER not in response.headers, url


def test_a_write_from_another_node_is_seen(client, login, org, make_app):
    login("employee")
    kept(client)
    other = make_app()
    with other.app_context():
        db.session.execute(
            text("UPDATE users SET display_name = '另一节点改名' WHERE id = :id"),
            {"id": org["employee"].id},
        )
        db.session.commit()
    db.session.remove()  # a request of its own, as in production (the test shares its session)
    response = client.get("/")
    assert response.headers.get(HEADER) != "hit"
    assert "另一节点改名" in response.get_data(as_text=True)


def test_off_by_configuration(make_app, org):
    other = make_app(PAGE_CACHE=False)
    client = other.test_client()
    with other.app_context():
        Auth(client).as_user(org["employee"])
        for _ in range(3):
            assert HEADER not in client.get("/").headers


def test_the_lru_keeps_within_its_bytes():
    store = pagecache.Store(limit=100)
    for n in range(5):
        store.put(("k", n), pagecache.Entry(b"x" * 40, 200, ()))
    assert store.size <= 100
    assert store.get(("k", 4)) is not None and store.get(("k", 0)) is None


def test_a_login_elsewhere_leaves_everybodys_copies(app, client, login):
    login("employee")
    kept(client)
    other = app.test_client()
    assert Auth(other).login("head").status_code == 303  # writes the login log
    assert Auth(app.test_client()).login("head", "wrong").status_code == 422
    db.session.remove()
    assert client.get("/").headers.get(HEADER) == "hit"


def test_a_restore_moves_the_generation_past_every_kept_page(client, login):
    login("employee")
    kept(client)
    before = generation()
    db.session.remove()
    pagecache.renew()  # what a restore ends with
    assert generation() > before
    db.session.remove()
    assert client.get("/").headers.get(HEADER) != "hit"
