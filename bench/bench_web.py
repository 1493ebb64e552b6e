"""Pages against a static file, under gunicorn as `make run` serves them (issue 18).

Builds a scratch SQLite database (migrations, the demo data, 10,000 extra stamped seal
requests), starts gunicorn with gunicorn.conf.py (2 workers x 4 threads), logs in as the system
administrator and measures each page with wrk (16 connections, the median of RUNS runs),
beside a static file of similar size from the same server in the same run:
  static, home, a long procedure page, the seal register at 10,000 rows, search, a record page.
Prints per page `web.<page>.ratio` (page req/s / static req/s), `web.<page>.rps`,
`web.<page>.p99_ms`, `web.<page>.cpu_ms` (the workers' own CPU time per request, from /proc),
`web.<page>.queries` (SQL statements of rendering the page, counted in-process on the same
data) and `web.<page>.queries_kept` (of answering it from the page cache); then
`web.register_pdf_500.ms` (the seal register's PDF of about 500 rows, target < 3 s) and
`web.complaint_report_pdf.ms` (this month's complaint report, target < 2 s).
The pages are measured twice: as served (repeated views, answered from the page cache,
core/pagecache.py), then as `web.<page>_rendered.*` with PAGE_CACHE=0 (every view rendered:
what a view costs after any write). Last `web.gc.home_c1_p99_ms_tuned` and `..._gc_default`:
the rendered home page's p99 at one connection with gunicorn.conf.py's collector settings and
with Python's defaults (the GC tail).
The machine may be shared: absolute numbers are noisy, the ratios are what count.
Run: python bench/bench_web.py   (BENCH_WEB_SECONDS, BENCH_WEB_RUNS, BENCH_WEB_ROWS to change)
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _common import emit  # noqa: E402

SECONDS = int(os.environ.get("BENCH_WEB_SECONDS", "5"))
RUNS = int(os.environ.get("BENCH_WEB_RUNS", "3"))
ROWS = int(os.environ.get("BENCH_WEB_ROWS", "10000"))
CONNECTIONS = 16
VENV = ROOT / ".venv" / "bin"
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(folder: Path) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'web.db'}",
        "SECRET_KEY": "bench-web",
        "UPLOAD_DIR": str(folder / "uploads"),
        "FLASK_APP": "app",
        "PORTAL_DEMO": "1",
    }


def build(env: dict) -> None:
    """The schema by migrations and the demo data, as `make demo` does; then the extra rows."""
    flask = [str(VENV / "flask"), "--app", "app"]
    subprocess.run(
        [*flask, "db", "upgrade", "heads"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    subprocess.run([*flask, "demo", "load"], cwd=ROOT, env=env, check=True, capture_output=True)
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "SECRET_KEY", "UPLOAD_DIR")})
    from bench_register import _rows
    from sqlalchemy import func, insert, select, text

    from app import app
    from portal.auth.models import Department, User
    from portal.extensions import db
    from portal.seals.models import Seal, SealRequest, SealRequestItem
    from portal.workflow.models import Instance, Task

    with app.app_context():
        users = {u.username: u for u in db.session.scalars(select(User))}
        seals = list(db.session.scalars(select(Seal)))
        departments = list(db.session.scalars(select(Department.id)))
        first = (db.session.scalar(select(func.max(Instance.id))) or 0) + 1
        request_first = (db.session.scalar(select(func.max(SealRequest.id))) or 0) + 1
        batch = []
        for i in range(ROWS):
            instance, request, item, tasks = _rows(first + i, users, seals, departments)
            request = {**request, "id": request_first + i, "instance_id": instance["id"]}
            item = {**item, "request_id": request["id"]}
            instance = {**instance, "record_id": request["id"], "number": f"BW-{first + i:07d}"}
            batch.append((instance, request, item, tasks))
        db.session.execute(insert(Instance), [b[0] for b in batch])
        db.session.execute(insert(SealRequest), [b[1] for b in batch])
        db.session.execute(insert(SealRequestItem), [b[2] for b in batch])
        db.session.execute(insert(Task), [t for b in batch for t in b[3]])
        db.session.commit()
        db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.session.remove()


def targets() -> dict[str, str]:
    """Page name -> path: the longest procedure, a record, the register."""
    from sqlalchemy import func, select

    from app import app
    from portal.extensions import db
    from portal.procedures.models import Clause, Procedure, Revision, RevisionStatus
    from portal.seals.models import SealRequest

    with app.app_context():
        code = db.session.execute(
            select(Procedure.code)
            .join(Revision, Revision.procedure_id == Procedure.id)
            .join(Clause, Clause.revision_id == Revision.id)
            .where(Revision.status == RevisionStatus.CURRENT)
            .group_by(Procedure.code)
            .order_by(func.count().desc())
            .limit(1)
        ).scalar()
        record = db.session.scalar(select(func.min(SealRequest.id)))
        db.session.remove()
    return {
        "home": "/",
        "procedure": f"/procedures/{urllib.parse.quote(code)}",
        "register": "/seals/",
        "search": "/search?q=" + urllib.parse.quote("印章"),
        "record": f"/seals/{record}",
    }


def count_queries(paths: dict[str, str], kept: bool = False) -> dict[str, int]:
    """Statements of one request per page (after a warm-up), in this process on the same data:
    of rendering it (the page cache emptied first), or with `kept` of answering it from the
    page cache."""
    from flask import g
    from sqlalchemy import event, select

    from app import app
    from portal.auth import sessions
    from portal.auth.models import User
    from portal.core import pagecache
    from portal.extensions import db

    counts = {}
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        who = SimpleNamespace(id=admin.id, session_version=admin.session_version)
        db.session.remove()
    client = app.test_client()
    with client.session_transaction() as session:
        sessions.stamp(session, who)
    for name, path in paths.items():
        client.get(path)
        client.get(path)  # the first view made the session's CSRF token; this one is kept
        if not kept:
            pagecache.clear(app)
        seen = []

        def record(_c, _cur, statement, *_, seen=seen):
            if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
                seen.append(statement)

        with app.app_context():
            engine = db.engine
            event.listen(engine, "before_cursor_execute", record)
            try:
                g.pop("_login_user", None)
                client.get(path)
            finally:
                event.remove(engine, "before_cursor_execute", record)
        counts[name] = len(seen)
    return counts


def start(env: dict, port: int) -> subprocess.Popen:
    # As `make run`: gunicorn.conf.py when there is one (older trees: the same flags).
    config = ["-c", "gunicorn.conf.py"] if (ROOT / "gunicorn.conf.py").exists() else []
    server = subprocess.Popen(
        [str(VENV / "gunicorn"), *config, "--workers", "2", "--threads", "4",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "app:app"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=1).close()
            return server
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def login(base: str) -> str:
    """The session cookie of the administrator, through the login form (CSRF and all)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"csrf_token": token, "username": "admin", "password": "demo"})
    opener.open(f"{base}/login", data=form.encode()).read()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    request = urllib.request.Request(f"{base}/", headers={"Cookie": cookie})
    assert "退出" in urllib.request.urlopen(request).read().decode(), "login failed"
    return cookie


def workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(p) for p in children]


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def size_of(url: str, cookie: str) -> int:
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    with urllib.request.urlopen(request) as response:
        assert response.status == 200, url
        return len(response.read())


def wrk(
    url: str, cookie: str, pids: list[int], connections: int = CONNECTIONS
) -> tuple[float, float, float]:
    """(requests/s, p99 ms, CPU ms per request) of one wrk run."""
    before = cpu_seconds(pids)
    threads = min(2, connections)
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{SECONDS}s", "--latency", "-H", f"Cookie: {cookie}",
         url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    cpu = cpu_seconds(pids) - before
    if "Non-2xx" in out:
        raise RuntimeError(f"{url}: errors\n{out}")
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()
    p99 = float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    return rps, p99, 1000 * cpu / max(requests, 1)


def pdf_ms(url: str, cookie: str) -> float:
    """Median wall time of 3 downloads of a PDF (after one to warm the fonts)."""
    timings = []
    for n in range(4):
        started = time.perf_counter()
        request = urllib.request.Request(url, headers={"Cookie": cookie})
        with urllib.request.urlopen(request, timeout=120) as response:
            assert response.read(5) == b"%PDF-", url
            response.read()
        if n:
            timings.append(1000 * (time.perf_counter() - started))
    return statistics.median(timings)


def static_like(size: int) -> str:
    """The static file closest in size to a page."""
    files = [p for p in (ROOT / "static").rglob("*") if p.is_file() and p.suffix in (".css", ".js")]
    best = min(files, key=lambda p: abs(p.stat().st_size - size))
    return best.relative_to(ROOT / "static").as_posix()


def gc_tail(env: dict, path: str) -> None:
    """The home page at one connection under the worker's collector settings of gunicorn.conf.py
    and under Python's defaults (PORTAL_GC_DEFAULT=1 skips the freeze and the thresholds): the
    p99 at one connection is where collections show (issue 18's "GC tail")."""
    for label, extra in (("tuned", {}), ("gc_default", {"PORTAL_GC_DEFAULT": "1"})):
        port = free_port()
        server = start({**env, **extra}, port)
        try:
            base = f"http://127.0.0.1:{port}"
            cookie = login(base)
            pids = workers(server.pid)
            wrk(base + path, cookie, pids, connections=1)  # warm-up
            runs = [wrk(base + path, cookie, pids, connections=1) for _ in range(RUNS)]
            emit(f"web.gc.home_c1_p99_ms_{label}", statistics.median(r[1] for r in runs), "ms")
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


def pages(env: dict, paths: dict[str, str], queries: dict, label: str = "") -> None:
    """Start gunicorn, measure each page beside a static file (prints web.<page><label>.*),
    and the PDFs on the first pass; stop it."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start(env, port)
    try:
        cookie = login(base)
        pids = workers(server.pid)
        for name, path in paths.items():
            url = base + path
            static = f"{base}/static/{static_like(size_of(url, cookie))}"
            wrk(url, cookie, pids)  # warm-up: every worker has rendered the page
            page_runs, static_runs = [], []
            for _ in range(RUNS):  # interleaved, so both see the same load from others
                static_runs.append(wrk(static, cookie, pids))
                page_runs.append(wrk(url, cookie, pids))
            page = [statistics.median(x) for x in zip(*page_runs, strict=True)]
            plain = [statistics.median(x) for x in zip(*static_runs, strict=True)]
            emit(f"web.{name}{label}.ratio", page[0] / plain[0], "ratio")
            emit(f"web.{name}{label}.rps", page[0], "req/s")
            emit(f"web.{name}{label}.p99_ms", page[1], "ms")
            emit(f"web.{name}{label}.cpu_ms", page[2], "ms")
            for kind, count in queries.items():
                emit(f"web.{name}{label}.{kind}", count[name], "statements")
            emit(f"web.{name}{label}.static_rps", plain[0], "req/s")
            emit(f"web.{name}{label}.static_p99_ms", plain[1], "ms")
            emit(f"web.{name}{label}.static_cpu_ms", plain[2], "ms")
        if not label:
            # About 500 rows: the extra requests are stamped every 7 minutes from 2024-01-01.
            register = f"{base}/seals/register.pdf?date_from=2024-01-01&date_to=2024-01-03"
            emit("web.register_pdf_500.ms", pdf_ms(register, cookie), "ms")
            month = time.strftime("%Y-%m")
            report = f"{base}/complaints/report.pdf?month={month}"
            emit("web.complaint_report_pdf.ms", pdf_ms(report, cookie), "ms")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def main() -> int:
    if not shutil.which("wrk"):
        print("wrk is missing: scripts/sysdeps.sh test installs it", file=sys.stderr)
        return 1
    folder = Path(tempfile.mkdtemp(prefix="portal-bench-web-"))
    env = environment(folder)
    try:
        started = time.perf_counter()
        build(env)
        emit("web.build_s", time.perf_counter() - started, "s")
        paths = targets()
        rendered = count_queries(paths)
        kept = count_queries(paths, kept=True)
        # As served: repeated views answered from the page cache (nothing is written meanwhile).
        pages(env, paths, {"queries": rendered, "queries_kept": kept})
        # Every view rendered (PAGE_CACHE=0): what a page costs after any write, or the first time.
        pages({**env, "PAGE_CACHE": "0"}, paths, {"queries": rendered}, label="_rendered")
        gc_tail({**env, "PAGE_CACHE": "0"}, paths["home"])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
