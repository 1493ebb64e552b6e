"""Fixtures for archive tests: the procedure loaded (clause links), files under a temp dir."""

from __future__ import annotations

import pytest

from tests.factories import bundled_procedure


@pytest.fixture
def procedure(app):
    return bundled_procedure("qp-adm-03.md")
