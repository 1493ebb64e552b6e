"""Helpers shared by the benchmarks: a throwaway app on a temp SQLite file (or a fresh
PostgreSQL database when asked), timing, and the `name value unit` output format."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def emit(name: str, value, unit: str) -> None:
    if isinstance(value, float):
        places = 3 if unit == "ratio" else 2  # 0.992 and 0.988 are not both "0.99"
        value = f"{value:.{places}f}" if value < 100 else f"{value:.0f}"
    print(f"{name} {value} {unit}", flush=True)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def median(values: list[float]) -> float:
    return statistics.median(values)


def postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgresql") else None


@contextmanager
def database(kind: str = "sqlite"):
    """Yield a database URL of the given kind that is dropped afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="portal-bench-") as tmp:
            yield f"sqlite:///{tmp}/bench.db"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(postgres_url())
    name = f"portal_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def make_app(url: str, **extra):
    from portal import create_app

    tmp = tempfile.mkdtemp(prefix="portal-bench-up-")
    config = {
        "TESTING": True,
        "SECRET_KEY": "bench",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "UPLOAD_DIR": tmp,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
        **extra,
    }
    return create_app(config)
