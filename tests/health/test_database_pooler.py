"""Behind pgbouncer in transaction mode a connection's server session changes between
transactions, so psycopg's automatic server-side prepared statements must be off
(DATABASE_POOLER=transaction); without the setting nothing changes."""

from __future__ import annotations

from portal import config

PG_URL = "postgresql+psycopg://portal@127.0.0.1:6432/portal"


def test_transaction_pooler_turns_prepared_statements_off(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", PG_URL)
    monkeypatch.setenv("DATABASE_POOLER", "transaction")
    options = config.from_environment(str(tmp_path))["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["connect_args"] == {"prepare_threshold": None}
    assert options["pool_pre_ping"] is True


def test_without_a_pooler_the_defaults_stay(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", PG_URL)
    monkeypatch.delenv("DATABASE_POOLER", raising=False)
    assert "SQLALCHEMY_ENGINE_OPTIONS" not in config.from_environment(str(tmp_path))
    assert config.engine_options(PG_URL) == {"pool_pre_ping": True}
