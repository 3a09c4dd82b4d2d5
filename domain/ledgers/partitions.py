"""Monthly partitions of ``monitoring_reading`` on PostgreSQL, and the archive of months past the
retention window (docs/operations.md, "Readings: monthly partitions and the archive").

On PostgreSQL the table is partitioned by range of ``measured_at``, one partition per China month (a
ledger month or a year of emissions, counted in China time like every date people read, touches only its
own partitions), named ``monitoring_reading_pYYYY_MM``, plus ``monitoring_reading_default`` for a time
no partition covers. ``ensure_partitions`` creates the months ahead and moves any month that reached the
default partition into a partition of its own (so the default stays empty in normal operation); the
worker runs it daily and ``permitwatch migrate`` after migrating.

Original monitoring records are kept at least five years (Regulation art. 19 and art. 21;
docs/domain-rules.md, "Environmental management ledger"). ``archive_readings`` detaches whole months
entirely older than the window and moves them into the ``archive`` schema, where they stay readable
(``archive.monitoring_reading_pYYYY_MM`` and the view ``archive.monitoring_reading``); nothing is ever
deleted, and a month inside the window is refused. SQLite keeps one plain table: both do nothing there.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, operator, require
from domain.audit.service import record
from domain.clock import CHINA, utcnow
from domain.db import Database, database_unavailable, on_postgresql
from domain.errors import N_, DomainError, FieldError, ValidationFailed

log = logging.getLogger("permitwatch.worker")

TABLE = "monitoring_reading"
DEFAULT_PARTITION = f"{TABLE}_default"
ARCHIVE_SCHEMA = "archive"
ARCHIVE_VIEW = f"{ARCHIVE_SCHEMA}.{TABLE}"
# Original monitoring records: at least five years (Regulation art. 19 and art. 21).
LEGAL_RETENTION_YEARS = 5
_NAME = re.compile(rf"^{TABLE}_p(\d{{4}})_(\d{{2}})$")


def is_partition(name: str | None) -> bool:
    """A partition of ``monitoring_reading`` (not in the models: the migrations and this module make them)."""
    return name is not None and (name == DEFAULT_PARTITION or _NAME.match(name) is not None)


def include_name(name: str | None, kind: str, _parents: object) -> bool:
    """Alembic's filter comparing the models with the database: the partitions and their indexes are not
    the models' (the partitioned parent and its indexes are)."""
    if kind == "table":
        return not is_partition(name)
    if kind == "index":
        return not (name or "").startswith(f"{TABLE}_p") and not (name or "").startswith(DEFAULT_PARTITION)
    return True


@dataclass(frozen=True, order=True)
class Month:
    """A China calendar month: a partition holds the readings measured within it, China time."""

    year: int
    month: int

    @classmethod
    def of(cls, moment: datetime) -> Month:
        local = moment.astimezone(CHINA)
        return cls(local.year, local.month)

    @classmethod
    def parse(cls, text: str) -> Month | None:
        found = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", text or "")
        if not found or not 1 <= int(found.group(2)) <= 12:
            return None
        return cls(int(found.group(1)), int(found.group(2)))

    @classmethod
    def of_partition(cls, name: str) -> Month | None:
        found = _NAME.match(name)
        return cls(int(found.group(1)), int(found.group(2))) if found else None

    def plus(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=CHINA)

    @property
    def end(self) -> datetime:
        return self.plus(1).start

    @property
    def partition(self) -> str:
        return f"{TABLE}_p{self.year:04d}_{self.month:02d}"

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def _bound(moment: datetime) -> str:
    """A partition bound as a literal (built from integers, never from input)."""
    return f"'{moment.strftime('%Y-%m-%d %H:%M:%S')}+08:00'"


async def _lock(session: AsyncSession) -> None:
    """One changer of the partitions at a time (several workers, a migrate beside them): the others wait
    for its transaction, then find its partitions made."""
    await session.exec(sa.text("SELECT pg_advisory_xact_lock(hashtext('monitoring_reading partitions'))"))  # type: ignore[call-overload]


def _within(month: Month) -> str:
    return f"measured_at >= {_bound(month.start)} AND measured_at < {_bound(month.end)}"


async def is_partitioned(session: AsyncSession) -> bool:
    if not on_postgresql(session):
        return False
    kind = (
        await session.exec(  # type: ignore[call-overload]
            sa.text("SELECT relkind FROM pg_class WHERE oid = to_regclass(:name)"), params={"name": TABLE}
        )
    ).scalar_one_or_none()
    return kind == "p"


async def partition_months(session: AsyncSession) -> list[Month]:
    """The months that have a partition of their own, oldest first."""
    names = (
        await session.exec(  # type: ignore[call-overload]
            sa.text(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                " WHERE i.inhparent = to_regclass(:name)"
            ),
            params={"name": TABLE},
        )
    ).scalars()
    return sorted(month for name in names if (month := Month.of_partition(name)) is not None)


async def _default_months(session: AsyncSession) -> list[Month]:
    rows = (
        await session.exec(  # type: ignore[call-overload]
            sa.text(
                f"SELECT DISTINCT date_trunc('month', measured_at AT TIME ZONE 'Asia/Shanghai')"
                f" FROM {DEFAULT_PARTITION}"
            )
        )
    ).scalars()
    return sorted(Month(moment.year, moment.month) for moment in rows)


async def default_rows(session: AsyncSession) -> int:
    """Readings in the default partition: 0 in normal operation (``ensure_partitions`` moves them out)."""
    if not await is_partitioned(session):
        return 0
    count = (
        await session.exec(sa.text(f"SELECT count(*) FROM {DEFAULT_PARTITION}"))  # type: ignore[call-overload]
    ).scalar_one()
    return int(count)


@dataclass
class Ensured:
    created: list[str] = field(default_factory=list)
    moved_from_default: dict[str, int] = field(default_factory=dict)  # partition -> readings moved
    left_in_default: int = 0


async def ensure_partitions(
    session: AsyncSession,
    *,
    months_ahead: int = 3,
    since: datetime | None = None,
    now: datetime | None = None,
) -> Ensured:
    """Create the partitions of the months from ``since`` (default: the first month of the retention
    window, so that any reading a unit may still record or import has its month) to ``months_ahead``
    months after this one, and give every month found in the default partition a partition of its own,
    moving its readings there (not a deletion: the same rows, in the same transaction). Idempotent;
    nothing on SQLite."""
    result = Ensured()
    if not await is_partitioned(session):
        return result
    await _lock(session)
    moment = now or utcnow()
    this_month = Month.of(moment)
    first = min(Month.of(since), this_month) if since is not None else window_start(moment)
    wanted: set[Month] = set()
    month = first
    while month <= this_month.plus(months_ahead):
        wanted.add(month)
        month = month.plus(1)
    in_default = await _default_months(session)
    existing = set(await partition_months(session))
    for month in sorted((wanted | set(in_default)) - existing):
        bounds = f"FROM ({_bound(month.start)}) TO ({_bound(month.end)})"
        if month in in_default:
            # A partition cannot be created over rows the default one holds: build it beside, move the
            # month's rows into it, then attach it (its indexes and constraints are attached or made).
            await session.exec(  # type: ignore[call-overload]
                sa.text(
                    f"CREATE TABLE {month.partition} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
                )
            )
            moved = (
                await session.exec(  # type: ignore[call-overload]
                    sa.text(
                        f"WITH moved AS (DELETE FROM {DEFAULT_PARTITION} WHERE {_within(month)} RETURNING *)"
                        f" INSERT INTO {month.partition} SELECT * FROM moved"
                    )
                )
            ).rowcount
            await session.exec(  # type: ignore[call-overload]
                sa.text(f"ALTER TABLE {TABLE} ATTACH PARTITION {month.partition} FOR VALUES {bounds}")
            )
            result.moved_from_default[month.partition] = int(moved or 0)
        else:
            await session.exec(  # type: ignore[call-overload]
                sa.text(f"CREATE TABLE {month.partition} PARTITION OF {TABLE} FOR VALUES {bounds}")
            )
        result.created.append(month.partition)
    result.left_in_default = await default_rows(session)
    return result


class NotPartitioned(DomainError):
    code = "readings.not_partitioned"


@dataclass(frozen=True)
class ArchivedMonth:
    month: Month
    partition: str
    readings: int


@dataclass
class ArchivePlan:
    before: Month
    window_start: Month  # the oldest month the retention window still holds
    months: list[ArchivedMonth]
    applied: bool


def window_start(now: datetime, retention_years: int = LEGAL_RETENTION_YEARS) -> Month:
    """The oldest month inside the window: readings of it or later are kept in ``monitoring_reading``.
    A month is past the window only once it has ended at least ``retention_years`` years ago."""
    years = max(retention_years, LEGAL_RETENTION_YEARS)
    return Month.of(now).plus(-12 * years)


async def archive_readings(
    session: AsyncSession,
    actor: Actor,
    *,
    before: str,
    apply: bool = False,
    retention_years: int = LEGAL_RETENTION_YEARS,
    now: datetime | None = None,
) -> ArchivePlan:
    """The monthly partitions entirely before ``before`` (a month, ``YYYY-MM``), with their row counts;
    with ``apply``, each is detached and moved into the ``archive`` schema, whole (nothing deleted), and
    the act audited. A month inside the retention window (five years, the legal minimum, or more when the
    deployment keeps longer) is refused; so is a database that is not PostgreSQL."""
    require(actor, Operation.READINGS_ARCHIVE)
    month = Month.parse(before)
    if month is None:
        raise ValidationFailed(
            [FieldError("before", "readings.month_invalid", N_("Give the month as YYYY-MM, e.g. 2020-01."))]
        )
    if not await is_partitioned(session):
        raise NotPartitioned(
            N_("Archiving readings moves monthly partitions: it is for PostgreSQL; SQLite keeps one table."),
            field="before",
        )
    await _lock(session)
    oldest_kept = window_start(now or utcnow(), retention_years)
    if month > oldest_kept:
        raise ValidationFailed(
            [
                FieldError(
                    "before",
                    "readings.inside_retention",
                    N_(
                        "Readings are kept at least {years} years (Regulation art. 19 and 21): months from"
                        " {oldest} on are inside the window and cannot be archived; archive before {oldest}"
                        " at the latest."
                    ),
                    {"years": max(retention_years, LEGAL_RETENTION_YEARS), "oldest": str(oldest_kept)},
                )
            ]
        )
    if apply and any(old < month for old in await _default_months(session)):
        # Readings of those months wait in the default partition: give them their partitions first.
        await ensure_partitions(session, months_ahead=0, now=now)
    months = []
    for old in await partition_months(session):
        if old >= month:
            break
        count = (
            await session.exec(sa.text(f"SELECT count(*) FROM {old.partition}"))  # type: ignore[call-overload]
        ).scalar_one()
        months.append(ArchivedMonth(old, old.partition, int(count)))
    waiting = [old for old in await _default_months(session) if old < month]
    months += [ArchivedMonth(old, DEFAULT_PARTITION, await _default_count(session, old)) for old in waiting]
    plan = ArchivePlan(
        before=month, window_start=oldest_kept, months=sorted(months, key=lambda m: m.month), applied=False
    )
    if not apply or not months:
        return plan
    await session.exec(sa.text(f"CREATE SCHEMA IF NOT EXISTS {ARCHIVE_SCHEMA}"))  # type: ignore[call-overload]
    moving = [item.partition for item in plan.months if item.partition != DEFAULT_PARTITION]
    for name in moving:
        await session.exec(sa.text(f"ALTER TABLE {TABLE} DETACH PARTITION {name}"))  # type: ignore[call-overload]
        await session.exec(sa.text(f"ALTER TABLE {name} SET SCHEMA {ARCHIVE_SCHEMA}"))  # type: ignore[call-overload]
    await _refresh_archive_view(session)
    plan.applied = True
    record(
        session,
        actor,
        action="ledger.archive_readings",
        object_type="reading_partition",
        object_id=f"before {month}",
        enterprise_id=None,
        after={
            "before": str(month),
            "window_start": str(oldest_kept),
            "partitions": [f"{ARCHIVE_SCHEMA}.{name}" for name in moving],
            "readings": sum(item.readings for item in plan.months),
        },
    )
    return plan


async def _default_count(session: AsyncSession, month: Month) -> int:
    count = (
        await session.exec(  # type: ignore[call-overload]
            sa.text(f"SELECT count(*) FROM {DEFAULT_PARTITION} WHERE {_within(month)}")
        )
    ).scalar_one()
    return int(count)


async def archived_partitions(session: AsyncSession) -> list[str]:
    if not on_postgresql(session):
        return []
    names = (
        await session.exec(  # type: ignore[call-overload]
            sa.text(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = :schema AND c.relkind = 'r' ORDER BY c.relname"
            ),
            params={"schema": ARCHIVE_SCHEMA},
        )
    ).scalars()
    return [name for name in names if Month.of_partition(name) is not None]


async def _refresh_archive_view(session: AsyncSession) -> None:
    """``archive.monitoring_reading``: every archived month as one read-only view for an operator."""
    names = await archived_partitions(session)
    if not names:
        return
    union = " UNION ALL ".join(f"SELECT * FROM {ARCHIVE_SCHEMA}.{name}" for name in names)
    await session.exec(sa.text(f"CREATE OR REPLACE VIEW {ARCHIVE_VIEW} AS {union}"))  # type: ignore[call-overload]


async def upkeep(
    db: Database,
    *,
    months_ahead: int,
    archive: bool,
    retention_years: int = LEGAL_RETENTION_YEARS,
    now: datetime | None = None,
) -> tuple[Ensured, ArchivePlan | None]:
    """The worker's daily care of the partitions: the months ahead made, the default partition emptied,
    and, when the deployment enabled it (``READING_ARCHIVE_ENABLED``), the months that have left the
    retention window archived (an act audited as the worker's; a day with none writes nothing, so it is
    in effect monthly). Each in its own transaction; nothing on SQLite. A failure is logged, never
    raised (the worker's mail goes on), except the database being away, which the worker waits out."""
    moment = now or utcnow()
    ensured, plan = Ensured(), None
    try:
        async with db.transaction() as session:
            ensured = await ensure_partitions(session, months_ahead=months_ahead, now=moment)
        if archive:
            async with db.transaction() as session:
                if await is_partitioned(session):
                    plan = await archive_readings(
                        session,
                        operator("worker"),
                        before=str(window_start(moment, retention_years)),
                        apply=True,
                        retention_years=retention_years,
                        now=moment,
                    )
    except Exception as error:
        if database_unavailable(error):
            raise  # the worker waits a round and tries again
        # Never stop the mail for this: a reading without its month lands in the default partition.
        log.exception("the readings' partitions could not be kept: %s", error)
    if ensured.created or ensured.left_in_default:
        log.info(
            "reading partitions: made %s, moved from default %s, left in default %s",
            ensured.created,
            ensured.moved_from_default,
            ensured.left_in_default,
        )
    if plan is not None and plan.applied:
        log.info("readings archived before %s: %s", plan.before, [m.partition for m in plan.months])
    return ensured, plan
