"""Forced races on one record, many times over, on the kind of database DATABASE_URL names (a
throwaway PostgreSQL database on that server, or a temporary SQLite file when it is unset): two
sessions read the record and its tasks, wait for each other, then act.

numbering.race_gaps            numbers taken but not kept, over 40 drafts each submitted twice
transition.race_double_advance records whose 或签 step advanced twice, over 40 two-approver races
transition.race_errors         database errors that reached the caller (refusals do not count)
transition.race_refused        clean refusals (one per race is expected)
"""

from __future__ import annotations

import threading

from _common import database, emit, make_app, postgres_url
from sqlalchemy import String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db

ROUNDS = 40


class RaceRequest(db.Model):
    __tablename__ = "test_bench_races"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(50), default="race")


def _flow():
    from portal.workflow.flow import Flow, HasRole, Numbering, Step

    return Flow(
        key="bench_race",
        name="竞争",
        numbering=Numbering("RB"),
        model=RaceRequest,
        steps=(Step("check", "或签", HasRole("quality")), Step("gm", "审批", HasRole("gm"))),
        detail_endpoint="home.index",
        title=lambda r: r.title,
    )


def _drafts(app, count: int, submitted: bool) -> list[int]:
    from portal.auth.models import User
    from portal.workflow import engine

    with app.app_context():
        employee = db.session.scalar(select(User).filter_by(username="employee"))
        ids = []
        for _ in range(count):
            record = RaceRequest()
            db.session.add(record)
            db.session.flush()
            instance = engine.start("bench_race", record, employee)
            if submitted:
                engine.transition(instance, "submit", employee)
            ids.append(instance.id)
        db.session.commit()
        return ids


def _race(app, instance_id: int, attempts) -> list[str]:
    from portal.auth.models import User
    from portal.workflow import engine
    from portal.workflow.models import Instance

    barrier = threading.Barrier(len(attempts), timeout=30)
    outcomes = [""] * len(attempts)

    def worker(index, action, username):
        with app.app_context():
            try:
                instance = db.session.get(Instance, instance_id)
                list(instance.tasks)
                user = db.session.scalar(select(User).filter_by(username=username))
                barrier.wait()
                engine.transition(instance, action, user)
                db.session.commit()
                outcomes[index] = "ok"
            except engine.WorkflowError:
                db.session.rollback()
                outcomes[index] = "refused"
            except Exception:  # a database error reaching the caller: what must not happen
                db.session.rollback()
                outcomes[index] = "error"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i, *a)) for i, a in enumerate(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


def main() -> None:
    from portal.core.models import NumberSeries
    from portal.demo import load_organisation
    from portal.workflow.flow import register_flow
    from portal.workflow.models import Instance, Task, TaskStatus

    with database("postgresql" if postgres_url() else "sqlite") as url:
        app = make_app(url)
        register_flow(app, _flow())
        with app.app_context():
            db.create_all()
            load_organisation()
            db.session.commit()
        outcomes: list[str] = []
        for instance_id in _drafts(app, ROUNDS, submitted=False):
            outcomes += _race(app, instance_id, [("submit", "employee")] * 2)
        submitted = _drafts(app, ROUNDS, submitted=True)
        for instance_id in submitted:
            outcomes += _race(app, instance_id, [("approve", "quality"), ("approve", "inspector")])
        with app.app_context():
            numbered = db.session.scalar(
                select(func.count())
                .select_from(Instance)
                .where(Instance.form_type == "bench_race", Instance.number.is_not(None))
            )
            taken = db.session.scalar(
                select(func.sum(NumberSeries.last_value)).where(NumberSeries.prefix == "RB")
            )
            advanced = (
                select(Task.instance_id)
                .where(Task.instance_id.in_(submitted), Task.step_key == "gm",
                       Task.status != TaskStatus.CANCELLED)
                .group_by(Task.instance_id)
                .having(func.count() > 1)
            )  # fmt: skip
            doubled = db.session.scalar(select(func.count()).select_from(advanced.subquery()))
            db.engine.dispose()
    emit("numbering.race_gaps", (taken or 0) - numbered, "count")
    emit("transition.race_double_advance", doubled, "count")
    emit("transition.race_errors", outcomes.count("error"), "count")
    emit("transition.race_refused", outcomes.count("refused"), "count")


if __name__ == "__main__":
    main()
