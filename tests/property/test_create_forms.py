"""Generated values posted into the create forms (seal requests, complaints, supply requisitions
and purchase requests): text with NULs, lone surrogates and RTL marks, huge, negative and
non-finite numbers, extreme dates. Never a 5xx: a NUL is a 400, anything else a field error (422)
or a stored record whose page renders and whose PDF prints.

Hypothesis runs many examples inside one test, so the function-scoped fixtures (app, org) are
built once per test: each example posts with a fresh client and rolls the session back after.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.core.clock import local_now
from portal.extensions import db
from tests.conftest import Auth

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SPECIAL = ["\x00", "\u202e", "\u200f", "\u200b", "\ufeff", "\ud800", "\udfff", "𠀀", "'", "<"]
TEXTS = st.text(st.one_of(st.characters(), st.sampled_from(SPECIAL)), max_size=300)
NUMBERS = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from([str(2**31), str(2**63), "1e30", "Infinity", "-Infinity", "NaN", "sNaN"]),
    st.floats().map(str),
    st.decimals().map(str),
)
DATES = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59)).map(
    lambda d: f"{d.year:04d}-{d.month:02d}-{d.day:02d}T{d.hour:02d}:{d.minute:02d}"
)


def _body(data: dict) -> bytes:
    """Form data as a browser would send it, lone surrogates included (as the bytes a broken
    client sends: the server decodes them with replacement characters)."""
    return "&".join(
        f"{quote_from_bytes(k.encode())}={quote_from_bytes(v.encode('utf-8', 'surrogatepass'))}"
        for k, v in data.items()
    ).encode()


def _seals(org) -> tuple[str, str, dict, dict]:
    from portal.seals import demo

    seals = demo.build_catalogue(org)
    db.session.commit()
    base = {
        "seal_ids": str(seals["公章"].id), "document_name": "年度经销合同",
        "document_type": "contract", "purpose": "签订年度经销合同",
        "receiving_party": "杭州华东贸易有限公司", "copies": "3", "remarks": "",
        "intent": "submit",
    }  # fmt: skip
    fields = {
        "text": ["document_name", "purpose", "receiving_party", "remarks"],
        "number": ["copies", "seal_ids"],
        "date": ["expected_return_at"],
    }
    return "employee", "/seals/new", base, {**fields, "take_out": {"take_out": "y"}}


def _complaints(org) -> tuple[str, str, dict, dict]:
    base = {
        "channel": "email",
        "received_at": (local_now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "customer_company": "苏州恒达汽车电子有限公司", "contact_person": "李工",
        "phone": "0512-6666 8888", "email": "", "address": "", "product": "汽车控制板",
        "model": "HD-ECU-03", "batch": "B2611", "qty_delivered": "2000", "qty_defective": "36",
        "description": "来料检验发现虚焊。", "category": "quality", "severity": "normal",
        "confirm_duplicate": "y",  # the examples repeat one customer and product
    }  # fmt: skip
    fields = {
        "text": ["customer_company", "contact_person", "product", "batch", "description"],
        "number": ["qty_delivered", "qty_defective"],
        "date": ["received_at"],
    }
    return "service", "/complaints/new", base, fields


def _supplies(org) -> tuple[str, str, dict, dict]:
    from tests.supplies.helpers import catalogue

    catalogue(org)
    base = {
        "purpose": "部门日常办公", "lines-0-item": "OF-001", "lines-0-quantity": "2",
        "lines-0-purpose": "", "intent": "submit",
    }  # fmt: skip
    fields = {
        "text": ["purpose", "lines-0-item", "lines-0-purpose"],
        "number": ["lines-0-quantity"],
        "date": [],
    }
    return "employee", "/supplies/new", base, fields


def _purchases(org) -> tuple[str, str, dict, dict]:
    base = {
        "reason": "新员工入职，需增配办公桌椅。", "needed_by": "",
        "lines-0-name": "办公椅", "lines-0-spec": "人体工学", "lines-0-unit": "把",
        "lines-0-quantity": "2", "lines-0-price": "560.00", "intent": "submit",
    }  # fmt: skip
    fields = {
        "text": ["reason", "lines-0-name", "lines-0-spec"],
        "number": ["lines-0-quantity", "lines-0-price"],
        "date": ["needed_by"],
    }
    return "employee", "/supplies/purchases/new", base, fields


FORMS = {"seals": _seals, "complaints": _complaints, "supplies": _supplies,
         "supply_purchases": _purchases}  # fmt: skip


def _post_and_check(app, user, url: str, data: dict, value: str) -> None:
    client = app.test_client()
    Auth(client).as_user(user)
    try:
        response = client.post(
            url, data=_body(data), content_type="application/x-www-form-urlencoded"
        )
        status = response.status_code
        assert status < 500, (data, status)
        if "\x00" in value:
            assert status == 400, (data, status)
        elif status in (302, 303):
            record = response.headers["Location"]
            page = client.get(record)
            assert page.status_code == 200, (data, record)
            # ... and prints (a draft's page redirects elsewhere: only records print).
            if record.rstrip("/").rsplit("/", 1)[-1].isdigit():
                printed = client.get(f"{record.rstrip('/')}/pdf")
                assert printed.status_code == 200, (data, record)
                assert printed.data.startswith(b"%PDF"), (data, record)
        else:
            assert status == 422, (data, status)  # the form with its messages
    finally:
        db.session.rollback()


def _given(kind: str, strategy):
    @pytest.mark.parametrize("domain", sorted(FORMS))
    def test(app, org, domain):
        user_name, url, base, fields = FORMS[domain](org)
        user = org[user_name]
        if not fields[kind]:
            pytest.skip(f"{domain}'s create form has no {kind} field")

        @SETTINGS
        @given(name=st.sampled_from(fields[kind]), value=strategy)
        def post(name, value):
            extra = fields.get("take_out", {}) if name == "expected_return_at" else {}
            _post_and_check(app, user, url, {**base, **extra, name: value}, value)

        post()

    return test


test_text_never_breaks_a_create_form = _given("text", TEXTS)
test_numbers_never_break_a_create_form = _given("number", NUMBERS)
test_dates_never_break_a_create_form = _given("date", DATES)
