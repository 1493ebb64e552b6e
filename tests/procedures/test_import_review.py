"""Import review: a repair the importer only suggested is accepted with one click."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.procedures import import_review, services
from portal.procedures.models import Procedure

# Invented page: 曰 after 于 is not confirmed by the dictionary, so it is only suggested.
PAGE = "值班管理规定\n第一条 值班人员应于曰后补交记录。\n第二条 本规定自发布之日起施行。\n"


def stored() -> Procedure:
    return db.session.scalar(select(Procedure).where(Procedure.title == "值班管理规定"))


def test_corrected_text_uses_the_column_or_the_context():
    text = "标题\n于曰后补交\n"
    assert import_review.corrected_text(text, 2, 1, "曰", "日", "于曰后") == "标题\n于日后补交\n"
    moved = "标题\n甲于曰后补交\n"
    assert import_review.corrected_text(moved, 2, 1, "曰", "日", "于曰后") == "标题\n甲于日后补交\n"
    with pytest.raises(import_review.SuggestionError):
        import_review.corrected_text("标题\n于日后\n", 2, 1, "曰", "日", "于曰后")


def test_import_page_offers_the_suggestion_and_one_click_accepts_it(client, login):
    login("admin")
    result = services.import_legacy_files([("duty.txt", PAGE.encode())])[0]
    db.session.commit()
    assert result.parsed[0].suggestions[0]["context"] == "员应于曰后补交"
    procedure = stored()
    form = {
        "code": procedure.code,
        **{k: str(v) for k, v in result.parsed[0].suggestions[0].items()},
    }
    response = client.post(
        "/procedures/import/suggestion", data=form, headers={"HX-Request": "true"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith("<tr")
    assert "新修订" in html and "采纳" not in html
    revision = stored().draft_revision  # the import is still a draft, corrected in place
    assert "于日后补交" in revision.clauses[0].text
    again = client.post("/procedures/import/suggestion", data=form)
    assert again.status_code == 422 and "建议已失效" in again.get_data(as_text=True)


def test_the_result_row_shows_a_form_per_suggestion(client, login):
    login("admin")
    data = {"file": (io.BytesIO(PAGE.encode()), "duty.txt")}
    response = client.post("/procedures/import/file", data=data, headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert "疑似识别错误 曰→日" in html and 'name="column" value="10"' in html
