"""Fixtures for archive tests: the procedure loaded (clause links), files under a temp dir."""

from __future__ import annotations

import pytest


@pytest.fixture
def procedure(app):
    from portal.extensions import db
    from portal.procedures import services as procedures

    text = (procedures.DOCS_DIR / "qp-adm-03.md").read_text(encoding="utf-8")
    result = procedures.load_markdown(text, "qp-adm-03.md")
    db.session.commit()
    return result.procedure
