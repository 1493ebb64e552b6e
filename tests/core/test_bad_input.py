"""Bad input never answers 5xx: every registered route is probed with impossible ids, huge and
non-finite numbers, extreme dates, NUL bytes and url_for's reserved arguments, as the system
administrator and anonymously (issue 17, "500s on bad input")."""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode

import pytest
from werkzeug.routing import AnyConverter, IntegerConverter

from tests.conftest import Auth

HUGE = "1" + "0" * 20
INT32 = str(2**31)
NUL = "x\x00y"
NUMBERS = [HUGE, INT32, "-" + HUGE, "1e30", "Infinity", "-Infinity", "NaN", "sNaN", "1e999999999"]
DATES = ["0001-01-01T00:00", "0001-01-01", "9999-12-31T23:59", "9999-12-31"]
NUMBER_FIELDS = [
    "copies", "copies-0", "qty_delivered", "qty_defective", "qty_received", "qty_reworked",
    "qty_scrapped", "amount", "written_off_amount", "price", "prices-0", "quantity",
    "quantities-0", "reorder_level", "max_per_line", "lines-0-quantity", "lines-0-price",
    "department_id", "head_id", "seal_ids", "keeper_id", "delegate_id", "ids", "book",
    "capa_person_id", "capa_department_id",
]  # fmt: skip
DATE_FIELDS = [
    "received_at", "expected_return_at", "stamped_at", "handed_over_at", "returned_at",
    "needed_by", "starts_on", "ends_on", "day", "capa_due", "reply_sent_at", "written_off_on",
    "month",
]  # fmt: skip
TEXT_FIELDS = [
    "username", "password", "name", "code", "title", "purpose", "document_name", "customer",
    "product", "description", "reason", "comment", "note", "q", "lines-0-item", "item",
]  # fmt: skip
QUERIES = [
    {"page": HUGE},
    {"page": "-5", "dir": "asc", "sort": NUL},
    {"_method": "PUT"},
    {"_scheme": "javascript", "_external": "1", "_anchor": "x", "endpoint": "x", "id": "2"},
    {"date_from": "0001-01-01", "date_to": "9999-12-31", "department_id": HUGE},
    {"revision": HUGE, "from": HUGE, "to": INT32, "month": "0001-01", "type": NUL},
    {"q": NUL},
    {"status": NUL, "h": NUL, "next": NUL},
]
FORMS = [
    *(dict.fromkeys(NUMBER_FIELDS, value) | {"intent": "submit"} for value in NUMBERS),
    *(dict.fromkeys(DATE_FIELDS, value) | {"intent": "submit"} for value in DATES),
    dict.fromkeys([*TEXT_FIELDS, *NUMBER_FIELDS], NUL),
    dict.fromkeys(TEXT_FIELDS, "\u202e\u200f反向\ufeff" + "长" * 5000) | {"intent": "submit"},
]
# Leave the session usable (or stay out of files on disk) for the rest of the walk.
SKIP = {"auth.logout", "static"}
# 503 is these endpoints' answer to the suite's unmigrated (create_all) database; they take no
# input, and tests/health/ probes them with junk query strings on a migrated one.
SKIP |= {"health.healthz", "health.readyz"}


def _fill(rule, int_value: str, text_value: str) -> str:
    """The rule's URL with every argument filled: ints with `int_value`, `any` with its first
    choice, strings and paths with `text_value` (percent-encoded, NUL included)."""
    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            values[name] = int_value
        elif isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        else:
            values[name] = quote(text_value, safe="")
    return re.sub(r"<(?:[^<>:]+:)?(\w+)>", lambda m: values[m.group(1)], rule.rule)


def _requests(app):
    """(method, url, form data) for every probe."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint in SKIP:
            continue
        methods = [m for m in ("GET", "POST") if m in rule.methods]
        for method in methods:
            if rule.arguments:
                for int_value in (HUGE, INT32):
                    yield method, _fill(rule, int_value, "YY\x00x"), None
            if method == "GET":
                base = _fill(rule, "1", "x")
                for query in QUERIES:
                    yield method, f"{base}?{urlencode(query)}", None
            elif not any(isinstance(c, IntegerConverter) for c in rule._converters.values()):
                for form in FORMS:
                    yield method, _fill(rule, "1", "x"), form


@pytest.mark.parametrize("who", ["anon", "admin"])
def test_no_route_answers_5xx_to_bad_input(app, org, who, capsys):
    client = app.test_client()
    auth = Auth(client)
    failures, tried = [], 0
    for method, url, data in _requests(app):
        if who != "anon":
            auth.as_user(org[who])
        tried += 1
        try:  # TESTING propagates exceptions: an exception is what would have been a 500
            response = client.open(url, method=method, data=data)
        except Exception as exc:
            failures.append(f"{method} {url[:120]} {sorted(data or {})[:4]}: {exc!r:.200}")
            continue
        response.close()
        if response.status_code >= 500:
            failures.append(
                f"{method} {url[:120]} {sorted(data or {})[:4]}: {response.status_code}"
            )
    with capsys.disabled():
        print(f"\nbad-input probe as {who}: tried {tried}, held {tried - len(failures)}")
    assert tried > 1000
    assert not failures, "\n".join(failures)


def test_nul_bytes_are_a_chinese_400_even_without_login(client, org):
    for response in (
        client.get("/verify/YY%00x"),
        client.post("/login", data={"username": "admin\x00", "password": "demo"}),
        client.get("/login?next=%00"),
    ):
        assert response.status_code == 400
        assert "请求无效" in response.get_data(as_text=True)


def test_impossible_ids_are_404(client, login):
    login("admin")
    for url in (f"/seals/{HUGE}", f"/seals/{INT32}", f"/admin/users/{HUGE}/edit"):
        assert client.get(url).status_code == 404


def test_register_links_drop_url_for_arguments(client, login):
    login("admin")
    response = client.get("/seals/?_method=PUT&_external=1&_anchor=top&page=2&q=合同")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "_method" not in body and "_anchor" not in body and "#top" not in body
    assert "http://localhost" not in body


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ("date_from=0001-01-01", "年份应在 1900 到 2999 之间"),
        ("date_to=9999-12-31", "年份应在 1900 到 2999 之间"),
    ],
)
def test_register_date_filters_are_bounded(client, login, args, message):
    login("admin")
    response = client.get(f"/seals/?{args}")
    assert response.status_code == 422  # the register shows its filters' errors
    assert message in response.get_data(as_text=True)


def test_integer_arguments_beyond_a_column_are_not_numbers(app):
    with app.test_request_context(f"/?page={HUGE}&a=-{INT32}&b=7"):
        from flask import request

        assert request.args.get("page", 1, type=int) == 1
        assert request.args.get("a", type=int) is None
        assert request.args.get("b", type=int) == 7
        assert request.args.get("page") == HUGE  # as text, unchanged
