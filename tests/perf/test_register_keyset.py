"""Register pages by keyset (issue 18): the next and previous pages are read after the sort key
of the row before them, so each row is on exactly one page, in order, whatever rows share a
key; and the default page of each register reads its rows in order from an index."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import inspect, select

from portal.core import pagecache, registers
from portal.extensions import db
from portal.seals.models import Seal, SealRequest, SealRequestItem
from portal.workflow.models import Instance
from tests.perf.conftest import copy_records
from tests.perf.test_register_counts import total_text

ROW = re.compile(r"<tr class=\"[^\"]*\">(.*?)</tr>", re.S)
CELL = re.compile(r"<td class=\"col-(\w+)\">(.*?)</td>", re.S)
LINK = re.compile(r'<a href="([^"]+)"[^>]*>(上一页|下一页)</a>')


def _text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", html)).strip()


def rows_and_links(html: str) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """The seal register's rows as (number, seal) and its pager's links by label."""
    rows = []
    for row in ROW.findall(html):
        cells = {key: _text(value) for key, value in CELL.findall(row)}
        if "number" in cells:
            rows.append((cells["number"], cells["seal"]))
    return rows, {label: unescape(url) for url, label in LINK.findall(html)}


def expected(order) -> list[tuple[str, str]]:
    query = (
        select(Instance.number, Seal.name)
        .select_from(SealRequestItem)
        .join(SealRequest, SealRequestItem.request_id == SealRequest.id)
        .join(Instance, SealRequest.instance_id == Instance.id)
        .join(Seal, SealRequestItem.seal_id == Seal.id)
        .where(SealRequestItem.stamped_at.is_not(None))
        .order_by(*order)
    )
    return [tuple(row) for row in db.session.execute(query)]


@pytest.fixture(scope="module")
def app(module_app):
    """The tests here only read pages: the rows are built once for the module."""
    return module_app


@pytest.fixture(scope="module")
def org(app):
    from tests.factories import standard_org

    return standard_org()


@pytest.fixture(scope="module")
def demo(app, org):
    """The demo data (no legacy seed pages), then about 50 stamping events: the copies share
    their originals' stamping times, so many rows have equal sort keys."""
    from portal.demo import load_demo

    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("PORTAL_SEEDS", raising=False)
        load_demo()
    copy_records("seals", 100)
    db.session.commit()


@pytest.fixture
def seal_rows(demo, login, monkeypatch):
    """The stamping events in pages of 7, so some pages end inside a run of equal keys."""
    monkeypatch.setattr(registers, "PER_PAGE", 7)
    login("admin")
    registers.forget_counts()


def walk(client, url: str, label: str) -> tuple[list[list], list[str]]:
    pages, urls = [], [url]
    while url:
        response = client.get(url)
        assert response.status_code == 200, url
        rows, links = rows_and_links(response.get_data(as_text=True))
        pages.append(rows)
        url = links.get(label)
        if url:
            urls.append(url)
        assert len(pages) < 100
    return pages, urls


@pytest.mark.parametrize(
    ("query", "order"),
    [
        ("", (SealRequestItem.stamped_at.desc(), SealRequestItem.id.desc())),
        ("sort=stamped_at&dir=asc", (SealRequestItem.stamped_at, SealRequestItem.id)),
        # A key with NULLs (the events never taken out have no return): the NULL run and the
        # others are both walked, on either side of the order.
        ("sort=returned", (SealRequestItem.returned_at.desc(), SealRequestItem.id.desc())),
        ("sort=returned&dir=asc", (SealRequestItem.returned_at, SealRequestItem.id)),
        # A key read by a subquery of the row's request (seals.registers._of_request).
        ("sort=number&dir=asc", (Instance.number, SealRequestItem.id)),
    ],
)
def test_pages_follow_each_other_without_gaps_or_repeats(seal_rows, client, query, order):
    want = expected(order)
    assert len(want) > 35
    forward, urls = walk(client, f"/seals/?{query}", "下一页")
    assert [row for page in forward for row in page] == want
    # The count read with the page's rows (core.registers.count_query) counts them all.
    assert total_text(client.get(urls[-1]).get_data(as_text=True)) == str(len(want))
    assert all(len(page) == 7 for page in forward[:-1])
    # Deep pages name their place by a row's key, not by an offset.
    assert all("after=" in url for url in urls[1:])
    # Back from the last page: the same pages in reverse.
    backward, urls = walk(client, urls[-1], "上一页")
    assert backward == forward[::-1]
    assert all("before=" in url for url in urls[1:-1]) and "before=" not in urls[-1]


def test_filters_and_sort_stay_in_the_pager_links(seal_rows, client):
    url = "/seals/?status=completed&q=YY&sort=stamped_at&dir=asc"
    pages, urls = walk(client, url, "下一页")
    assert len(pages) > 2
    shown = sum(len(page) for page in pages)
    assert total_text(client.get(urls[1]).get_data(as_text=True)) == str(shown)
    for link in urls[1:]:
        assert "status=completed" in link and "q=YY" in link and "dir=asc" in link
    # A new sort from a deep page starts at page 1 again.
    deep = client.get(urls[2]).get_data(as_text=True)
    assert 'href="/seals/?status=completed&amp;q=YY&amp;sort=number&amp;dir=desc"' in deep


def test_htmx_gets_the_table_alone_from_the_same_url(seal_rows, client):
    _, urls = walk(client, "/seals/", "下一页")
    page = client.get(urls[1]).get_data(as_text=True)
    partial = client.get(urls[1], headers={"HX-Request": "true"}).get_data(as_text=True)
    assert partial.lstrip().startswith('<div id="register-table">')
    assert rows_and_links(partial)[0] == rows_and_links(page)[0]
    assert 'hx-get="' in partial and 'hx-target="#register-table"' in partial


ODD = (
    "page=3",  # a hand-made page number: read by offset
    "page=2&after=abc",
    "page=2&after=1:not-a-date",
    "page=2&after=1:0001-01-01T00:00:00%2B05:00",  # before year 1 in UTC
    "page=2&after=99999999999999999999:2026-01-01T00:00:00%2B00:00",
    "page=2&before=1:2026-01-01T00:00:00",  # no zone
    "page=2&after=1",  # a NULL key
    "sort=copies&page=2&after=1:x",
    "sort=copies&page=2&after=1:99999999999",
    "sort=number&page=2&before=1:" + "9" * 400,
    "page=999999999999&after=5:2026-01-01T00:00:00%2B00:00",
)


def test_odd_cursors_show_a_page(seal_rows, client):
    for args in ODD:
        response = client.get(f"/seals/?{args}")
        assert response.status_code == 200, args
        assert 'id="register-table"' in response.get_data(as_text=True), args


def test_a_bare_page_number_reads_the_same_rows_as_the_links(seal_rows, client):
    pages, _ = walk(client, "/seals/", "下一页")
    html = client.get("/seals/?page=3").get_data(as_text=True)
    assert rows_and_links(html)[0] == pages[2]


# --- indexes ---------------------------------------------------------------------------------

# register page -> (the table its rows come from, the index that gives its default order)
INDEXED = {
    "/seals/": ("seal_request_items", "ix_seal_request_items_stamped"),
    "/complaints/": ("complaints", "ix_workflow_instances_register"),
    "/supplies/": ("supply_requisitions", "ix_workflow_instances_register"),
    "/supplies/ledger": ("supply_ledger", "ix_supply_ledger_at"),
    "/archive/batches/": ("archive_batches", "ix_workflow_instances_register"),
    "/archive/loans/": ("archive_loans", "ix_workflow_instances_register"),
    "/archive/": ("archive_items", "ix_archive_items_number"),
    "/archive/disposals/": ("archive_items", "ix_archive_items_destroyed"),
}


def page_statement(client, url: str, table: str) -> tuple[str, tuple]:
    """The statement (and its parameters) that reads the page's rows from `table`."""
    from sqlalchemy import event

    seen = []

    def record(_conn, _cursor, statement, parameters, *_):
        seen.append((statement, parameters))

    pagecache.clear(client.application)  # the statements of rendering it, not of a kept copy
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get(url).status_code == 200, url
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    (found,) = [(s, p) for s, p in seen if f"FROM {table}" in s and "LIMIT" in s]
    return found


def query_plan(statement: str, parameters) -> tuple[str, str]:
    """SQLite's plan of `statement`: (the main query's steps, every step including the
    subqueries', such as the count read with the rows)."""
    rows = list(
        db.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
    )
    top = [r[-1] for r in rows if r[1] == 0]
    return "\n".join(top), "\n".join(r[-1] for r in rows)


@pytest.mark.parametrize("url", INDEXED)
def test_default_pages_read_their_order_from_an_index(demo, login, client, url):
    table, index = INDEXED[url]
    names = {
        i["name"]
        for t in inspect(db.engine).get_table_names()
        for i in inspect(db.engine).get_indexes(t)
    }
    assert index in names
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the plan is checked on SQLite")
    login("admin")
    statement, parameters = page_statement(client, url, table)
    main, plan = query_plan(statement, parameters)
    assert f"INDEX {index}" in main, plan
    assert "TEMP B-TREE" not in plan, plan


def test_a_deep_seal_page_walks_the_index_from_its_key(seal_rows, client):
    _, urls = walk(client, "/seals/", "下一页")
    statement, parameters = page_statement(client, urls[3], "seal_request_items")
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the plan is checked on SQLite")
    plan, _ = query_plan(statement, parameters)
    # A range of the index from the key (the lower bound is the register's IS NOT NULL).
    assert "SEARCH seal_request_items USING INDEX ix_seal_request_items_stamped (" in plan, plan
    assert "stamped_at<?)" in plan, plan
    assert "TEMP B-TREE" not in plan, plan
    # SQLAlchemy writes OFFSET 0 after every LIMIT on SQLite: nothing is skipped.
    assert parameters[-1] == 0, (statement, parameters)
