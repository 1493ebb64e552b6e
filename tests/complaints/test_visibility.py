"""Who reads what: 客服, 品质部 and the GM read every complaint; other departments read only
the complaints they are assigned to (CAPA owner or department, a countersign on a claim, a
rework on a return) — on the record page, in the register and its exports."""

from __future__ import annotations

import pytest

from portal.complaints import services
from portal.extensions import db
from portal.workflow.access import can_view_record


@pytest.fixture
def cases(make_complaint, player, org):
    """plain: at analysis; capa: PRD/producer own the CAPA; claimed: a claim countersigned by
    QA, SAL (head) and FIN (finance)."""
    plain = make_complaint(customer_company="甲公司")
    capa = player.to(make_complaint(customer_company="乙公司"), "capa_action")
    claimed = player.to(make_complaint(customer_company="丙公司"), "capa")
    data = {
        "claim_type": "quality",
        "amount": 100,
        "items": "工时",
        "countersign": ["QA", "SAL", "FIN"],
    }
    services.register_claim(claimed, data, [], org["service"])
    db.session.commit()
    return {"plain": plain, "capa": capa, "claimed": claimed}


def visible(user) -> set[str]:
    rows = db.session.scalars(services.visible_complaints(user)).all()
    return {r.customer_company for r in rows}


ALL = {"甲公司", "乙公司", "丙公司"}


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("service", ALL),
        ("quality", ALL),
        ("inspector", ALL),
        ("gm", ALL),
        ("admin", ALL),
        ("producer", {"乙公司"}),  # CAPA owner (生产部)
        ("finance", {"丙公司"}),  # countersigns the claim
        ("head", {"丙公司"}),  # 销售部 head countersigns the claim
        ("employee", set()),
        ("adminoffice", set()),
        ("deputy", set()),
    ],
)
def test_register_and_record_follow_the_same_rule(client, login, cases, who, sees, org):
    assert visible(org[who]) == sees
    login(who)
    for case in cases.values():
        status = client.get(f"/complaints/{case.id}").status_code
        assert status == (200 if case.customer_company in sees else 403), case.customer_company
    page = client.get("/complaints/").get_data(as_text=True)
    for name in ALL:
        assert (name in page) == (name in sees), name
    export = client.get("/complaints/register.csv").get_data(as_text=True)
    assert {n for n in ALL if n in export} == sees


def test_a_sales_registrar_reads_what_they_registered(make_complaint, org, client, login):
    mine = make_complaint(applicant="employee", customer_company="丁公司")
    assert visible(org["employee"]) == {"丁公司"}
    login("employee")
    assert client.get(f"/complaints/{mine.id}").status_code == 200


def test_returns_follow_their_complaint(cases, org):
    capa = cases["capa"]
    assert can_view_record(org["producer"], capa)
    record = services.register_return(capa, {"qty_received": 5, "reason": "不良"}, org["service"])
    db.session.commit()
    assert can_view_record(org["producer"], record)
    assert not can_view_record(org["employee"], record)
    assert {r.id for r in db.session.scalars(services.visible_returns(org["producer"]))} == {
        record.id
    }


def test_claims_are_read_by_finance_and_countersigners_only(cases, org):
    claim = cases["claimed"].claims[0]
    for who in ("service", "quality", "gm", "finance", "head"):
        assert can_view_record(org[who], claim), who
    for who in ("employee", "producer", "adminoffice"):
        assert not can_view_record(org[who], claim), who
    assert db.session.scalars(services.visible_claims(org["producer"])).all() == []
