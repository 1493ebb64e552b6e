"""Backup and restore (`flask backup create/restore`): a round trip of the demo data leaves
every register's CSV export byte-identical and every attachment intact, on SQLite and on
PostgreSQL; a tampered archive or a database holding data is refused and nothing changes."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tarfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from portal.auth import sessions
from portal.auth.models import User
from portal.backup import services
from portal.backup.services import BackupError
from portal.demo import load_demo
from portal.extensions import db
from portal.files.models import Attachment
from portal.files.services import file_path
from portal.workflow import records
from portal.workflow.models import Instance
from tests.conftest import clear_database, scratch_database

CSV_URLS = ["/seals/register.csv", "/supplies/register.csv", "/supplies/purchases/register.csv",
            "/supplies/ledger.csv", "/complaints/register.csv", "/complaints/claims/register.csv",
            "/complaints/returns/register.csv", "/supplies/stock.csv", "/supplies/usage.csv",
            "/supplies/plans/register.csv"]  # fmt: skip
# Every register's XLSX too: the same rows as typed cells.
EXPORT_URLS = [*CSV_URLS, *(url.replace(".csv", ".xlsx") for url in CSV_URLS)]


@pytest.fixture
def uploads(app, tmp_path):
    folder = tmp_path / "uploads"
    folder.mkdir()
    app.config["UPLOAD_DIR"] = str(folder)
    return folder


def _exports(client) -> dict:
    exports = {}
    for url in EXPORT_URLS:
        response = client.get(url)
        assert response.status_code == 200, url
        exports[url] = response.data if url.endswith(".csv") else _cells(response.data)
    return exports


def _cells(xlsx: bytes) -> list:
    """An XLSX's cells with their number formats (its bytes carry the time it was written)."""
    book = load_workbook(io.BytesIO(xlsx))
    return [
        [(c.value, c.number_format) for c in row] for sheet in book for row in sheet.iter_rows()
    ]


def _files(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*")
        if p.is_file()
    }


def _wipe(folder: Path) -> None:
    clear_database()
    shutil.rmtree(folder)
    folder.mkdir()


def _attachments_intact() -> int:
    rows = db.session.scalars(db.select(Attachment)).all()
    assert rows
    for row in rows:
        assert hashlib.sha256(file_path(row).read_bytes()).hexdigest() == row.sha256
    return len(rows)


def _printed_hashes() -> dict[str, str]:
    """What each numbered record's PDF would print now: its number and hash."""
    instances = db.session.scalars(db.select(Instance).where(Instance.number.is_not(None)))
    return {i.number: records.record_hash(i) for i in instances}


def test_round_trip_restores_every_register_and_file(app, client, login, uploads, tmp_path):
    load_demo()
    db.session.commit()
    login("admin")
    before, files = _exports(client), _files(uploads)
    printed = _printed_hashes()
    assert files and all(
        len(body.splitlines() if isinstance(body, bytes) else body) > 1 for body in before.values()
    )

    (tmp_path / "out").mkdir()
    backup = services.create_backup(tmp_path / "out")  # a folder: the default name
    assert backup.path.parent == tmp_path / "out" and backup.path.name.endswith(".tar.gz")
    assert backup.files == len(files) and backup.path.stat().st_mode & 0o077 == 0

    _wipe(uploads)
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0

    restored = services.restore_backup(backup.path)
    assert (restored.files, restored.overwritten) == (len(files), False)
    assert _files(uploads) == files
    assert _exports(client) == before  # the client is still logged in: same user id
    assert _attachments_intact()
    db.session.expire_all()
    # Every print made before the backup still verifies against the restored records.
    unverified = [n for n, h in printed.items() if records.verification(n, h) is None]
    assert printed and not unverified, unverified


def test_restore_into_a_new_database_and_folder(app, make_app, login, client, uploads, tmp_path):
    """The disaster case: a new server, an empty database without tables, no uploads."""
    load_demo()
    db.session.commit()
    login("admin")
    before = _exports(client)
    backup = services.create_backup(tmp_path / "portal.tar.gz")

    with scratch_database(tmp_path, "restored") as url:
        other = make_app(SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=str(tmp_path / "new-uploads"))
        with other.app_context():
            services.restore_backup(backup.path)
            admin = db.session.scalar(db.select(User).filter_by(username="admin"))
            restored_client = other.test_client()
            with restored_client.session_transaction() as session:
                sessions.stamp(session, admin)
            assert _exports(restored_client) == before
            assert _attachments_intact()
            db.session.remove()
            db.engine.dispose()


def test_a_database_with_data_is_replaced_only_when_forced(app, org, uploads, tmp_path):
    backup = services.create_backup(tmp_path / "portal.tar.gz")
    db.session.add(User(username="later", display_name="后来者", password_hash="x"))
    db.session.commit()

    with pytest.raises(BackupError, match=r"already holds data.*--force"):
        services.restore_backup(backup.path)
    assert db.session.scalar(db.select(User).filter_by(username="later")) is not None

    restored = services.restore_backup(backup.path, force=True)
    assert restored.overwritten
    assert db.session.scalar(db.select(User).filter_by(username="later")) is None
    assert db.session.scalar(db.select(User).filter_by(username="admin")) is not None


# --- tampered and foreign archives: refused before anything changes ----------------------------


def _rewrite(source: Path, target: Path, change) -> Path:
    """Copy the archive member by member; change(name, data) -> None (drop) or new bytes, or a
    list of (name, bytes) to write instead."""
    with tarfile.open(source) as old, tarfile.open(target, "w:gz") as new:
        for info in old:
            data = old.extractfile(info).read()
            for name, body in _as_members(info.name, change(info.name, data)):
                member = tarfile.TarInfo(name)
                member.size = len(body)
                new.addfile(member, io.BytesIO(body))
    return target


def _as_members(name, result):
    if result is None:
        return []
    if isinstance(result, bytes):
        return [(name, result)]
    return result


def _manifest(change_manifest):
    def change(name, data):
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        change_manifest(manifest)
        return json.dumps(manifest).encode()

    return change


def _first_upload(name):
    return name.startswith("uploads/")


def _flip_upload(name, data):
    return data[:-1] + bytes([data[-1] ^ 1]) if _first_upload(name) else data


def _flip_database(name, data):
    return (
        data[:100] + bytes([data[100] ^ 1]) + data[101:] if name.startswith("database/") else data
    )


def _drop_upload(name, data):
    return None if _first_upload(name) else data


def _extra_member(name, data):
    extra = [("uploads/zz/evil.pdf", b"%PDF-1.4 not in the manifest")]
    return [(name, data), *extra] if name == "manifest.json" else data


def _traversal(name, data):
    if name == "manifest.json":
        manifest = json.loads(data)
        manifest["files"]["uploads/../../escaped.txt"] = {
            "sha256": hashlib.sha256(b"x").hexdigest(), "size": 1,
        }  # fmt: skip
        return [(name, json.dumps(manifest).encode()), ("uploads/../../escaped.txt", b"x")]
    return data


def _zero_checksum(manifest):
    name = next(name for name in manifest["files"] if _first_upload(name))
    manifest["files"][name]["sha256"] = "0" * 64


def _other_dialect(manifest):
    other = "postgresql" if manifest["database"]["dialect"] == "sqlite" else "sqlite"
    manifest["database"]["dialect"] = other


TAMPERINGS = {
    "an upload changed": (_flip_upload, "does not match its checksum"),
    "the database changed": (_flip_database, "does not match its checksum"),
    "an upload removed": (_drop_upload, "is missing"),
    "a file added": (_extra_member, "not in the manifest"),
    "a path outside the folder": (_traversal, "unexpected member"),
    "the manifest removed": (lambda n, d: None if n == "manifest.json" else d, "no manifest"),
    "a checksum changed": (_manifest(_zero_checksum), "does not match its checksum"),
    "an unknown format version": (_manifest(lambda m: m.update(version=99)), "version 99"),
    "another database kind": (_manifest(_other_dialect), "not a portal backup manifest"),
    "not an archive": (lambda n, d: d, "not a readable backup archive"),
}


def test_a_tampered_archive_is_refused_and_nothing_changes(app, org, uploads, tmp_path):
    (uploads / "ab").mkdir()
    (uploads / "ab" / "ab01.pdf").write_bytes(b"%PDF-1.4 one")
    (uploads / "cd").mkdir()
    (uploads / "cd" / "cd02.pdf").write_bytes(b"%PDF-1.4 two")
    backup = services.create_backup(tmp_path / "portal.tar.gz")
    _wipe(uploads)
    tried = held = 0
    for what, (change, message) in TAMPERINGS.items():
        tried += 1
        target = tmp_path / f"{what}.tar.gz"
        if what == "not an archive":
            target.write_bytes(b"%PDF-1.4 a file that is not a backup")
        else:
            _rewrite(backup.path, target, change)
        try:
            services.restore_backup(target)
        except BackupError as exc:
            untouched = (
                db.session.scalar(db.select(db.func.count(User.id))) == 0
                and list(uploads.iterdir()) == []
                and not (tmp_path / "escaped.txt").exists()
            )
            held += message in str(exc) and untouched
            assert message in str(exc), (what, str(exc))
            assert untouched, what
        else:
            pytest.fail(f"{what}: restored")
    print(f"tampered archives: tried {tried}, held {held}")
    # The untouched archive still restores.
    assert services.restore_backup(backup.path).files == 2


# --- the commands are thin -----------------------------------------------------------------------


def test_the_commands_create_refuse_and_restore(app, org, uploads, runner, tmp_path):
    path = tmp_path / "cli.tar.gz"
    result = runner.invoke(args=["backup", "create", str(path)])
    assert result.exit_code == 0, result.output
    assert "backup written" in result.output and "sha256" in result.output and path.exists()

    result = runner.invoke(args=["backup", "restore", str(path)])
    assert result.exit_code == 1 and "--force" in result.output

    result = runner.invoke(args=["backup", "restore", "--force", str(path)])
    assert result.exit_code == 0, result.output
    assert "restored the backup" in result.output
    assert db.session.scalar(db.select(User).filter_by(username="admin")) is not None


def test_pg_tools_get_the_url_parameters_and_the_password_apart():
    from sqlalchemy.engine import make_url

    from portal.backup.database import _conninfo

    url = make_url("postgresql+psycopg://portal:s3cr%27et@db.local:5433/portal?sslmode=require")
    conninfo, env = _conninfo(url)
    assert conninfo == "host='db.local' port='5433' user='portal' dbname='portal' sslmode='require'"
    assert env["PGPASSWORD"] == "s3cr'et" and "s3cr" not in conninfo
    conninfo, env = _conninfo(make_url("postgresql+psycopg:///portal?host=/run/post'gres"))
    assert conninfo == "host='/run/post\\'gres' dbname='portal'"
