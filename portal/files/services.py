"""Checking, storing and finding attachments.

The bytes go to the configured storage (`portal/files/storage.py`: a folder or the database)
with the transaction that adds their row; a rollback drops them. `check_storage` finds what a
crash left behind (`flask files check`).

The type is decided by the file's first bytes, not its name or the browser's claim: PDF,
images (PNG, JPEG, GIF, WebP) and Office documents (OLE2 .doc/.xls/.ppt and OOXML
.docx/.xlsx/.pptx). The extension must agree with the content. Anything else — HTML, scripts,
executables — is refused with a message naming the allowed types.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal.core.clock import now
from portal.extensions import db
from portal.files import storage
from portal.files.models import Attachment

logger = logging.getLogger(__name__)

ALLOWED_LABEL = "PDF、图片（PNG/JPG/GIF/WebP）、Word/Excel/PowerPoint 文档"

OOXML = {
    ".docx": ("word/", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".xlsx": ("xl/", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".pptx": ("ppt/", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
}
OLE2 = {
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".ppt": "application/vnd.ms-powerpoint",
}
MAGIC = [
    (b"%PDF-", {".pdf"}, "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", {".png"}, "image/png"),
    (b"\xff\xd8\xff", {".jpg", ".jpeg"}, "image/jpeg"),
    (b"GIF87a", {".gif"}, "image/gif"),
    (b"GIF89a", {".gif"}, "image/gif"),
]


class UploadError(ValueError):
    """Shown next to the upload field as is."""


@dataclass(frozen=True)
class Checked:
    name: str
    content_type: str
    data: bytes


def _ooxml_type(data: bytes, suffix: str) -> str | None:
    import io

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile:
        return None
    folder, mimetype = OOXML[suffix]
    if "[Content_Types].xml" in names and any(n.startswith(folder) for n in names):
        return mimetype
    return None


def sniff(data: bytes, filename: str) -> str | None:
    """The MIME type when the content is an allowed kind matching the extension, else None."""
    suffix = Path(filename).suffix.lower()
    for magic, suffixes, mimetype in MAGIC:
        if data.startswith(magic):
            return mimetype if suffix in suffixes else None
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp" if suffix == ".webp" else None
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return OLE2.get(suffix)
    if data.startswith(b"PK\x03\x04") and suffix in OOXML:
        return _ooxml_type(data, suffix)
    return None


NAME_LIMIT = 200


def _safe_name(filename: str) -> str:
    # Keep the user's (often Chinese) name for display; drop path parts and control characters.
    name = Path(filename.replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*')
    if len(name) > NAME_LIMIT:  # shorten the stem: the extension decides the type
        suffix = Path(name).suffix
        suffix = suffix if len(suffix) <= 10 else ""
        name = name[: NAME_LIMIT - len(suffix)] + suffix
    return name or "附件"


def check_upload(upload: FileStorage) -> Checked:
    """Read and check one uploaded file, or raise UploadError."""
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    data = upload.stream.read(limit + 1)
    name = _safe_name(upload.filename or "")
    if not data:
        raise UploadError(f"文件“{name}”是空的。")
    if len(data) > limit:
        raise UploadError(f"文件“{name}”超过 {limit // 1024 // 1024} MB 的大小限制。")
    content_type = sniff(data, name)
    if content_type is None:
        raise UploadError(f"不支持文件“{name}”的类型。允许的类型：{ALLOWED_LABEL}。")
    return Checked(name, content_type, data)


def store(checked: Checked, instance_id: int | None, user, purpose: str = "document") -> Attachment:
    """Add an attachment row; its bytes are kept when the session commits."""
    stored = secrets.token_hex(16)
    storage.current().put(stored, checked.data)
    row = Attachment(
        instance_id=instance_id,
        purpose=purpose,
        original_name=checked.name,
        stored_name=stored,
        content_type=checked.content_type,
        size=len(checked.data),
        sha256=hashlib.sha256(checked.data).hexdigest(),
        uploaded_by_id=user.id,
    )
    db.session.add(row)
    db.session.flush()
    return row


def _path(stored_name: str) -> Path:
    return storage.LocalStorage(current_app.config["UPLOAD_DIR"]).path(stored_name)


def file_path(attachment: Attachment) -> Path:
    """Where the folder storage keeps an attachment (`FILE_STORAGE=local`)."""
    return _path(attachment.stored_name)


def stored_sha256(attachment: Attachment) -> str | None:
    """SHA-256 of the bytes in storage (a folder's file still under its temporary name before
    the commit), or None when they are missing."""
    return storage.current().sha256(attachment.stored_name)


disk_sha256 = stored_sha256  # the name /verify's hash code knows

# --- files follow the transaction (storage.py) ---------------------------------------------------

TEMP_SUFFIX = storage.TEMP_SUFFIX
IN_FLIGHT_SECONDS = storage.IN_FLIGHT_SECONDS
StorageReport = storage.StorageReport
_temp = storage.temp_path


def attachments_of(instance_id: int, purpose: str | None = None):
    query = select(Attachment).where(
        Attachment.instance_id == instance_id, Attachment.removed_at.is_(None)
    )
    if purpose:
        query = query.where(Attachment.purpose == purpose)
    return query.order_by(Attachment.id)


def remove(attachment: Attachment) -> None:
    """Hide an attachment from a draft; the bytes stay for the audit trail."""
    attachment.removed_at = now()
    db.session.flush()


# --- a form record's files (the record has `instance_id`) ---------------------------------------


def store_all(uploads, instance_id: int, user, purpose: str = "document") -> list[Attachment]:
    """Store the checked uploads of a form field (`field.checked`) on a record."""
    return [store(checked, instance_id, user, purpose) for checked in uploads or []]


def of_record(record, purpose: str | None = None) -> list[Attachment]:
    if record is None or record.instance_id is None:
        return []
    return list(db.session.scalars(attachments_of(record.instance_id, purpose)))


def remove_from_record(record, attachment: Attachment, user) -> bool:
    """Remove one of a record's files, written in its trail; False when it is not the record's."""
    from portal.core import audit

    if attachment.instance_id != record.instance_id or attachment.removed_at is not None:
        return False
    remove(attachment)
    comment = f"删除附件 {attachment.original_name}"
    audit.record("workflow", record.instance_id, "update", user, comment=comment)
    return True


# --- storage check (`flask files check`) ---------------------------------------------------------


def check_storage(fix: bool = False) -> StorageReport:
    """Compare the storage with the attachment rows. With `fix`, delete orphan files and finish
    the move of a committed row's file left under its temporary name."""
    rows = {a.stored_name: a for a in db.session.scalars(select(Attachment))}
    return storage.current().check(rows, fix)


@dataclass
class CopyReport:
    copied: int = 0
    present: int = 0
    problems: list[tuple[Attachment, str]] = field(default_factory=list)


def copy_to_database(batch: int = 50) -> CopyReport:
    """Copy every attachment's bytes from the folder (UPLOAD_DIR) into `stored_files`, checked
    against the recorded SHA-256, committing every `batch` files; rows already there are left."""
    from portal.files.models import StoredFile

    folder = storage.LocalStorage()
    present = set(db.session.scalars(select(StoredFile.key)))
    report = CopyReport()
    rows = list(db.session.scalars(select(Attachment).order_by(Attachment.id)))
    for row in rows:
        if row.stored_name in present:
            report.present += 1
            continue
        data = folder.read(row.stored_name)
        if data is None:
            report.problems.append((row, "file missing"))
        elif hashlib.sha256(data).hexdigest() != row.sha256:
            report.problems.append((row, "SHA-256 differs from the recorded one"))
        else:
            db.session.add(StoredFile(key=row.stored_name, data=data, size=len(data)))
            report.copied += 1
            if report.copied % batch == 0:
                db.session.commit()
    db.session.commit()
    return report
