"""Fixtures for seal tests: the demo catalogue, a request factory, the procedure loaded."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.core.clock import now
from portal.extensions import db
from portal.seals import demo, services
from tests.factories import bundled_procedure

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def valid_data(seals, names=("公章",), **fields) -> dict:
    """A complete request (what the form would hand to the service)."""
    data = {
        "seal_ids": [seals[n].id for n in names],
        "document_name": "年度经销合同",
        "document_type": "contract",
        "purpose": "签订年度经销合同",
        "receiving_party": "杭州华东贸易有限公司",
        "copies": 3,
        "urgent": False,
        "take_out": False,
        "destination": "",
        "carrier": "",
        "expected_return_at": None,
        "remarks": "",
    }
    if fields.get("take_out"):
        data.update(destination="上海客户处", expected_return_at=now() + timedelta(days=1))
    data.update(fields)
    return data


@pytest.fixture
def seals(org):
    """The demo catalogue: 公章 and 合同专用章 (adminoffice), 财务专用章 (finance),
    法定代表人名章 (adminhead), 销售部章 (head)."""
    catalogue = demo.build_catalogue(org)
    db.session.commit()
    return catalogue


@pytest.fixture
def make_request(seals, org):
    def _make(applicant="employee", names=("公章",), submit=True, **fields):
        record = services.save_request(
            None, org[applicant], valid_data(seals, names, **fields), submit=submit
        )
        db.session.commit()
        return record

    return _make


@pytest.fixture
def procedure(app):
    """QP-ADM-01 in the library (its clauses and its `take_out_reminder` deadline)."""
    return bundled_procedure("qp-adm-01.md")
