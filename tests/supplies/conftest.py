"""Fixtures for supplies tests: the small catalogue with stock (helpers.py), the procedure."""

from __future__ import annotations

import pytest

from tests.factories import bundled_procedure
from tests.supplies.helpers import catalogue


@pytest.fixture
def items(org):
    return catalogue(org)


@pytest.fixture
def procedure(app):
    return bundled_procedure("qp-adm-02.md")
