"""Benchmark the 印章使用登记表 (/seals/) on 100,000 seal-use requests (80,000 stamped).

Builds the requests with bulk inserts in a temporary SQLite database, then times 50 requests to
the register through the test client, logged in as the system administrator: page 1 and a deep
page, without a filter and with a status or a department filter.
Prints `name value unit` lines: register.p95_ms (target < 50 ms), register.median_ms,
register.cpu_p95_ms (the same in CPU time, which other processes' load does not inflate),
register.rows and register.build_s.
Run: python bench/bench_register.py
"""

from __future__ import annotations

import gc
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a script from anywhere, like the tests import the repo

from sqlalchemy import func, insert, select, text  # noqa: E402

from portal import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.seals import demo  # noqa: E402
from portal.seals.models import SealRequest, SealRequestItem  # noqa: E402
from portal.workflow.models import Instance, Status, Task, TaskStatus  # noqa: E402

ROWS = 100_000
CHUNK = 10_000
RUNS = 50
START = datetime(2024, 1, 1, 1, 0, tzinfo=UTC)
DOCUMENTS = ["年度经销合同", "产品质量合格证明", "银行对账函", "投标文件", "授权委托书"]
# One in ten is still running or was sent back; the rest are done.
STATUSES = [Status.COMPLETED] * 8 + [Status.IN_PROGRESS, Status.RETURNED]


def make_app(directory: str):
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory}/bench.db",
            "UPLOAD_DIR": f"{directory}/uploads",
            "WTF_CSRF_ENABLED": False,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
        }
    )


def _rows(i: int, users: dict, seals: list, departments: list) -> tuple[dict, ...]:
    applicant = users["employee"] if i % 3 else users["inspector"]
    at = START + timedelta(minutes=7 * i)
    status = STATUSES[i % len(STATUSES)]
    seal = seals[i % len(seals)]
    instance = {
        "id": i, "form_type": "seals", "record_id": i, "number": f"YY-{at:%Y%m}-{i:06d}",
        "title": DOCUMENTS[i % 5], "status": status, "applicant_id": applicant.id,
        "department_id": departments[i % len(departments)], "step_key": None, "round": 1,
        "created_at": at, "submitted_at": at, "completed_at": at + timedelta(hours=3),
    }  # fmt: skip
    done = status == Status.COMPLETED
    request = {
        "id": i, "instance_id": i, "document_name": f"{DOCUMENTS[i % 5]} 第{i}号",
        "document_type": "contract", "purpose": "业务往来", "receiving_party": "杭州华东贸易有限公司",
        "copies": 1 + i % 5, "seal_names": seal.name, "created_at": at, "updated_at": at,
        "stamped_at": at + timedelta(hours=3) if done else None,
    }  # fmt: skip
    item = {
        "request_id": i, "seal_id": seal.id, "copies_stamped": 1 + i % 5 if done else None,
        "stamped_at": request["stamped_at"], "stamped_by_id": users["adminoffice"].id if done else None,
    }  # fmt: skip
    tasks = [
        {"instance_id": i, "step_key": key, "step_name": name, "round": 1, "assignee_id": who.id,
         "actor_id": who.id, "status": TaskStatus.APPROVED, "created_at": at,
         "decided_at": at + timedelta(hours=h)}
        for key, name, who, h in [("head", "部门负责人审核", users["head"], 1),
                                  ("gm", "总经理审批", users["gm"], 2)]
    ]  # fmt: skip
    return instance, request, item, tasks


def build(users: dict, seals: list, departments: list) -> None:
    for start in range(1, ROWS + 1, CHUNK):
        batch = [_rows(i, users, seals, departments) for i in range(start, start + CHUNK)]
        db.session.execute(insert(Instance), [b[0] for b in batch])
        db.session.execute(insert(SealRequest), [b[1] for b in batch])
        db.session.execute(insert(SealRequestItem), [b[2] for b in batch])
        db.session.execute(insert(Task), [t for b in batch for t in b[3]])
    db.session.commit()
    # Fold the bulk load into the database file, as SQLite's periodic checkpoints would.
    db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))


def urls(department_id: int) -> list[str]:
    deep = ROWS * 8 // 10 // 50 - 10  # the register lists the 8 in 10 that were stamped
    return [
        "/seals/",
        f"/seals/?page={deep}",
        "/seals/?status=completed",
        f"/seals/?status=completed&page={deep - 10}",
        f"/seals/?department_id={department_id}",
        f"/seals/?department_id={department_id}&page={deep // 7 - 10}",
    ]


def p95(values: list[float]) -> float:
    return sorted(values)[int(len(values) * 0.95) - 1]


def main() -> int:
    with tempfile.TemporaryDirectory() as directory:
        app = make_app(directory)
        with app.app_context():
            db.create_all()
            from portal.auth.models import Department, User
            from portal.demo import load_organisation

            load_organisation()
            users = {u.username: u for u in db.session.scalars(select(User))}
            seals = list(demo.build_catalogue(users).values())
            departments = list(db.session.scalars(select(Department.id).order_by(Department.id)))
            db.session.commit()
            started = time.perf_counter()
            build(users, seals, departments)
            print(f"register.build_s {time.perf_counter() - started:.1f} s")
            rows = db.session.scalar(select(func.count(SealRequest.id)))
            # What a login stamps into the session, read before the session goes.
            admin = SimpleNamespace(
                id=users["admin"].id, session_version=users["admin"].session_version
            )
            db.session.remove()
        client = app.test_client()
        from portal.auth import sessions

        with client.session_transaction() as session:
            sessions.stamp(session, admin)
        targets = urls(departments[2])
        for url in targets * 2:  # warm up: templates compiled, caches filled
            assert client.get(url).status_code == 200, url
        gc.collect()  # time the register, not the collection of the build's garbage
        gc.freeze()
        timings, cpu = [], []
        for n in range(RUNS):
            url = targets[n % len(targets)]
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            assert response.status_code == 200 and "YY-" in response.text, url
        with app.app_context():
            db.engine.dispose()
    print(f"register.p95_ms {p95(timings):.1f} ms")
    print(f"register.median_ms {statistics.median(timings):.1f} ms")
    # CPU time of this process: the same figure without other processes' load on the machine.
    print(f"register.cpu_p95_ms {p95(cpu):.1f} ms")
    print(f"register.rows {rows} count")
    return 0


if __name__ == "__main__":
    sys.exit(main())
