"""Benchmark the 印章使用登记表 (/seals/) on 100,000 seal-use requests (80,000 stamped).

Builds the requests with bulk inserts in a temporary SQLite database, then times requests to
the register through the test client, logged in as the system administrator: page 1 and a deep
page (page 1,590 of 1,600, reached by the pager's keyset link), without a filter and with a
status or a department filter; the same deep page by its bare number (OFFSET) for comparison;
and, in the same run, references: a count of the stamping index and a static file.
Prints `name value unit` lines (bench/_common.emit):
  register.p95_ms_100k, register.cpu_ms_100k   page 1 and the deep page, no filter (targets
                                               < 50 ms wall and < 15 ms CPU at p95)
  register.page1.* / register.deep.*           the same per page
  register.filtered.p95_ms, .cpu_ms            status and department filters, page 1 and deep
  register.offset_deep.p95_ms, .cpu_ms         the deep page by ?page=N alone (OFFSET)
  register.reference_scan_ms                   SELECT count(*) over the 80,000 stamping events
  register.reference_static_ms                 a static file through the same client
  register.p95_ms, register.median_ms, register.cpu_p95_ms   all the register pages above
  register.rows, register.build_s
CPU is this process's time: the same figure without other processes' load on the machine.
Run: python bench/bench_register.py
"""

from __future__ import annotations

import gc
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path
from types import SimpleNamespace

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a script from anywhere, like the tests import the repo

from sqlalchemy import func, insert, select, text  # noqa: E402

from bench._common import emit, percentile  # noqa: E402
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


PER_PAGE = 50
DEEP = ROWS * 8 // 10 // PER_PAGE - 10  # the register lists the 8 in 10 that were stamped
NEXT = re.compile(r'<a href="([^"]+)"[^>]*>下一页</a>')


def keyset_url(client, url: str, page: int) -> str:
    """The pager's link to `page`: read from page - 1 (opened once by its number)."""
    sep = "&" if "?" in url else "?"
    html = client.get(f"{url}{sep}page={page - 1}").get_data(as_text=True)
    link = unescape(NEXT.search(html).group(1))
    assert "after=" in link, link
    return link


def timed(client, url: str, runs: int) -> tuple[list[float], list[float]]:
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200, url
    return wall, cpu


def p95(values: list[float]) -> float:
    return percentile(values, 95)


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
            emit("register.build_s", time.perf_counter() - started, "s")
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
        status, department = "/seals/?status=completed", f"/seals/?department_id={departments[2]}"
        pages = {
            "page1": "/seals/",
            "deep": keyset_url(client, "/seals/", DEEP),
            "filtered": [
                status,
                keyset_url(client, status, DEEP - 10),
                department,
                keyset_url(client, department, DEEP // 7 - 10),
            ],
            "offset_deep": f"/seals/?page={DEEP}",
        }
        static = "/static/css/portal.css"
        for url in [*pages.values(), static] * 2:  # warm up: templates, caches, counts
            for one in url if isinstance(url, list) else [url]:
                assert client.get(one).status_code == 200, one
        gc.collect()  # time the register, not the collection of the build's garbage
        gc.freeze()
        figures: dict[str, tuple[list[float], list[float]]] = {}
        for name, url in pages.items():
            wall, cpu = [], []
            for one in url if isinstance(url, list) else [url]:
                w, c = timed(client, one, RUNS // (len(url) if isinstance(url, list) else 1))
                wall += w
                cpu += c
            figures[name] = (wall, cpu)
        static_wall, _ = timed(client, static, RUNS)
        with app.app_context():
            scans = []
            with db.engine.connect() as conn:
                for _ in range(20):
                    started = time.perf_counter()
                    conn.execute(
                        text("SELECT count(*) FROM seal_request_items WHERE stamped_at IS NOT NULL")
                    ).scalar()
                    scans.append((time.perf_counter() - started) * 1000)
            db.engine.dispose()
    main_wall = figures["page1"][0] + figures["deep"][0]
    main_cpu = figures["page1"][1] + figures["deep"][1]
    emit("register.p95_ms_100k", p95(main_wall), "ms")
    emit("register.cpu_ms_100k", p95(main_cpu), "ms")
    for name, (wall, cpu) in figures.items():
        emit(f"register.{name}.p95_ms", p95(wall), "ms")
        emit(f"register.{name}.cpu_ms", p95(cpu), "ms")
    emit("register.reference_scan_ms", statistics.median(scans), "ms")
    emit("register.reference_static_ms", statistics.median(static_wall), "ms")
    every = [f for name, f in figures.items() if name != "offset_deep"]
    emit("register.p95_ms", p95([w for wall, _ in every for w in wall]), "ms")
    emit("register.median_ms", statistics.median([w for wall, _ in every for w in wall]), "ms")
    emit("register.cpu_p95_ms", p95([c for _, cpu in every for c in cpu]), "ms")
    emit("register.rows", rows, "count")
    return 0


if __name__ == "__main__":
    sys.exit(main())
