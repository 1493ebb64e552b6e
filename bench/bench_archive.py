"""Archive figures:

archive.register_p95_ms      the 存档登记表 page (档案总目录) filtered by category and year, over
                             100,000 items, through the test client as the archivist (reads
                             everything), 40 runs; archive.register_employee_p95_ms the same
                             page for an employee (the visibility rule in the query)
archive.number_gaps          after 200 acknowledgements from 20 threads across 3 categories:
archive.number_duplicates    missing and repeated sequence numbers per category (both 0);
archive.ack_errors           acknowledgements that failed
"""

from __future__ import annotations

import threading
import time
from datetime import date

from _common import database, emit, make_app, percentile
from sqlalchemy import func, insert, select

from portal.extensions import db

ITEMS = 100_000
ACKS = 200
THREADS = 20
CATEGORIES = ("HT", "TB", "ZL")


def _org():
    from portal.demo import load_organisation
    from tests.factories import standard_org

    db.create_all()
    load_organisation()
    db.session.commit()
    return standard_org()


def _bulk(org) -> None:
    """One 存档登记表 holding 100,000 archived items over 10 years and 8 categories."""
    from portal.archive.models import CATEGORY_LIST, ArchiveItem
    from tests.archive.helpers import accept_all, batch

    first = accept_all(batch(org), org)
    codes = [c.code for c in CATEGORY_LIST]
    departments = [u.department_id for u in org.values() if u.department_id]
    rows, per_series = [], {}
    for n in range(ITEMS):
        category, year = codes[n % len(codes)], 2017 + (n // len(codes)) % 10
        seq = per_series[(category, year)] = per_series.get((category, year), 0) + 1
        rows.append({
            "batch_id": first.id, "seq": n + 2, "number": f"DA-{year}-{category}-{seq:05d}",
            "year": year, "status": "archived", "title": f"档案 {n}", "category": category,
            "department_id": departments[n % len(departments)],
            "document_date": date(year, 1 + n % 12, 1 + n % 28), "volumes": 1, "pages": 10,
            "copies": 1, "original": True, "secrecy": ("normal", "secret", "confidential")[n % 3],
            "retention": "D30", "room": f"档案室{n % 3}", "cabinet": str(n % 20),
            "shelf": str(n % 5), "box": str(n % 40), "reference": "", "file_format": "",
            "file_sha256": "", "return_reason": "",
        })  # fmt: skip
        if len(rows) == 5000:
            db.session.execute(insert(ArchiveItem), rows)
            rows = []
    if rows:
        db.session.execute(insert(ArchiveItem), rows)
    db.session.commit()


def _register(app, org) -> tuple[float, float]:
    from tests.conftest import Auth

    def timed(username: str) -> float:
        client = app.test_client()
        Auth(client).as_user(org[username])
        url = "/archive/?category=HT&year=2021"
        assert client.get(url).status_code == 200  # warm up
        times = []
        for _ in range(40):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200 and "DA-2021-HT-" in response.text
        return percentile(times, 95)

    return timed("archivist"), timed("employee")


def _acknowledgements(app) -> tuple[int, int, int]:
    from portal.archive import services
    from portal.archive.models import ArchiveBatch, ArchiveItem
    from portal.core.sqlite import write_intent
    from portal.workflow import engine
    from tests.archive.helpers import batch, row

    with app.app_context():
        org = _org()
        ids = []
        for n in range(ACKS):
            record = batch(org, rows=[row(f"并发 {n}", CATEGORIES[n % 3])])
            engine.transition(record.instance, "approve", org["head"])
            db.session.commit()
            ids.append(record.id)
        archivist_id = org["archivist"].id
    errors: list[Exception] = []

    def worker(chunk):
        from portal.auth.models import User

        with app.app_context():
            for batch_id in chunk:
                try:
                    with write_intent():
                        archivist = db.session.get(User, archivist_id)
                        record = db.session.get(ArchiveBatch, batch_id)
                        decisions = {i.id: {"accept": True} for i in record.items}
                        comment = services.check_batch(record, decisions, archivist)
                        engine.transition(record.instance, "complete", archivist, comment,
                                          page="archive.check")  # fmt: skip
                        db.session.commit()
                except Exception as exc:  # counted, reported as a figure
                    db.session.rollback()
                    errors.append(exc)
            db.session.remove()

    threads = [threading.Thread(target=worker, args=(ids[i::THREADS],)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with app.app_context():
        gaps = duplicates = 0
        for category in CATEGORIES:
            numbers = db.session.scalars(
                select(ArchiveItem.number).where(ArchiveItem.category == category,
                                                 ArchiveItem.number.is_not(None))
            ).all()  # fmt: skip
            values = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
            duplicates += len(values) - len(set(values))
            gaps += (values[-1] - len(set(values))) if values else 0
        stored = db.session.scalar(select(func.count()).where(ArchiveItem.number.is_not(None)))
        assert stored + len(errors) == ACKS, (stored, len(errors))
        db.engine.dispose()
    return gaps, duplicates, len(errors)


def main() -> None:
    with database("sqlite") as url:
        app = make_app(url)
        with app.app_context():
            org = _org()
            _bulk(org)
            archivist_p95, employee_p95 = _register(app, org)
            db.engine.dispose()
    emit("archive.register_p95_ms", archivist_p95, "ms")
    emit("archive.register_employee_p95_ms", employee_p95, "ms")
    with database("sqlite") as url:
        gaps, duplicates, errors = _acknowledgements(make_app(url))
    emit("archive.number_gaps", gaps, "count")
    emit("archive.number_duplicates", duplicates, "count")
    emit("archive.ack_errors", errors, "count")


if __name__ == "__main__":
    main()
