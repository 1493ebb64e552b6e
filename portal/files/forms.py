"""A WTForms validator that checks uploads by content, so errors show beside the field."""

from __future__ import annotations

from werkzeug.datastructures import FileStorage
from wtforms.validators import ValidationError

from portal.files.services import UploadError, check_upload


class CheckedUploads:
    """Validates a FileField/MultipleFileField; stores the checked files on `field.checked`."""

    def __init__(self, max_files: int = 10):
        self.max_files = max_files

    def __call__(self, form, field):
        data = field.data if isinstance(field.data, list) else [field.data]
        uploads = [f for f in data if isinstance(f, FileStorage) and f.filename]
        if len(uploads) > self.max_files:
            raise ValidationError(f"一次最多上传 {self.max_files} 个文件。")
        checked = []
        for upload in uploads:
            try:
                checked.append(check_upload(upload))
            except UploadError as exc:
                raise ValidationError(str(exc)) from exc
        field.checked = checked
