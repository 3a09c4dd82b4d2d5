import pytest
from pydantic import ValidationError

from domain.settings import Settings


def test_production_refuses_to_start_without_a_real_secret(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(environment="production")
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(environment="production", secret_key="changeme")


def test_production_accepts_a_long_random_secret():
    settings = Settings(environment="production", secret_key="k" * 8 + "9f3a0c1e5b7d2468ace13579bdf02468")
    assert settings.resolved_secret_key().startswith("kkkkkkkk")


def test_development_generates_a_secret_once_and_keeps_it_private(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    settings = Settings(environment="development", instance_path=tmp_path / "instance")
    first = settings.resolved_secret_key()
    assert len(first) >= 32
    assert settings.resolved_secret_key() == first
    path = tmp_path / "instance" / "secret_key"
    assert path.read_text() == first and oct(path.stat().st_mode & 0o777) == "0o600"


def test_cookies_are_secure_when_served_over_https():
    assert Settings(base_url="https://permits.example.gov.cn").secure_cookies
    assert not Settings(base_url="http://127.0.0.1:8000").secure_cookies


def test_the_database_settings_describe_the_replica_and_the_pooler(monkeypatch):
    from domain.db import Database, connect_args

    monkeypatch.setenv("DATABASE_URL", "postgresql://app@db-primary/permitwatch")
    monkeypatch.setenv("DATABASE_REPLICA_URL", "postgresql://app@db-replica/permitwatch")
    monkeypatch.setenv("DATABASE_REPLICA_MAX_LAG_SECONDS", "5")
    monkeypatch.setenv("DATABASE_POOLER", "pgbouncer")
    settings = Settings()
    assert settings.database_replica_max_lag_seconds == 5 and settings.database_replica_check_seconds == 2
    database = Database.from_settings(settings)  # connects to nothing until used
    assert database.replica is not None and database.replica.max_lag_seconds == 5
    assert not database.replica.state.in_use  # not checked yet: reads go to the primary
    # Behind pgbouncer in transaction pooling psycopg must prepare nothing; directly it may.
    assert connect_args("pgbouncer", 5) == {"connect_timeout": 5, "prepare_threshold": None}
    assert connect_args("none", 5) == {"connect_timeout": 5}
    with pytest.raises(ValidationError, match="database_pooler"):
        Settings(database_pooler="pgpool")


def test_a_replica_needs_postgresql():
    from domain.db import Database

    with pytest.raises(ValueError, match="PostgreSQL"):
        Database("sqlite:///:memory:", replica_url="sqlite:///replica.db")
