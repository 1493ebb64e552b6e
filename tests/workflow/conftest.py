"""Fixtures for engine tests: the demo flow registered on the app, and a record factory."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.workflow import engine
from portal.workflow.flow import register_flow
from tests.workflow.demo_form import DEMO_FLOW, DemoRequest


@pytest.fixture
def demo_flow(app):
    register_flow(app, DEMO_FLOW)
    return DEMO_FLOW


@pytest.fixture
def make_request(demo_flow, org):
    def _make(applicant="employee", **fields):
        record = DemoRequest(**fields)
        db.session.add(record)
        db.session.flush()
        instance = engine.start("demo", record, org[applicant])
        db.session.commit()
        return instance

    return _make
