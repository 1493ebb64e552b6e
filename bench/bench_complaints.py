"""Complaints at a busy month's scale: 600 complaints spread over November, a third taken to
the follow-up. Times the register page (50 rows, each with its stage clocks), the register
as seen by another department (scoped query), the monthly report, its PDF and one record PDF.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from _common import database, emit, make_app, median

from portal.extensions import db

COMPLAINTS = 600
START = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


def _seed(org) -> None:
    from portal.complaints import services
    from portal.core import clock
    from tests.complaints.helpers import Player, intake

    player = Player(org)
    for n in range(COMPLAINTS):
        at = START + timedelta(hours=n)  # one an hour: 25 days
        with clock.frozen(at):
            complaint = services.register_complaint(
                intake(customer_company=f"客户{n % 150:03d}", product=f"产品{n % 7}"),
                [],
                org["service"],
            )
        if n % 3 == 0:
            with clock.frozen(at + timedelta(hours=2)):
                player.to(complaint, "follow_up")
        db.session.commit()


def _time(fn, runs: int = 5) -> float:
    samples = []
    for _ in range(runs):
        begin = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - begin) * 1000)
    return median(samples)


def main() -> None:
    from tests.conftest import Auth
    from tests.factories import standard_org

    with database() as url:
        app = make_app(url)
        with app.app_context():
            db.create_all()
            org = standard_org()
            begin = time.perf_counter()
            _seed(org)
            emit(
                "complaints.seed_per_case", (time.perf_counter() - begin) * 1000 / COMPLAINTS, "ms"
            )
            quality, producer = app.test_client(), app.test_client()
            Auth(quality).as_user(org["quality"])
            Auth(producer).as_user(org["producer"])

            def get(client, url):
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)

            emit("complaints.register_page", _time(lambda: get(quality, "/complaints/")), "ms")
            emit("complaints.register_scoped", _time(lambda: get(producer, "/complaints/")), "ms")
            report = "/complaints/report?month=2026-11"
            emit("complaints.report_page", _time(lambda: get(quality, report)), "ms")
            pdf = "/complaints/report.pdf?month=2026-11"
            emit("complaints.report_pdf", _time(lambda: get(quality, pdf), runs=3), "ms")
            emit("complaints.record_pdf", _time(lambda: get(quality, "/complaints/1/pdf"), 3), "ms")


if __name__ == "__main__":
    main()
