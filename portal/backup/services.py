"""Create and restore backups: one tar.gz archive holding a consistent copy of the database,
the uploads folder (UPLOAD_DIR) and `manifest.json` with the SHA-256 and size of every other
member. A restore checks the whole archive against the manifest before it touches anything.

Order matters for consistency: the database is copied first, then the uploads. Uploaded files
are never changed or deleted once their row is committed, so every attachment the copied
database names is on disk when the folder is read; a file uploaded meanwhile is only an orphan.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from flask import current_app

from portal.backup import database
from portal.core.clock import local_now, now

FORMAT = "portal-backup"
VERSION = 1
MANIFEST = "manifest.json"
UPLOADS = "uploads"
CHUNK = 1024 * 1024


class BackupError(RuntimeError):
    """Shown to the operator as is: why a backup or restore was refused or failed."""


@dataclass(frozen=True)
class Backup:
    path: Path
    sha256: str  # of the archive file, to note down beside it
    dialect: str
    files: int  # uploads
    size: int  # bytes of the archive


@dataclass(frozen=True)
class Restored:
    dialect: str
    files: int  # uploads written
    created_at: str  # when the backup was made
    revision: str | None  # the Alembic revision in the backup
    overwritten: bool  # the database held data before


def default_path() -> Path:
    folder = Path(current_app.instance_path) / "backups"
    return folder / f"portal-{local_now():%Y%m%d-%H%M%S}.tar.gz"


def create_backup(path: Path | None = None) -> Backup:
    """Write the archive to `path` (a folder gets the default name; None: instance/backups/).
    The archive appears under its name only when complete, readable by its owner only."""
    path = Path(path) if path is not None else default_path()
    if path.is_dir():
        path = path / default_path().name
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        dialect = database.dialect()
    except database.DatabaseError as exc:
        raise BackupError(str(exc)) from exc
    member = database.MEMBERS[dialect]
    checksums: dict[str, dict] = {}
    handle, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(handle)
    try:
        # Beside the archive, not in /tmp (often a small tmpfs): the database copy is big.
        with tempfile.TemporaryDirectory(prefix=".portal-backup-", dir=path.parent) as scratch:
            copy = Path(scratch) / "database"
            try:
                database.dump(copy)
                revision = database.revision()
            except database.DatabaseError as exc:
                raise BackupError(str(exc)) from exc
            with tarfile.open(partial, "w:gz") as archive:
                checksums[member] = _add_file(archive, member, copy)
                for name, file in _upload_files():
                    checksums[name] = _add_file(archive, name, file)
                manifest = {
                    "format": FORMAT,
                    "version": VERSION,
                    "created_at": now().isoformat(timespec="seconds"),
                    "database": {"dialect": dialect, "member": member, "revision": revision},
                    "files": checksums,
                }
                _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=1).encode())
        os.chmod(partial, 0o600)  # the archive holds password hashes and personal data
        os.replace(partial, path)
    finally:
        Path(partial).unlink(missing_ok=True)
    return Backup(path, _sha256_of(path), dialect, len(checksums) - 1, path.stat().st_size)


def restore_backup(path: Path, force: bool = False) -> Restored:
    """Restore the database and the uploads from the archive at `path`. Refuses an archive
    whose members do not match its manifest (nothing is changed then) and, unless `force`, a
    database that holds data. Uploads in the archive replace files of the same name; other
    files in UPLOAD_DIR stay (orphans of the replaced database, if any)."""
    try:
        dialect = database.dialect()
    except database.DatabaseError as exc:
        raise BackupError(str(exc)) from exc
    upload_dir = Path(current_app.config["UPLOAD_DIR"])
    upload_dir.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix=".restore-db-", dir=upload_dir) as scratch,
        tempfile.TemporaryDirectory(prefix=".restore-", dir=upload_dir) as staging,
    ):
        manifest = _unpack_verified(Path(path), Path(scratch), Path(staging))
        meta = manifest["database"]
        if meta["dialect"] != dialect:
            raise BackupError(
                f"the backup holds a {meta['dialect']} database; this portal uses {dialect}"
            )
        overwritten = database.has_data()
        if overwritten and not force:
            raise BackupError(
                "the database already holds data; restoring would replace it "
                "(use --force to overwrite it)"
            )
        try:
            database.restore(Path(scratch) / meta["member"])
        except database.DatabaseError as exc:
            raise BackupError(str(exc)) from exc
        uploads = [name for name in manifest["files"] if name != meta["member"]]
        for name in uploads:
            relative = PurePosixPath(name).relative_to(UPLOADS)
            target = upload_dir.joinpath(*relative.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(Path(staging, *relative.parts), target)
    return Restored(dialect, len(uploads), manifest["created_at"], meta["revision"], overwritten)


# --- writing ----------------------------------------------------------------------------------


def _upload_files():
    """(member name, path) of every upload, in a stable order. Hidden entries (a restore's
    staging folder, an upload still being written) are not part of the record."""
    root = Path(current_app.config["UPLOAD_DIR"])
    if not root.is_dir():
        return
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for file in sorted(f for f in files if not f.startswith(".")):
            path = Path(folder, file)
            if path.is_file() and not path.is_symlink():
                yield f"{UPLOADS}/{path.relative_to(root).as_posix()}", path


class _Hashing(io.RawIOBase):
    """Reads through to a file, hashing what tarfile copies (each file is read once)."""

    def __init__(self, file):
        self.file, self.digest, self.size = file, hashlib.sha256(), 0

    def readable(self) -> bool:
        return True

    def read(self, size=-1) -> bytes:
        data = self.file.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data


def _add_file(archive: tarfile.TarFile, name: str, path: Path) -> dict:
    with path.open("rb") as file:
        info = archive.gettarinfo(fileobj=file, arcname=name)
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        reader = _Hashing(file)
        archive.addfile(info, reader)
    return {"sha256": reader.digest.hexdigest(), "size": reader.size}


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(now().timestamp()), 0o600
    archive.addfile(info, io.BytesIO(data))


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# --- reading ----------------------------------------------------------------------------------


def _unpack_verified(path: Path, scratch: Path, staging: Path) -> dict:
    """Unpack the database copy into `scratch` and the uploads into `staging`, hashing each
    member, and return the manifest once every member matches it; else BackupError."""
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    seen: dict[str, dict] = {}
    manifest_bytes = None
    try:
        with tarfile.open(path, "r:*") as archive:
            for info in archive:
                name = info.name
                if name in seen or (name == MANIFEST and manifest_bytes is not None):
                    raise BackupError(f"{path}: {name} is in the archive twice")
                if not info.isfile():
                    raise BackupError(f"{path}: {name} is not a regular file")
                if name == MANIFEST:
                    manifest_bytes = archive.extractfile(info).read()
                    continue
                target = _member_target(name, scratch, staging)
                if target is None:
                    raise BackupError(f"{path}: unexpected member {name}")
                seen[name] = _extract(archive, info, target)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise BackupError(f"{path}: not a readable backup archive ({exc})") from exc
    if manifest_bytes is None:
        raise BackupError(f"{path}: not a portal backup (no {MANIFEST})")
    manifest = _parse_manifest(path, manifest_bytes)
    listed = manifest["files"]
    problems = [f"{name} is missing" for name in sorted(set(listed) - set(seen))]
    problems += [f"{name} is not in the manifest" for name in sorted(set(seen) - set(listed))]
    problems += [
        f"{name} does not match its checksum"
        for name in sorted(set(seen) & set(listed))
        if seen[name] != {"sha256": listed[name].get("sha256"), "size": listed[name].get("size")}
    ]
    if manifest["database"]["member"] not in seen:
        problems.append("the database copy is missing")
    if problems:
        raise BackupError(
            f"{path}: the archive was altered or damaged, nothing restored: " + "; ".join(problems)
        )
    return manifest


def _member_target(name: str, scratch: Path, staging: Path) -> Path | None:
    """Where a member unpacks to, or None for a name a backup never has (absolute, `..`,
    outside database/ and uploads/)."""
    pure = PurePosixPath(name)
    if pure.is_absolute() or "\\" in name or any(p in ("", ".", "..") for p in name.split("/")):
        return None
    if name in database.MEMBERS.values():
        return scratch / name
    if len(pure.parts) > 1 and pure.parts[0] == UPLOADS:
        return staging.joinpath(*pure.parts[1:])
    return None


def _extract(archive: tarfile.TarFile, info: tarfile.TarInfo, target: Path) -> dict:
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    source = archive.extractfile(info)
    with target.open("wb") as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return {"sha256": digest.hexdigest(), "size": size}


def _parse_manifest(path: Path, data: bytes) -> dict:
    try:
        manifest = json.loads(data)
        ok = (
            manifest["format"] == FORMAT
            and isinstance(manifest["files"], dict)
            and manifest["database"]["member"]
            == database.MEMBERS.get(manifest["database"]["dialect"])
            and all(
                name == manifest["database"]["member"] or name.startswith(f"{UPLOADS}/")
                for name in manifest["files"]
            )
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupError(f"{path}: the manifest is unreadable ({exc})") from exc
    if not ok:
        raise BackupError(f"{path}: not a portal backup manifest")
    if manifest.get("version") != VERSION:
        raise BackupError(f"{path}: backup format version {manifest.get('version')} is unknown")
    return manifest
