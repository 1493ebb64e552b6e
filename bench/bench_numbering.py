"""200 submits from 20 threads through the engine: every number stored once, no gaps.

Prints numbering.* for SQLite, and numbering.pg_* too when DATABASE_URL is PostgreSQL.
"""

from __future__ import annotations

import threading
import time

from _common import database, emit, make_app, postgres_url
from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db

THREADS, PER_THREAD = 20, 10


class BenchRequest(db.Model):
    __tablename__ = "test_bench_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(50), default="bench")


def _flow():
    from portal.workflow.flow import ApplicantHead, Flow, Numbering, Step

    return Flow(
        key="bench",
        name="基准",
        numbering=Numbering("BN"),
        model=BenchRequest,
        steps=(Step("head", "部门负责人审批", ApplicantHead()),),
        detail_endpoint="home.index",
        title=lambda r: r.title,
    )


def _drafts(app) -> list[int]:
    from portal.auth.models import User
    from portal.demo import load_organisation
    from portal.workflow import engine

    with app.app_context():
        db.create_all()
        load_organisation()
        employee = db.session.scalar(select(User).filter_by(username="employee"))
        ids = []
        for _ in range(THREADS * PER_THREAD):
            record = BenchRequest()
            db.session.add(record)
            db.session.flush()
            ids.append(engine.start("bench", record, employee).id)
        db.session.commit()
        return ids


def _submit_all(app, ids: list[int]) -> list[Exception]:
    from portal.core.sqlite import write_intent
    from portal.workflow import engine
    from portal.workflow.models import Instance

    errors: list[Exception] = []

    def worker(chunk):
        with app.app_context():
            for instance_id in chunk:
                try:
                    with write_intent():
                        instance = db.session.get(Instance, instance_id)
                        engine.transition(instance, "submit", instance.applicant)
                        db.session.commit()
                except Exception as exc:  # counted, reported as a figure
                    db.session.rollback()
                    errors.append(exc)
            db.session.remove()

    chunks = [ids[i::THREADS] for i in range(THREADS)]
    threads = [threading.Thread(target=worker, args=(c,)) for c in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def run(kind: str, prefix: str) -> None:
    from portal.workflow.flow import register_flow
    from portal.workflow.models import Instance

    with database(kind) as url:
        app = make_app(url)
        register_flow(app, _flow())
        ids = _drafts(app)
        started = time.perf_counter()
        errors = _submit_all(app, ids)
        elapsed = time.perf_counter() - started
        with app.app_context():
            numbers = db.session.scalars(
                select(Instance.number).where(Instance.number.is_not(None))
            ).all()
            values = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
            db.engine.dispose()
    emit(f"{prefix}.stored", len(numbers), "count")
    emit(f"{prefix}.duplicates", len(values) - len(set(values)), "count")
    emit(f"{prefix}.gaps", (values[-1] - len(set(values))) if values else 0, "count")
    emit(f"{prefix}.errors", len(errors), "count")
    emit(f"{prefix}.submits_per_s", len(numbers) / elapsed, "1/s")


if __name__ == "__main__":
    run("sqlite", "numbering")
    if postgres_url():
        run("postgresql", "numbering.pg")
