"""SECRET_KEY on several nodes: every node must sign with the same key, so on PostgreSQL the
portal refuses to start without one; a single SQLite machine still generates its own."""

from __future__ import annotations

import pytest

from portal import config, create_app

PG_URL = "postgresql+psycopg://portal@127.0.0.1:1/portal"


def test_refuses_to_start_on_postgresql_without_a_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", PG_URL)
    with pytest.raises(config.ConfigError, match="SECRET_KEY") as caught:
        create_app()
    assert "every node" in str(caught.value)


def test_configured_key_is_used_on_postgresql(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "k" * 64)
    monkeypatch.setenv("DATABASE_URL", PG_URL)
    app = create_app()
    assert app.config["SECRET_KEY"] == "k" * 64


def test_test_config_key_counts(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", PG_URL)
    assert create_app({"SECRET_KEY": "given", "TESTING": True}).config["SECRET_KEY"] == "given"


def test_sqlite_without_a_key_generates_one_once(monkeypatch, tmp_path):
    """`make run` on SQLite is unchanged: a key is generated into instance/ and kept."""
    monkeypatch.delenv("SECRET_KEY", raising=False)
    settings = {"SECRET_KEY": None, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"}
    config.settle_secret_key(settings, tmp_path)
    first = settings["SECRET_KEY"]
    assert len(first) == 64 and (tmp_path / "secret_key").read_text() == first
    again = {**settings, "SECRET_KEY": None}
    config.settle_secret_key(again, tmp_path)
    assert again["SECRET_KEY"] == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
