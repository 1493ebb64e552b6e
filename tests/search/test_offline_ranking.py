"""The offline search ranks as the live search does: the judged set reaches the same targets in
Chromium over the static index of the seed library, and a procedure named by its title or code
comes first."""

from __future__ import annotations

import pytest

from portal.search import index as search
from tests.search import judged
from tests.search.corpus import library_app, needs_seeds
from tests.search.offline import library_site, ranked_offline

pytestmark = needs_seeds


@pytest.fixture(scope="module")
def offline_ranked(_schema, browser, tmp_path_factory):
    site = tmp_path_factory.mktemp("offline-library")
    queries = [j.q for j in judged.load()]
    with library_app() as app, app.test_request_context():
        library_site(site)
        live = {q: judged.item_keys(search.query(q)) for q in queries}
    return ranked_offline(browser, site, queries), live


def test_the_judged_set_reaches_its_targets_offline(offline_ranked):
    got, _ = offline_ranked
    mrr, p3, scores = judged.evaluate(got.__getitem__)
    report = "\n".join(f"{s.q}: rr {s.reciprocal_rank:.2f} p@3 {s.precision:.2f} {s.got}"
                       for s in scores if s.reciprocal_rank < 1)  # fmt: skip
    assert mrr >= 0.9, report
    assert p3 >= 0.8, report


def test_offline_finds_the_same_items_as_the_live_search(offline_ranked):
    got, live = offline_ranked
    # The live page shows at most 100 clauses and 10 procedures; offline shows all of them.
    missing = {q: [k for k in live[q] if k not in got[q]] for q in live}
    assert not {q: keys for q, keys in missing.items() if keys}
    assert all(got[q][:1] == live[q][:1] for q in live if live[q] and "#" not in live[q][0])
