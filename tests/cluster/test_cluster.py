"""Two app nodes behind HAProxy on one PostgreSQL (through pgbouncer in transaction mode),
attachments in the database, a tick loop on each node, an SMTP sink; 50 simulated users for 60 s; one node killed with SIGKILL half-way and
restarted. Run by `make test-cluster` (and CI after the PostgreSQL suite), not by `make test`.

Asserts: every submission acknowledged to a client (303) is stored once with its number, audit
rows and attachment bytes; every attachment downloaded (from either node) has the bytes that
were uploaded; numbers have no gaps; every e-mail reaches the sink exactly once;
the only failed requests are those in flight on the killed node when it died; every answered
request's id is in exactly one node's JSON access log. Prints `cluster.*` figures.
"""

from __future__ import annotations

import collections
import json
import os
import re
import secrets
import shutil
import time
import urllib.request

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from tests.cluster import load
from tests.cluster.harness import (
    Node,
    TickLoop,
    free_port,
    haproxy,
    pgbouncer,
    wait_for_port,
    wait_until_ok,
)
from tests.conftest import DATABASE_URL, make_config, scratch_database
from tests.notifications.conftest import Sink

pytestmark = pytest.mark.cluster

USERS = 50
APPROVERS = 6  # head and gm, three browsers each
SECONDS = float(os.environ.get("CLUSTER_SECONDS", "60"))
ANSWERED_OK = {200, 302, 303}


@pytest.fixture
def cluster_db(tmp_path):
    if make_url(DATABASE_URL).get_backend_name() != "postgresql":
        pytest.fail("the cluster test needs PostgreSQL: run it as `make test-cluster`")
    with scratch_database(tmp_path, "cluster") as url:
        yield url


def _seed(url: str) -> tuple[object, int]:
    """Migrate the database, load the demo organisation, the seal catalogue and QP-ADM-01."""
    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db
    from portal.procedures import services as procedures
    from portal.seals import demo
    from tests.factories import standard_org

    app = create_app(make_config(SQLALCHEMY_DATABASE_URI=url, FILE_STORAGE="database"))
    with app.app_context():
        upgrade()
        org = standard_org()
        seal_id = demo.build_catalogue(org)["公章"].id
        text = (procedures.DOCS_DIR / "qp-adm-01.md").read_text(encoding="utf-8")
        procedures.load_markdown(text, "qp-adm-01.md")
        db.session.commit()
        db.session.remove()
    return app, seal_id


def test_two_nodes_one_killed_under_load(cluster_db, tmp_path):
    began = time.monotonic()
    app, seal_id = _seed(cluster_db)
    sink = Sink()
    smtp = Controller(sink, hostname="127.0.0.1", port=free_port())
    smtp.start()
    bouncer, through_bouncer = pgbouncer(cluster_db, free_port(), tmp_path)
    bouncer.start()
    wait_for_port(make_url(through_bouncer).port, 30)
    env = {
        **os.environ,
        "DATABASE_URL": through_bouncer,
        "DATABASE_POOLER": "transaction",
        "SECRET_KEY": secrets.token_hex(32),  # the same on both nodes
        "FILE_STORAGE": "database",
        "PROXY_COUNT": "1",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp.port),
        "PORTAL_WORKERS": "2",
        "PORTAL_THREADS": "8",  # 16 per node: maxconn in deploy/haproxy.cfg
        "UPLOAD_DIR": str(tmp_path / "unused-uploads"),
    }
    nodes = [Node(f"node{n}", free_port(), env, tmp_path) for n in (1, 2)]
    listen = free_port()
    proxy = haproxy(listen, nodes, tmp_path)
    ticks = [TickLoop(node.env, 4.0, tmp_path / f"{node.name}.tick.log") for node in nodes]
    try:
        for node in nodes:
            node.start()
        for node in nodes:
            node.wait_ready()
        proxy.start()
        base = f"http://127.0.0.1:{listen}"
        wait_until_ok(f"{base}/readyz", 30)
        for tick in ticks:
            tick.start()
        setup_seconds = time.monotonic() - began

        results, threads = load.run_users(base, SECONDS, USERS, APPROVERS, seal_id)
        time.sleep(SECONDS / 2)
        killed_at = time.monotonic()
        nodes[0].kill()
        time.sleep(5)
        nodes[0].start()
        nodes[0].wait_ready()
        restarted_at = time.monotonic()
        for thread in threads:
            thread.join(timeout=SECONDS + 120)
        _until_both_serve(base, nodes)
        for tick in ticks:
            tick.stop()
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
        figures = _check(app, results, sink, nodes, killed_at, restarted_at, ticks)
    finally:
        for tick in ticks:
            tick.stopping.set()
        proxy.stop()
        for node in nodes:
            node.stop()
        bouncer.stop()
        shutil.rmtree(bouncer.home, ignore_errors=True)
        smtp.stop()
        _dispose(app)
    figures["cluster.seconds"] = (round(time.monotonic() - began, 1), "s")
    figures["cluster.setup_seconds"] = (round(setup_seconds, 1), "s")
    for name, (value, unit) in figures.items():
        print(f"{name} {value} {unit}")
    assert figures["cluster.lost"][0] == 0
    assert figures["cluster.duplicate_mails"][0] == 0


def _access_entries(logs) -> list[dict]:
    return [
        json.loads(line) for log in logs for line in log.read_text(encoding="utf-8").splitlines()
    ]


def _until_both_serve(base: str, nodes) -> None:
    """The restarted node takes requests again through HAProxy (it may have come back after the
    simulated users stopped): /health until one reaches its new incarnation, at most 30 s."""
    restarted = nodes[0].access_logs[-1]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{base}/health", timeout=10) as response:
            response.read()
        if any(e["path"] == "/health" for e in _access_entries([restarted])):
            return
        time.sleep(0.2)
    pytest.fail("HAProxy sent nothing to the restarted node within 30 s")


def _dispose(app) -> None:
    from portal.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _check(app, results, sink, nodes, killed_at, restarted_at, ticks) -> dict:
    from portal.extensions import db
    from portal.files import storage
    from portal.files.models import Attachment
    from portal.notifications import outbox
    from portal.notifications.models import Notification
    from portal.seals.models import SealRequest
    from portal.workflow.models import Instance

    outcomes = results.outcomes
    answered = [o for o in outcomes if o.status]
    errors = [o for o in outcomes if o.status not in ANSWERED_OK]
    durations = sorted((o.end - o.start) * 1000 for o in answered)
    p95 = durations[int(len(durations) * 0.95) - 1] if durations else 0
    with app.app_context():
        # The outbox after the run: what the ticks left due is sent now, then nothing is due.
        for _ in range(20):
            outbox.send_pending_emails()
            if outbox.status()["due"] == 0:
                break
        status = outbox.status()

        lost = []
        for sub in results.submissions:
            rows = list(db.session.scalars(
                select(SealRequest).where(SealRequest.document_name == sub.marker)))  # fmt: skip
            if len(rows) != 1:
                lost.append((sub.marker, f"{len(rows)} records"))
                continue
            instance = rows[0].instance
            files = list(db.session.scalars(
                select(Attachment).where(Attachment.instance_id == instance.id)))  # fmt: skip
            audit_rows = db.session.scalar(
                select(func.count()).select_from(db.metadata.tables["audit_events"]).where(
                    db.metadata.tables["audit_events"].c.subject_type == "workflow",
                    db.metadata.tables["audit_events"].c.subject_id == instance.id))  # fmt: skip
            if not instance.number or not audit_rows or len(files) != 1:
                lost.append((sub.marker, f"number {instance.number}, {audit_rows} audit rows, "
                                         f"{len(files)} files"))  # fmt: skip
            elif storage.current().sha256(files[0].stored_name) != files[0].sha256:
                lost.append((sub.marker, "attachment bytes missing or changed"))

        numbers = list(db.session.scalars(
            select(Instance.number).where(Instance.form_type == "seals",
                                          Instance.number.is_not(None))))  # fmt: skip
        series = collections.defaultdict(list)
        for number in numbers:
            prefix, _, n = number.rpartition("-")
            series[prefix].append(int(n))
        gaps = sum(max(ns) - len(ns) for ns in series.values())
        stored = len(numbers)

        delivered = collections.Counter(sink.ids())
        duplicates = sum(c - 1 for c in delivered.values() if c > 1)
        emailed = set(db.session.scalars(
            select(Notification.id).where(Notification.emailed_at.is_not(None))))  # fmt: skip
        sent_ids = {int(re.search(r"notification-(\d+)@", m).group(1)) for m in delivered}
        notifications = db.session.scalar(select(func.count(Notification.id)))

    # Every failure was in flight on the killed node when it died; the id of every successful
    # request is in exactly one node's access log.
    outside = [o for o in errors if not (o.start <= killed_at + 0.5 and o.end >= killed_at)]
    logged = collections.Counter()
    node_of = {}
    for node in nodes:
        for entry in _access_entries(node.access_logs):
            logged[entry["request_id"]] += 1
            node_of[entry["request_id"]] = node.name
    succeeded = [o for o in answered if o.status in ANSWERED_OK]
    unlogged = [o for o in succeeded if logged[o.request_id] != 1]
    no_id = [o for o in answered if not o.request_id]  # HAProxy's own answers carry one too

    # Attachments stored through one node and downloaded through the other.
    stored_by = {sub.record_id: node_of.get(sub.request_id) for sub in results.submissions}
    cross_node = sum(
        1 for record_id, rid in results.downloads if node_of.get(rid) != stored_by.get(record_id)
    )

    figures = {
        "cluster.requests": (len(outcomes), "requests"),
        "cluster.errors": (len(errors), "requests"),
        "cluster.p95_ms": (round(p95), "ms"),
        "cluster.lost": (len(lost), "submissions"),
        "cluster.duplicate_mails": (duplicates, "mails"),
        "cluster.submissions": (len(results.submissions), "acknowledged"),
        "cluster.stored": (stored, "records"),
        "cluster.mails": (sum(delivered.values()), "mails"),
        "cluster.ticks": (sum(t.runs for t in ticks), "runs"),
        "cluster.file_downloads": (len(results.downloads), "files"),
        "cluster.cross_node_downloads": (cross_node, "files"),
        "cluster.restart_s": (round(restarted_at - killed_at, 1), "s"),
    }
    by_kind = collections.Counter(o.kind for o in outcomes)
    print("cluster requests by kind:", dict(by_kind))
    print("cluster errors:", collections.Counter((o.kind, o.status) for o in errors))
    assert not lost, lost[:10]
    assert gaps == 0, dict(series)
    assert stored >= len(results.submissions)
    assert not outside, [(o.kind, o.status, round(o.start - killed_at, 2)) for o in outside]
    assert duplicates == 0
    assert sent_ids == emailed and status["due"] == status["claimed"] == 0, status
    assert status["given up"] == 0 and len(emailed) == notifications, status
    assert sum(t.failures for t in ticks) == 0, "a tick run failed: see the node*.tick.log files"
    assert not unlogged and not no_id, (len(unlogged), len(no_id))
    assert not results.mismatches, results.mismatches[:10]
    assert cross_node, "no attachment was downloaded through the node that did not store it"
    assert by_kind["submit"] and by_kind["approve"] and by_kind["pdf"] and by_kind["search"]
    return figures
