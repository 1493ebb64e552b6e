"""Fixtures for complaint tests: a complaint factory and the stage player (helpers.py)."""

from __future__ import annotations

from datetime import datetime

import pytest

from portal.complaints import services
from portal.complaints.models import Complaint
from portal.core import clock
from portal.extensions import db
from tests.complaints.helpers import MONDAY_10, Player, intake


@pytest.fixture
def player(org):
    return Player(org)


@pytest.fixture
def make_complaint(org):
    def _make(applicant: str = "service", at: datetime = MONDAY_10, **fields) -> Complaint:
        with clock.frozen(at):
            complaint = services.register_complaint(intake(**fields), [], org[applicant])
            db.session.commit()
        return complaint

    return _make
