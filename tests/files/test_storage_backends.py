"""One storage interface, two backends: a folder (default; a shared mount on several nodes) and
the database (nothing to mount). Both keep a file only when its row commits, check content by
type and hash the same way, and answer `flask files check`."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.files import services as files
from portal.files import storage
from portal.files.models import StoredFile

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(params=["local", "database"])
def backend(request, make_app, tmp_path, org):
    app = make_app(FILE_STORAGE=request.param, UPLOAD_DIR=str(tmp_path / "uploads"))
    with app.app_context():
        yield app


def _store(org, data=PDF):
    return files.store(files.Checked("合同.pdf", "application/pdf", data), None, org["employee"])


def _stored_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(StoredFile))


def test_backend_is_chosen_by_config(backend):
    expected = {"local": storage.LocalStorage, "database": storage.DatabaseStorage}
    assert type(storage.current()) is expected[backend.config["FILE_STORAGE"]]
    assert storage.current().ready()


def test_unknown_backend_is_refused_at_start(make_app):
    from portal.config import ConfigError

    with pytest.raises(ConfigError, match="FILE_STORAGE"):
        make_app(FILE_STORAGE="s3")


def test_committed_file_reads_back_with_its_hash(backend, org):
    row = _store(org)
    db.session.commit()
    assert storage.current().read(row.stored_name) == PDF
    assert files.stored_sha256(row) == row.sha256 == hashlib.sha256(PDF).hexdigest()
    with backend.test_request_context():
        response = storage.current().response(row.stored_name, row.content_type, "合同.pdf")
        response.direct_passthrough = False
        assert response.get_data() == PDF
        assert response.headers["Content-Disposition"].startswith("attachment")
        response.close()


@pytest.mark.parametrize("end", ["rollback", "remove"])
def test_rolled_back_file_is_gone(backend, org, end):
    row = _store(org)
    name = row.stored_name
    getattr(db.session, end)()
    assert storage.current().read(name) is None
    assert _stored_rows() == 0


def test_database_backend_writes_no_file(backend, org, tmp_path):
    _store(org)
    db.session.commit()
    on_disk = [p for p in (tmp_path / "uploads").rglob("*") if p.is_file()]
    assert (len(on_disk), _stored_rows()) == (
        (1, 0) if backend.config["FILE_STORAGE"] == "local" else (0, 1)
    )


def test_files_check_on_the_database_backend(make_app, tmp_path, org):
    app = make_app(FILE_STORAGE="database", UPLOAD_DIR=str(tmp_path / "uploads"))
    with app.app_context():
        kept, lost = _store(org), _store(org)
        db.session.add(StoredFile(key="ab" + "0" * 30, data=PDF, size=len(PDF)))
        db.session.commit()
        db.session.execute(db.delete(StoredFile).where(StoredFile.key == lost.stored_name))
        db.session.commit()
        runner = app.test_cli_runner()
        result = runner.invoke(args=["files", "check"])
        assert result.exit_code == 1, result.output
        assert "orphan file (no row): database:ab" in result.output
        assert f"attachment {lost.id} (合同.pdf): file missing" in result.output
        result = runner.invoke(args=["files", "check", "--fix"])
        assert "1 orphan file(s), 0 unfinished, 1 row(s) missing their file" in result.output
        assert storage.current().read(kept.stored_name) == PDF and _stored_rows() == 1


def test_changed_bytes_change_the_stored_hash(backend, org):
    """/verify hashes the stored bytes: a file replaced behind the portal's back shows."""
    row = _store(org)
    db.session.commit()
    if backend.config["FILE_STORAGE"] == "local":
        files.file_path(row).write_bytes(PDF + b"% replaced\n")
    else:
        db.session.execute(
            db.update(StoredFile)
            .where(StoredFile.key == row.stored_name)
            .values(data=PDF + b"% replaced\n")
        )
        db.session.commit()
    assert files.stored_sha256(row) != row.sha256


def test_copy_from_the_folder_into_the_database(make_app, tmp_path, org):
    """Moving a single machine's attachments into the database before adding nodes: every
    file is copied once, checked against its recorded SHA-256; a missing or changed file is
    named and not copied."""
    folder = str(tmp_path / "uploads")
    local = make_app(UPLOAD_DIR=folder)
    with local.app_context():
        good, lost, changed = _store(org), _store(org, PDF + b"%2"), _store(org, PDF + b"%3")
        db.session.commit()
        files.file_path(lost).unlink()
        files.file_path(changed).write_bytes(PDF + b"% edited")
        ids = good.id, lost.id, changed.id
    target = make_app(UPLOAD_DIR=folder, FILE_STORAGE="database")
    with target.app_context():
        runner = target.test_cli_runner()
        result = runner.invoke(args=["files", "copy-to-database"])
        assert result.exit_code == 1, result.output
        assert f"attachment {ids[1]} (合同.pdf): file missing" in result.output
        assert f"attachment {ids[2]} (合同.pdf): SHA-256 differs" in result.output
        assert "1 copied, 0 already there, 2 not copied" in result.output
        assert storage.current().read(good.stored_name) == PDF and _stored_rows() == 1
        again = runner.invoke(args=["files", "copy-to-database"])
        assert "0 copied, 1 already there, 2 not copied" in again.output
