"""monitoring_reading partitioned by month on PostgreSQL (issue 19)

On PostgreSQL the readings table becomes PARTITION BY RANGE (measured_at): one partition per China month
from the month of the oldest reading (or this month) to three months ahead, and a DEFAULT partition for
any other time; the existing rows are moved into them. The primary key becomes (id, measured_at) (a
partitioned table's unique constraints include the partition key); ids keep their sequence, and the
series index and the one-valid-reading unique index are recreated on the parent, so every partition has
them. SQLite keeps its plain table: the model is unchanged there. Afterwards domain/ledgers/partitions.py
makes the other months of the five-year window and the months ahead (``permitwatch migrate``; the worker,
daily). docs/operations.md, "Readings: monthly partitions and the archive".

The DDL is written out here (not imported from the domain) so that this step stays what it was.

Revision ID: 0035
Revises: 0034
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from alembic import op

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None

CHINA = timezone(timedelta(hours=8))
MONTHS_AHEAD = 3


def _months(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    months = []
    year, month = first
    while (year, month) <= last:
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _bound(year: int, month: int) -> str:
    year, month = (year + 1, 1) if month == 13 else (year, month)
    return f"'{year:04d}-{month:02d}-01 00:00:00+08:00'"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE monitoring_reading RENAME TO monitoring_reading_unpartitioned")
    for name in ("pk_monitoring_reading", "ix_monitoring_reading_series", "uq_monitoring_reading_valid"):
        op.execute(f"ALTER INDEX {name} RENAME TO {name}_unpartitioned")
    op.execute(
        "CREATE TABLE monitoring_reading (LIKE monitoring_reading_unpartitioned"
        " INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (measured_at)"
    )
    op.execute("ALTER SEQUENCE monitoring_reading_id_seq OWNED BY monitoring_reading.id")
    op.execute(
        "ALTER TABLE monitoring_reading ADD CONSTRAINT pk_monitoring_reading PRIMARY KEY (id, measured_at)"
    )
    op.execute(
        "ALTER TABLE monitoring_reading ADD CONSTRAINT fk_monitoring_reading_permit_id_permit"
        " FOREIGN KEY (permit_id) REFERENCES permit (id)"
    )
    op.execute(
        "CREATE INDEX ix_monitoring_reading_series ON monitoring_reading"
        " (permit_id, outlet_code, pollutant, measured_at)"
    )
    op.execute(
        "CREATE UNIQUE INDEX uq_monitoring_reading_valid ON monitoring_reading"
        " (permit_id, outlet_code, pollutant, method, measured_at) WHERE voided_at IS NULL"
    )
    oldest = bind.exec_driver_sql(
        "SELECT min(measured_at) AT TIME ZONE 'Asia/Shanghai' FROM monitoring_reading_unpartitioned"
    ).scalar()
    now = datetime.now(CHINA)
    first = (now.year, now.month)
    if oldest is not None:
        first = min(first, (oldest.year, oldest.month))
    ahead = now.year * 12 + now.month - 1 + MONTHS_AHEAD
    for year, month in _months(first, (ahead // 12, ahead % 12 + 1)):
        op.execute(
            f"CREATE TABLE monitoring_reading_p{year:04d}_{month:02d} PARTITION OF monitoring_reading"
            f" FOR VALUES FROM ({_bound(year, month)}) TO ({_bound(year, month + 1)})"
        )
    op.execute("CREATE TABLE monitoring_reading_default PARTITION OF monitoring_reading DEFAULT")
    op.execute("INSERT INTO monitoring_reading SELECT * FROM monitoring_reading_unpartitioned")
    op.execute("DROP TABLE monitoring_reading_unpartitioned")
    op.execute("ANALYZE monitoring_reading")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE monitoring_reading RENAME TO monitoring_reading_partitioned")
    for name in ("pk_monitoring_reading", "ix_monitoring_reading_series", "uq_monitoring_reading_valid"):
        op.execute(f"ALTER INDEX {name} RENAME TO {name}_partitioned")
    op.execute(
        "CREATE TABLE monitoring_reading (LIKE monitoring_reading_partitioned"
        " INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
    )
    op.execute("ALTER SEQUENCE monitoring_reading_id_seq OWNED BY monitoring_reading.id")
    op.execute("INSERT INTO monitoring_reading SELECT * FROM monitoring_reading_partitioned")
    op.execute("DROP TABLE monitoring_reading_partitioned")
    op.execute("ALTER TABLE monitoring_reading ADD CONSTRAINT pk_monitoring_reading PRIMARY KEY (id)")
    op.execute(
        "ALTER TABLE monitoring_reading ADD CONSTRAINT fk_monitoring_reading_permit_id_permit"
        " FOREIGN KEY (permit_id) REFERENCES permit (id)"
    )
    op.execute(
        "CREATE INDEX ix_monitoring_reading_series ON monitoring_reading"
        " (permit_id, outlet_code, pollutant, measured_at)"
    )
    op.execute(
        "CREATE UNIQUE INDEX uq_monitoring_reading_valid ON monitoring_reading"
        " (permit_id, outlet_code, pollutant, method, measured_at) WHERE voided_at IS NULL"
    )
