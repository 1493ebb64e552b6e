"""Business-time arithmetic across weekends and holidays; gapless numbering under concurrency."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from portal.core import clock
from portal.core.calendar import add_business_time, business_time_between, is_workday
from portal.core.models import Holiday, NumberSeries
from portal.core.numbering import next_number
from portal.core.sqlite import write_intent
from portal.extensions import db


def sh(y, m, d, hh, mm=0):
    """A Shanghai wall-clock time as aware UTC."""
    return datetime(y, m, d, hh, mm, tzinfo=UTC) - timedelta(hours=8)


def test_business_hours_skip_nights_and_weekends(app):
    friday_4pm = sh(2026, 11, 27, 16)
    assert add_business_time(friday_4pm, timedelta(hours=3)) == sh(2026, 11, 30, 10, 0)
    assert add_business_time(sh(2026, 11, 28, 12), timedelta(hours=1)) == sh(2026, 11, 30, 9, 30)
    assert add_business_time(sh(2026, 11, 23, 7), timedelta(hours=9)) == sh(2026, 11, 23, 17, 30)
    assert business_time_between(friday_4pm, sh(2026, 11, 30, 10)) == timedelta(hours=3)


def test_holidays_and_makeup_workdays(app):
    db.session.add_all(
        [
            Holiday(day=date(2026, 10, 1), name="国庆节"),
            Holiday(day=date(2026, 10, 2), name="国庆节"),
            Holiday(day=date(2026, 10, 10), name="调休上班", workday=True),
        ]
    )
    db.session.commit()
    assert not is_workday(date(2026, 10, 1))
    assert is_workday(date(2026, 10, 10))  # a Saturday worked
    # Wednesday 30 Sep 17:00 + 1 h: skips 1–2 Oct (holiday) and the weekend 3–4 Oct
    assert add_business_time(sh(2026, 9, 30, 17), timedelta(hours=1)) == sh(2026, 10, 5, 9, 0)
    # Friday 9 Oct 17:00 + 1 h lands on the worked Saturday
    assert add_business_time(sh(2026, 10, 9, 17), timedelta(hours=1)) == sh(2026, 10, 10, 9, 0)


def test_numbers_are_monthly_and_gapless(app):
    with clock.frozen(sh(2026, 11, 30, 23, 50)):
        assert next_number("YY") == "YY-202611-0001"
        assert next_number("YY") == "YY-202611-0002"
    db.session.rollback()  # a rolled-back submit gives its numbers back
    with clock.frozen(sh(2026, 11, 30, 23, 50)):
        assert next_number("YY") == "YY-202611-0001"
    with clock.frozen(sh(2026, 12, 1, 0, 10)):
        assert next_number("YY") == "YY-202612-0001"
    db.session.commit()


def test_numbering_under_20_concurrent_threads(app):
    results: list[str] = []
    errors: list[Exception] = []
    lock = threading.Lock()

    def worker():
        with app.app_context():
            try:
                for _ in range(5):
                    with write_intent():
                        number = next_number("CC", period="202611")
                        db.session.commit()
                    with lock:
                        results.append(number)
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    values = sorted(int(n.rsplit("-", 1)[1]) for n in results)
    assert values == list(range(1, 101))
    series = db.session.scalar(select(NumberSeries).where(NumberSeries.prefix == "CC"))
    assert series.last_value == 100
