"""Error handling a user meets: a GET on an action's URL leads back to the record."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("url", "back"),
    [
        ("/workflow/5/act", "/workflow/5"),
        ("/workflow/5/cc", "/workflow/5"),
        ("/procedures/QP-ADM-01/publish", "/procedures/QP-ADM-01"),
        ("/procedures/QP-ADM-01/read", "/procedures/QP-ADM-01"),
        ("/procedures/import/file", "/procedures/import"),
        ("/logout", "/"),
        ("/delegations/3/cancel", "/delegations"),
        ("/inbox/approve", "/inbox"),
    ],
)
def test_get_on_an_action_url_leads_back_to_its_page(client, login, url, back):
    login("employee")
    response = client.get(url)
    assert response.status_code == 303
    assert response.headers["Location"] == back


def test_other_methods_still_get_405(client, login):
    login("employee")
    response = client.put("/workflow/5/act")
    assert response.status_code == 405
    assert "此页面不支持该操作" in response.get_data(as_text=True)


def test_every_post_only_url_answers_a_get_with_a_page(app, client, login):
    """No action URL gives 404 or 405 to a GET: each leads to a page."""
    login("employee")
    adapter = app.url_map.bind("")
    samples = {"IntegerConverter": 5, "PathConverter": "QP-ADM-01"}
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods:
            continue
        values = {a: _sample(c, samples) for a, c in rule._converters.items()}
        url = adapter.build(rule.endpoint, {**(rule.defaults or {}), **values})
        with client.get(url) as response:
            assert response.status_code == 303, (url, response.status_code)


def _sample(converter, samples):
    """A value the converter accepts: an `any(...)` converter takes only its own words."""
    if type(converter).__name__ == "AnyConverter":
        return sorted(converter.items)[0]
    return samples.get(type(converter).__name__, "x")


def test_a_record_by_its_workflow_id(client, login, org):
    from portal.extensions import db
    from portal.seals import demo, services
    from tests.seals.conftest import valid_data

    seals = demo.build_catalogue(org)
    record = services.save_request(None, org["employee"], valid_data(seals), submit=True)
    db.session.commit()
    instance = record.instance
    login("employee")
    response = client.get(f"/workflow/{instance.id}")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/seals/{record.id}"
    login("finance")
    assert client.get(f"/workflow/{instance.id}").status_code == 403
