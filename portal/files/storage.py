"""Where attachment bytes live, behind one interface: a folder (`FILE_STORAGE=local`, the
default; on several nodes a shared mount) or the database (`FILE_STORAGE=database`: every node
that reaches PostgreSQL reaches the files). Decision 011 says why there is no S3 backend.

A write follows the transaction of the row that names it: kept when the session commits, gone
when it rolls back. Folder: bytes go to `<key>.part` and are renamed after the commit. Database:
the bytes are a row of the same transaction.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, Response, abort, current_app, send_file
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.files.models import StoredFile

logger = logging.getLogger(__name__)

TEMP_SUFFIX = ".part"
# A temporary file younger than this may belong to a request still running: left alone.
IN_FLIGHT_SECONDS = 3600


@dataclass
class StorageReport:
    orphans: list = field(default_factory=list)  # stored bytes without a row (paths or keys)
    missing: list = field(default_factory=list)  # rows without their bytes
    # rows committed but their bytes still under the temporary name (moved into place by fix)
    unfinished: list = field(default_factory=list)
    removed: list = field(default_factory=list)  # orphans deleted by --fix


class Storage:
    """The interface. Keys are the attachments' random `stored_name`s."""

    name = ""

    def put(self, key: str, data: bytes) -> None:
        """Store `data` under `key` with the current transaction."""
        raise NotImplementedError

    def read(self, key: str) -> bytes | None:
        """The committed bytes (or, for the folder, the ones written in this transaction)."""
        raise NotImplementedError

    def sha256(self, key: str) -> str | None:
        data = self.read(key)
        return hashlib.sha256(data).hexdigest() if data is not None else None

    def response(self, key: str, mimetype: str, download_name: str) -> Response:
        """A download response (always an attachment, never rendered); 404 when missing."""
        data = self.read(key)
        if data is None:
            abort(404)
        return _download(io.BytesIO(data), mimetype, download_name)

    def ready(self) -> bool:
        """Whether this node can store and read files now (/readyz)."""
        raise NotImplementedError

    def check(self, rows: dict, fix: bool) -> StorageReport:
        """Compare what is stored with the attachment rows (`flask files check`)."""
        raise NotImplementedError


def _download(source, mimetype: str, download_name: str) -> Response:
    return send_file(
        source, mimetype=mimetype, as_attachment=True, download_name=download_name, max_age=0
    )


class LocalStorage(Storage):
    """A folder (UPLOAD_DIR, read at each use), files at `<key[:2]>/<key>`."""

    name = "local"

    def __init__(self, root: str | None = None):
        self._root = Path(root) if root else None

    @property
    def root(self) -> Path:
        return self._root or Path(current_app.config["UPLOAD_DIR"])

    def path(self, key: str) -> Path:
        return self.root / key[:2] / key

    def put(self, key: str, data: bytes) -> None:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = temp_path(path)
        temp.write_bytes(data)
        _pending(db.session()).moves.append((temp, path))

    def read(self, key: str) -> bytes | None:
        path = self.path(key)
        for candidate in (path, temp_path(path)):
            try:
                return candidate.read_bytes()
            except FileNotFoundError:
                continue
        return None

    def sha256(self, key: str) -> str | None:
        path = self.path(key)
        for candidate in (path, temp_path(path)):
            try:
                with candidate.open("rb") as handle:
                    return hashlib.file_digest(handle, "sha256").hexdigest()
            except FileNotFoundError:
                continue
        return None

    def response(self, key: str, mimetype: str, download_name: str) -> Response:
        path = self.path(key)
        if not path.is_file():
            abort(404)
        return _download(path, mimetype, download_name)

    def ready(self) -> bool:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=self.root):
                return True
        except OSError:
            logger.warning("storage: %s is not writable", self.root, exc_info=True)
            return False

    def check(self, rows: dict, fix: bool) -> StorageReport:
        report = StorageReport()
        on_disk = set()
        cutoff = time.time() - IN_FLIGHT_SECONDS
        for path in sorted(self.root.glob("*/*")) if self.root.is_dir() else []:
            if not path.is_file():
                continue
            name = path.name.removesuffix(TEMP_SUFFIX)
            if path.name.endswith(TEMP_SUFFIX):
                if name in rows and not self.path(name).exists():
                    report.unfinished.append(rows[name])
                    if fix:
                        os.replace(path, self.path(name))
                    on_disk.add(name)
                    continue
                if path.stat().st_mtime > cutoff:
                    continue
            elif name in rows:
                on_disk.add(name)
                continue
            report.orphans.append(path)
            if fix:
                path.unlink(missing_ok=True)
                report.removed.append(path)
        report.missing = [a for name, a in rows.items() if name not in on_disk]
        return report


class DatabaseStorage(Storage):
    """Rows of `stored_files` (bytea on PostgreSQL, BLOB on SQLite) in the portal's database."""

    name = "database"

    def put(self, key: str, data: bytes) -> None:
        db.session.add(StoredFile(key=key, data=data, size=len(data)))
        db.session.flush()

    def read(self, key: str) -> bytes | None:
        # A column query: 20 MB of bytes are not kept in the session's identity map.
        return db.session.scalar(select(StoredFile.data).where(StoredFile.key == key))

    def ready(self) -> bool:
        return True  # the database itself is checked by /healthz and /readyz

    def check(self, rows: dict, fix: bool) -> StorageReport:
        report = StorageReport()
        keys = set(db.session.scalars(select(StoredFile.key)))
        for key in sorted(keys - rows.keys()):
            report.orphans.append(f"database:{key}")
            if fix:
                db.session.execute(db.delete(StoredFile).where(StoredFile.key == key))
                report.removed.append(f"database:{key}")
        if fix:
            db.session.commit()
        report.missing = [a for name, a in rows.items() if name not in keys]
        return report


def init_app(app: Flask) -> None:
    from portal.config import ConfigError

    kind = app.config.get("FILE_STORAGE") or "local"
    if kind == "local":
        backend: Storage = LocalStorage()
    elif kind == "database":
        backend = DatabaseStorage()
    else:
        raise ConfigError(
            f"FILE_STORAGE={kind!r} is not a storage the portal knows: use 'local' (a folder, "
            "UPLOAD_DIR, shared by every node) or 'database'."
        )
    app.extensions["portal_storage"] = backend
    listen_to_sessions()


def current() -> Storage:
    return current_app.extensions["portal_storage"]


# --- folder writes follow the transaction ------------------------------------------------------


def temp_path(path: Path) -> Path:
    return path.with_name(path.name + TEMP_SUFFIX)


@dataclass
class _Pending:
    moves: list[tuple[Path, Path]] = field(default_factory=list)


def _pending(session: Session) -> _Pending:
    return session.info.setdefault("portal_pending_files", _Pending())


def _after_commit(session: Session) -> None:
    pending = session.info.pop("portal_pending_files", None)
    for temp, path in pending.moves if pending else []:
        try:
            os.replace(temp, path)
        except OSError:  # the row is committed: `flask files check` reports it
            logger.exception("attachment %s not moved into place", path.name)


def _after_transaction_end(session: Session, transaction) -> None:
    # Reached with files still pending only when the outermost transaction did not commit:
    # rolled back, or closed (session.remove() at the end of a request, an exception).
    if transaction.parent is not None:
        return
    pending = session.info.pop("portal_pending_files", None)
    for temp, _path in pending.moves if pending else []:
        temp.unlink(missing_ok=True)


def listen_to_sessions() -> None:
    """Move or drop written files when the session commits or ends otherwise (once)."""
    handlers = (("after_commit", _after_commit), ("after_transaction_end", _after_transaction_end))
    for name, handler in handlers:
        if not event.contains(db.session, name, handler):
            event.listen(db.session, name, handler)
