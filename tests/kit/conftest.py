"""The test-only 差旅报销 form type (tests/kit/travel.py) installed on the test app."""

from __future__ import annotations

import pytest

from tests.kit import travel


@pytest.fixture
def travel_app(app, org):
    travel.install(app)
    return app
