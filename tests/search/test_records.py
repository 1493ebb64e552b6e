"""Records in search: a seal request by its document's name, a complaint by its customer, any
record by its number, grouped by kind in the dropdown and listed on /search; only what the
user may open (the form kit's visibility rule)."""

from __future__ import annotations

from tests.complaints.conftest import make_complaint  # noqa: F401  (fixtures)
from tests.seals.conftest import make_request, seals  # noqa: F401

HTMX = {"HX-Request": "true"}


def text(response) -> str:
    return response.get_data(as_text=True)


def test_a_seal_request_is_found_by_its_document_name(client, login, make_request):  # noqa: F811
    record = make_request(document_name="华东区域代理协议")
    number = record.instance.number
    login("employee")
    part = text(client.get("/search?q=代理协议", headers=HTMX))
    assert 'id="search-kind-seals">用印申请</span>' in part
    assert f"<strong>{number}</strong>" in part
    assert f'href="/seals/{record.id}"' in part
    page = text(client.get("/search?q=代理协议"))  # without JavaScript: the results page
    assert "<h2>记录</h2>" in page and f"<strong>{number}</strong>" in page


def test_a_complaint_is_found_by_its_customer(client, login, make_complaint):  # noqa: F811
    complaint = make_complaint(customer_company="宁波海天精工有限公司")
    number = complaint.instance.number
    login("service")
    part = text(client.get("/search?q=海天精工", headers=HTMX))
    assert 'id="search-kind-complaints">客户投诉</span>' in part and number in part
    # A part of the number, in any case, finds it too.
    assert number in text(client.get(f"/search?q={number[-9:].lower()}", headers=HTMX))


def test_records_the_user_may_not_open_stay_out(client, login, make_request):  # noqa: F811
    make_request(document_name="保密的合作协议")
    login("finance")
    part = text(client.get("/search?q=合作协议", headers=HTMX))
    assert "用印申请" not in part
    assert "<h2>记录</h2>" not in text(client.get("/search?q=合作协议"))


def test_drafts_are_not_found(client, login, make_request):  # noqa: F811
    make_request(document_name="还没提交的协议", submit=False)
    login("employee")
    assert "用印申请" not in text(client.get("/search?q=还没提交", headers=HTMX))
