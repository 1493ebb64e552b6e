"""Fixtures for supplies tests: the small catalogue with stock (helpers.py), the procedure."""

from __future__ import annotations

import pytest

from tests.supplies.helpers import catalogue


@pytest.fixture
def items(org):
    return catalogue(org)


@pytest.fixture
def procedure(app):
    from portal.extensions import db
    from portal.procedures import services as procedures

    text = (procedures.DOCS_DIR / "qp-adm-02.md").read_text(encoding="utf-8")
    result = procedures.load_markdown(text, "qp-adm-02.md")
    db.session.commit()
    return result.procedure
