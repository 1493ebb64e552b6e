"""Uploads follow the transaction (moved into place on commit, dropped on rollback),
`flask files check` finds orphans and rows missing their file, long names keep their type."""

from __future__ import annotations

import io
import os
import time

import pytest
from werkzeug.datastructures import FileStorage

from portal.extensions import db
from portal.files import services as files

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def storage(make_app, tmp_path, org):
    """An app with an upload folder of its own (the suite's is shared)."""
    app = make_app(UPLOAD_DIR=str(tmp_path / "uploads"))
    with app.app_context():
        yield app


def _store(org, name="合同.pdf"):
    return files.store(files.Checked(name, "application/pdf", PDF), None, org["employee"])


def _files(app) -> list[str]:
    root = app.config["UPLOAD_DIR"]
    return sorted(f for _dir, _dirs, names in os.walk(root) for f in names)


def test_file_reaches_its_place_only_on_commit(storage, org):
    row = _store(org)
    assert not files.file_path(row).exists()
    assert files.disk_sha256(row) == row.sha256  # readable under its temporary name
    db.session.commit()
    assert files.file_path(row).read_bytes() == PDF and _files(storage) == [row.stored_name]


@pytest.mark.parametrize("end", ["rollback", "remove"])
def test_rollback_leaves_no_file(storage, org, end):
    _store(org)
    assert len(_files(storage)) == 1
    getattr(db.session, end)()
    assert _files(storage) == []


def test_files_check_reports_and_fixes(storage, org):
    kept, lost, unfinished = _store(org), _store(org), _store(org)
    db.session.commit()
    files.file_path(lost).unlink()
    # a crash between the commit and the move: the bytes are still under the temporary name
    os.replace(files.file_path(unfinished), files._temp(files.file_path(unfinished)))
    orphan = files.file_path(kept).parent.parent / "ab" / ("ab" + "0" * 30)
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(PDF)
    stale = orphan.with_name("cd" + "0" * 30 + files.TEMP_SUFFIX)  # an old crash's temp file
    stale.write_bytes(PDF)
    os.utime(stale, (time.time() - 2 * files.IN_FLIGHT_SECONDS,) * 2)
    fresh = orphan.with_name("ef" + "0" * 30 + files.TEMP_SUFFIX)  # an upload in flight
    fresh.write_bytes(PDF)

    runner = storage.test_cli_runner()
    result = runner.invoke(args=["files", "check"])
    assert result.exit_code == 1, result.output
    assert f"orphan file (no row): {orphan}" in result.output and str(stale) in result.output
    assert str(fresh) not in result.output
    assert f"attachment {lost.id} (合同.pdf): file missing" in result.output
    assert f"attachment {unfinished.id} (合同.pdf): file still under" in result.output
    assert orphan.exists() and stale.exists()  # reported, not touched

    result = runner.invoke(args=["files", "check", "--fix"])
    assert "2 orphan file(s), 1 unfinished, 1 row(s) missing their file" in result.output
    assert not orphan.exists() and not stale.exists() and fresh.exists()
    assert files.file_path(unfinished).read_bytes() == PDF
    assert result.exit_code == 1  # the missing file cannot be fixed: still an error
    result = runner.invoke(args=["files", "check"])
    assert "0 orphan file(s), 0 unfinished, 1 row(s) missing" in result.output


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("合" * 250 + ".pdf", "合" * 196 + ".pdf"),
        ("a" * 300 + ".docx", None),
        ("短名.pdf", "短名.pdf"),
    ],
)
def test_long_upload_name_is_shortened_keeping_its_extension(app, name, expected):
    data = PDF if name.endswith(".pdf") else None
    if data is None:  # a minimal OOXML document
        import zipfile

        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("word/document.xml", "<w:document/>")
        data = buffer.getvalue()
    checked = files.check_upload(FileStorage(io.BytesIO(data), filename=name))
    assert len(checked.name) <= files.NAME_LIMIT
    assert checked.name == (expected or "a" * 195 + ".docx")


CRASHING_UPLOAD = """
import json, os, signal, sys
from portal import create_app
from portal.auth.models import User
from portal.extensions import db
from portal.files import services as files

app = create_app(json.loads(sys.argv[1]))
with app.app_context():
    user = db.session.get(User, int(sys.argv[2]))
    files.store(files.Checked("合同.pdf", "application/pdf", b"%PDF-1.4 crash"), None, user)
    db.session.flush()  # the row is written, the file is on disk: now the process dies
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_kill_9_between_write_and_commit_leaves_no_finished_orphan(storage, org):
    """The finding: kill -9 after the upload was written and before the commit left orphan
    files under final names. Now only a temporary name can be left, which `files check --fix`
    removes once it is older than an upload in flight; and no row."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    from sqlalchemy import func, select

    from portal.files.models import Attachment
    from tests.conftest import make_config

    config = make_config(UPLOAD_DIR=storage.config["UPLOAD_DIR"])
    rows_before = db.session.scalar(select(func.count(Attachment.id)))
    db.session.commit()  # no write lock held here while the children write
    root = Path(__file__).resolve().parents[2]
    tried = 8
    for _ in range(tried):
        child = subprocess.run(
            [sys.executable, "-c", CRASHING_UPLOAD, json.dumps(config), str(org["employee"].id)],
            cwd=root, capture_output=True, timeout=120, check=False,
        )  # fmt: skip
        assert child.returncode == -9, child.stderr.decode()[-2000:]
    left = _files(storage)
    assert db.session.scalar(select(func.count(Attachment.id))) == rows_before
    held = sum(1 for name in left if name.endswith(files.TEMP_SUFFIX))
    assert held == len(left) == tried, left  # each crash left its bytes under a temporary name only
    for path in Path(storage.config["UPLOAD_DIR"]).rglob(f"*{files.TEMP_SUFFIX}"):
        os.utime(path, (time.time() - 2 * files.IN_FLIGHT_SECONDS,) * 2)
    result = storage.test_cli_runner().invoke(args=["files", "check", "--fix"])
    assert _files(storage) == [], result.output
