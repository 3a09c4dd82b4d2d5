"""Settings, read once from the environment (one pydantic-settings class)."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret", "dev", "development", "please-change"}
MIN_SECRET_LENGTH = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False)

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///instance/permitwatch.db"
    # PostgreSQL connections each server process keeps open. A request holds one for a moment; when more
    # requests than this wait at once, extra connections are opened and closed again, which costs both
    # sides far more than the query (2 workers x (30 + 10) stays under PostgreSQL's default 100).
    database_pool_size: int = Field(default=30, ge=1, le=500)
    database_max_overflow: int = Field(default=10, ge=0, le=500)
    # A new PostgreSQL connection that is not made within this many seconds fails (the request answers
    # 503, web.unavailable) instead of hanging while the database host cannot be reached.
    database_connect_timeout_seconds: int = Field(default=5, ge=1, le=300)
    # What sits between the processes and PostgreSQL: "none", or "pgbouncer" in transaction pooling, where
    # psycopg must prepare no statements (a transaction may run on another server connection).
    database_pooler: Literal["none", "pgbouncer"] = "none"
    # A streaming-replication hot standby (docs/operations.md, "Read replica"): public pages and anonymous
    # GraphQL queries read there while it is reachable and at most DATABASE_REPLICA_MAX_LAG_SECONDS behind
    # the primary, checked at most every DATABASE_REPLICA_CHECK_SECONDS per process; else they read from
    # the primary. Writes, and everything a logged-in user reads, always go to the primary.
    database_replica_url: str | None = None
    database_replica_max_lag_seconds: float = Field(default=10.0, gt=0, le=3600)
    database_replica_check_seconds: float = Field(default=2.0, gt=0, le=300)
    # A replica that does not answer within this is left for the primary (psycopg's least is 2 s).
    database_replica_connect_timeout_seconds: int = Field(default=2, ge=1, le=60)
    secret_key: SecretStr = SecretStr("")
    base_url: str = "http://127.0.0.1:8000"
    default_locale: Literal["zh_Hans", "en"] = "zh_Hans"
    instance_path: Path = Path("instance")
    # Uploaded files (domain/uploads.py), named by their SHA-256; by default INSTANCE_PATH/uploads. Back it
    # up with the database: records name files here.
    upload_path: Path | None = None
    # The bulk download of the public datasets (domain/disclosure/bulk/export.py), regenerated daily by the
    # worker and by `permitwatch bulk-export`; by default INSTANCE_PATH/bulk. Derived data: no backup needed.
    bulk_export_path: Path | None = None

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_use_tls: bool = False
    smtp_start_tls: bool = False
    smtp_sender: str = "permitwatch@localhost"

    # argon2id parameters: the OWASP minimum (19 MiB, t=2, p=1) keeps a login near
    # 20 ms on two cores; hashes made with other parameters are upgraded at login.
    smtp_timeout_seconds: float = 20.0
    outbox_max_attempts: int = 8
    outbox_backoff_seconds: int = 60
    outbox_lease_seconds: int = 300
    worker_batch_size: int = 20
    # Webhooks (docs/integrators.md, "Webhooks"): a delivery's time limit, its attempts and their
    # back-off (base, 2x, 4x... capped at six hours), and whether endpoints may be private addresses
    # (loopback, 10/8, 192.168/16...): off, so a registered URL cannot reach the server's own network.
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    webhook_max_attempts: int = Field(default=8, ge=1, le=30)
    webhook_backoff_seconds: int = Field(default=60, ge=1)
    webhook_allow_private_addresses: bool = False
    worker_poll_seconds: float = 5.0

    # Monitoring readings on PostgreSQL (docs/operations.md, "Readings: monthly partitions and the
    # archive"): the monthly partitions the worker keeps ready ahead of this month; whether it moves the
    # months past the retention window to the archive schema once a month (off: an operator decides,
    # `permitwatch archive-readings`); and the window in years, never under the legal five (Regulation
    # art. 19 and 21).
    reading_partitions_ahead: int = Field(default=3, ge=1, le=24)
    reading_archive_enabled: bool = False
    reading_retention_years: int = Field(default=5, ge=5, le=100)

    # Renewal reminders: working days before the renewal deadline, and the day after it passes
    # (docs/domain-rules.md, "Renewal").
    renewal_reminder_lead_days: tuple[int, ...] = (60, 30, 10)
    # Report reminders: calendar days before the due date (and the day after it passes).
    report_reminder_lead_days: tuple[int, ...] = (10, 3)
    # Report due dates where a permit's copy is silent: the day of the month after the period, per kind
    # (the Putuo plan lets the city set them; the defaults are the technical specifications').
    report_due_days: dict[str, int] = Field(
        default_factory=lambda: {"monthly": 15, "quarterly": 15, "semiannual": 15, "annual": 31}
    )

    argon2_memory_cost: int = 19456
    argon2_time_cost: int = 2
    argon2_parallelism: int = 1

    # The login back-off: failures of one account from one address, and of one address (any account).
    login_max_failures_per_account: int = 5
    login_max_failures_per_address: int = 20
    login_window_seconds: int = 900

    session_max_age_seconds: int = 8 * 3600
    api_token_touch_interval_seconds: int = 60

    graphql_max_depth: int = 10
    graphql_max_tokens: int = 2000
    graphql_max_aliases: int = 30
    # Request bodies (web/body_limit.py), refused with 413 while streaming: GraphQL requests (the
    # 50,000 readings submitMonitoringBatch accepts take up to about 11 MB of JSON), ordinary forms,
    # multipart uploads (the largest file a page accepts, 40 MB, plus the form).
    max_graphql_body_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    max_form_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    max_upload_body_bytes: int = Field(default=48 * 1024 * 1024, ge=1024)
    # Estimated rows an operation may ask for (graphql_schema/cost.py): the product of `first` along
    # each path of connections, a list without `first` counted as graphql_list_estimate rows.
    graphql_max_cost: int = Field(default=10_000, ge=1)
    graphql_list_estimate: int = Field(default=5, ge=1)
    # The rate budget (domain/api_budget.py): estimated rows each caller (a bearer token, a session's
    # user, an anonymous address) may ask for per window, counted in the database across processes.
    # 200,000 rows a minute: twenty of the costliest queries, or 2,000 pages of 100 rows.
    graphql_rate_budget: int = Field(default=200_000, ge=1)
    graphql_rate_window_seconds: int = Field(default=60, ge=1, le=86_400)

    page_size: int = Field(default=20, ge=1, le=200)

    @model_validator(mode="after")
    def _refuse_placeholder_secret_in_production(self) -> Settings:
        if self.environment == "production":
            value = self.secret_key.get_secret_value()
            if value.lower() in PLACEHOLDER_SECRETS or len(value) < MIN_SECRET_LENGTH:
                raise ValueError(
                    "SECRET_KEY must be set to a random value of at least "
                    f"{MIN_SECRET_LENGTH} characters in production"
                )
        return self

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    def resolved_secret_key(self) -> str:
        """The signing secret; in development one is generated once and kept in the instance folder."""
        value = self.secret_key.get_secret_value()
        if value:
            return value
        path = self.instance_path / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.instance_path.mkdir(parents=True, exist_ok=True)
        generated = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(generated)
        return generated


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
