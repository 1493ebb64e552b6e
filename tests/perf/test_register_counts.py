"""Register counts at scale (issue 18): exact up to 10,000 rows; beyond, counted once a minute
per user and filter and shown as 约 (about) in between."""

from __future__ import annotations

import re

from portal.core import clock, registers
from tests.perf.conftest import copy_records


def total_text(html: str) -> str:
    return re.search(r'<span class="muted">共 ([^<]*) 条</span>', html).group(1)


def test_small_registers_count_exactly_on_every_view(demo, login, client, statements):
    login("admin")
    first = total_text(client.get("/seals/").get_data(as_text=True))
    assert not first.startswith("约")
    seen = statements("/seals/")
    assert [s for s in seen if "count(*)" in s and "seal_request_items" in s]


def test_large_registers_reuse_a_recent_count_and_say_so(
    demo, login, client, statements, monkeypatch
):
    monkeypatch.setattr(registers, "EXACT_COUNT_LIMIT", 20)
    registers.forget_counts()
    login("admin")
    copy_records("seals", 80)
    page = client.get("/seals/").get_data(as_text=True)
    exact = int(total_text(page))
    assert exact > 20
    seen = statements("/seals/")
    assert not [s for s in seen if "count(*)" in s and "seal_request_items" in s]
    again = client.get("/seals/").get_data(as_text=True)
    assert total_text(again) == f"约 {exact}"
    # Another filter is another count.
    other = client.get("/seals/?status=completed").get_data(as_text=True)
    assert not total_text(other).startswith("约")
    # A minute later the count is taken again.
    with clock.frozen(clock.now() + registers.COUNT_TTL * 1.5):
        fresh = client.get("/seals/").get_data(as_text=True)
    assert total_text(fresh) == str(exact)
