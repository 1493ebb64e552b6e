"""The delegation page as a new user meets it: the delegate starts blank (never the principal
himself), the principal is not offered as his own delegate, and a bad choice is told in Chinese."""

from __future__ import annotations

import re


def _options(html: str, name: str) -> list[tuple[str, str, bool]]:
    """(value, label, selected) of each option of the select `name`."""
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)[1]
    options = re.findall(r"<option([^>]*)>([^<]*)</option>", select)
    return [
        (re.search(r'value="([^"]*)"', attrs)[1], label, "selected" in attrs)
        for attrs, label in options
    ]


def test_the_delegate_starts_blank_and_is_never_the_principal(client, login, org):
    login("gm")
    options = _options(client.get("/delegations").get_data(as_text=True), "delegate_id")
    assert options[0][0] == "" and options[0][1].startswith("请选择")
    assert str(org["gm"].id) not in [value for value, _, _ in options]
    assert [value for value, _, selected in options if selected] in ([], [""])


def test_a_bad_delegate_is_refused_in_chinese(client, login, org):
    login("gm")
    response = client.post(
        "/delegations",
        data={"principal_id": org["gm"].id, "delegate_id": org["gm"].id,
              "starts_on": "2026-12-07", "ends_on": "2026-12-08", "form_type": ""},
    )  # fmt: skip
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Not a valid choice" not in html and "请" in html.split('name="delegate_id"', 1)[1]
