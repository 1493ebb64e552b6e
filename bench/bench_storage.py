"""Attachment storage: store (write + commit) and read back 100 KB, 2 MB and 20 MB files in a
folder and in the database (PostgreSQL when DATABASE_URL points at one, else SQLite), through
the same interface the portal uses (portal/files/storage.py). Decision 011 cites these."""

from __future__ import annotations

import os
import time
from types import SimpleNamespace

from _common import database, emit, make_app, median, postgres_url

SIZES = {"100k": 100 * 1024, "2m": 2 * 1024 * 1024, "20m": 20 * 1024 * 1024}
ROUNDS = {"100k": 20, "2m": 8, "20m": 3}


def main() -> None:
    kind = "postgresql" if postgres_url() else "sqlite"
    for backend in ("local", "database"):
        with database(kind) as url:
            app = make_app(url, FILE_STORAGE=backend)
            with app.app_context():
                from portal.extensions import db
                from portal.files import services as files
                from portal.files import storage
                from tests.factories import user

                db.create_all()
                owner = SimpleNamespace(id=user("bench").id)
                db.session.commit()
                for label, size in SIZES.items():
                    writes, reads = [], []
                    for _ in range(ROUNDS[label]):
                        data = b"%PDF-1.4\n" + os.urandom(size)
                        start = time.perf_counter()
                        row = files.store(
                            files.Checked("x.pdf", "application/pdf", data), None, owner
                        )
                        db.session.commit()
                        writes.append(time.perf_counter() - start)
                        start = time.perf_counter()
                        assert storage.current().read(row.stored_name) == data
                        reads.append(time.perf_counter() - start)
                        db.session.expunge_all()
                    prefix = f"storage.{kind}.{backend}.{label}"
                    emit(f"{prefix}.write_ms", median(writes) * 1000, "ms")
                    emit(f"{prefix}.read_ms", median(reads) * 1000, "ms")
                db.session.remove()
                db.engine.dispose()


if __name__ == "__main__":
    main()
