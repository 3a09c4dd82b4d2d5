"""`permitwatch`: the operators' command line. Every command reads DATABASE_URL like the server."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import date
from typing import TYPE_CHECKING, TypeVar

import click

from domain.access import ALL_ROLES, operator
from domain.db import Database
from domain.errors import DomainError
from domain.i18n import translate
from domain.settings import Settings, get_settings

if TYPE_CHECKING:
    from domain.notifications.worker import DailyRun

T = TypeVar("T")


def _run(work: Callable[[Database], Awaitable[T]]) -> T:
    async def main() -> T:
        database = Database.from_settings(get_settings())
        try:
            return await work(database)
        finally:
            await database.dispose()

    return asyncio.run(main())


def _fail(error: DomainError) -> None:
    for problem in error.errors:
        where = f"{problem.field}: " if problem.field else ""
        click.echo(f"error: {where}{translate(problem.message, 'en', **problem.params)}", err=True)
    sys.exit(2)


@click.group()
def main() -> None:
    """permitwatch: post-permit supervision platform for pollutant discharge permits."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes, each on its own socket (SO_REUSEPORT); about one per CPU.",
)
@click.option("--reload", is_flag=True, help="Restart on code changes (development; one worker).")
@click.option("--access-log/--no-access-log", default=True, show_default=True, help="Log every request.")
def serve(host: str, port: int, workers: int, reload: bool, access_log: bool) -> None:
    """Serve the portal and the GraphQL API."""
    if workers > 1 and not reload:
        from server.serve import serve as serve_workers

        try:
            status = serve_workers(host, port, workers, access_log=access_log)
        except OSError as error:  # the address is taken, or not one of this machine's
            message = f"cannot listen on {host}:{port}: {error.strerror}"
            raise click.BadParameter(message, param_hint="--port") from None
        raise SystemExit(status)
    import uvicorn

    uvicorn.run(
        "server.app:app",
        host=host,
        port=port,
        reload=reload,
        proxy_headers=True,
        log_level="info",
        access_log=access_log,
    )


@main.command()
def migrate() -> None:
    """Bring the database schema up to date (Alembic)."""
    from domain import migrate as migrations

    migrations.upgrade(get_settings().database_url)
    click.echo("database is up to date")
    _run(_ensure_reading_partitions)


async def _ensure_reading_partitions(database: Database) -> None:
    """PostgreSQL: every month of the readings' retention window and the months ahead has its partition
    (docs/operations.md), so that readings written next land in their month."""
    from domain.ledgers.partitions import ensure_partitions

    async with database.transaction() as session:
        made = await ensure_partitions(session, months_ahead=get_settings().reading_partitions_ahead)
    if made.created:
        first, last = made.created[0], made.created[-1]
        click.echo(f"reading partitions made: {len(made.created)} ({first} … {last})")


@main.command()
def status() -> None:
    """The database as this node sees it: the primary answers; the read replica's state and lag."""
    from domain.db import database_unavailable, ping

    settings = get_settings()

    async def work(database: Database) -> bool:
        try:
            async with database.read() as session:
                await ping(session)
            click.echo("primary: ok")
            healthy = True
            await _readings_status(database)
        except Exception as error:
            if not database_unavailable(error):
                raise
            click.echo(f"primary: unreachable ({type(error).__name__})")
            healthy = False
        click.echo(f"pooler: {settings.database_pooler}")
        if database.replica is None:
            click.echo("replica: none (DATABASE_REPLICA_URL is not set)")
        else:
            state = await database.replica.check()
            behind = "" if state.behind_bytes is None else f", {state.behind_bytes} bytes of WAL to replay"
            click.echo(f"replica: {state.describe()}{behind}")
        return healthy

    if not _run(work):
        sys.exit(1)


async def _readings_status(database: Database) -> None:
    """PostgreSQL: the readings' monthly partitions, and the default partition, which stays empty when the
    months are made ahead (docs/operations.md)."""
    from domain.ledgers.partitions import default_rows, is_partitioned, partition_months

    async with database.read() as session:
        if not await is_partitioned(session):
            return
        months = await partition_months(session)
        waiting = await default_rows(session)
    span = f", {months[0]} to {months[-1]}" if months else ""
    click.echo(f"readings: {len(months)} monthly partitions{span}")
    note = "" if waiting == 0 else " (should be 0: permitwatch migrate or the worker gives them their months)"
    click.echo(f"readings in the default partition: {waiting}{note}")


@main.command("create-user")
@click.option("--username", required=True)
@click.option("--password", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in ALL_ROLES]))
@click.option("--enterprise", "enterprise_code", default=None, help="Credit code, for enterprise roles.")
@click.option("--region", "region_code", default=None, help="Jurisdiction region code, for regulator roles.")
@click.option("--name", "display_name", default="", help="Display name.")
@click.option("--email", default=None)
def create_user_command(
    username: str,
    password: str,
    role: str,
    enterprise_code: str | None,
    region_code: str | None,
    display_name: str,
    email: str | None,
) -> None:
    """Create a user account."""
    from domain.accounts.service.users import create_user

    async def work(database: Database) -> str:
        async with database.transaction() as session:
            user = await create_user(
                session,
                operator(),
                username=username,
                password=password,
                role=role,
                display_name=display_name,
                email=email,
                enterprise_credit_code=enterprise_code,
                region_code=region_code,
            )
            return user.username

    try:
        created = _run(work)
    except DomainError as error:
        _fail(error)
    click.echo(f"created user {created} ({role})")


@main.command("create-token")
@click.option("--username", required=True)
@click.option("--name", default="cli", show_default=True, help="What the token is for.")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    type=click.Choice(["read", "write"]),
    help="Scopes (default: read and write).",
)
def create_token_command(username: str, name: str, scopes: tuple[str, ...]) -> None:
    """Create an API token for a user and print it (only the token, once)."""
    from domain.accounts.service.tokens import create_api_token

    async def work(database: Database) -> str:
        async with database.transaction() as session:
            plain, _token = await create_api_token(
                session, operator(), name=name, scopes=list(scopes) or None, for_username=username
            )
            return plain

    try:
        click.echo(_run(work))
    except DomainError as error:
        _fail(error)


@main.command()
@click.option("--if-empty", is_flag=True, help="Only when the database has no users yet.")
@click.option(
    "--enterprises",
    "size",
    type=int,
    default=None,
    help="Total units to create (at least the 64 of the demo city), e.g. 10000 for load tests.",
)
@click.option(
    "--scale",
    type=click.Choice(["province"]),
    default=None,
    help="Province-scale data for the scale benchmark (PostgreSQL only; demo/scale.py).",
)
@click.option(
    "--fraction",
    type=float,
    default=1.0,
    show_default=True,
    help="With --scale: the share of the province to generate, e.g. 0.01.",
)
def demo(if_empty: bool, size: int | None, scale: str | None, fraction: float) -> None:
    """Load demonstration data (regulators, enterprises, their users) and print the logins."""
    from demo import city as demo_city
    from demo import load as demo_data

    settings = get_settings()
    if settings.environment == "production":
        click.echo("error: demonstration data is never loaded into a production database", err=True)
        sys.exit(2)
    if scale is not None:
        _demo_at_scale(fraction)
        return

    async def work(database: Database) -> list[demo_city.DemoLogin] | None:
        async with database.transaction() as session:
            if not await demo_data.is_empty(session):
                return None
            if size is None:
                return await demo_data.load(session)
            with click.progressbar(length=size, label="creating units") as bar:
                done = 0

                def progress(current: int, _total: int) -> None:
                    nonlocal done
                    bar.update(current - done)
                    done = current

                return await demo_data.load(session, enterprises=size, progress=progress)

    try:
        logins = _run(work)
    except DomainError as error:
        _fail(error)
    if logins is None:
        if if_empty:
            click.echo("database already has users: demonstration data not loaded")
            _print_logins(demo_city.LOGINS, demo_city.DEMO_PASSWORD, heading="demo logins (if loaded before)")
            return
        click.echo("error: the database already has users; demo data goes into an empty database", err=True)
        sys.exit(2)
    click.echo(f"loaded {size or len(demo_city.ENTERPRISES)} enterprises and {len(logins)} users")
    _print_logins(logins, demo_city.DEMO_PASSWORD)


def _demo_at_scale(fraction: float) -> None:
    from demo import city as demo_city
    from demo import scale as demo_scale

    started = time.monotonic()
    _run(_ensure_reading_partitions)  # the year of readings goes straight to its months
    try:
        steps = _run(lambda database: demo_scale.load_province(database, fraction=fraction, say=click.echo))
    except DomainError as error:
        _fail(error)
    rows = sum(step.rows for step in steps)
    click.echo(f"province x {fraction}: {rows:,} rows in {time.monotonic() - started:,.0f} s")
    _print_logins(demo_city.LOGINS, demo_city.DEMO_PASSWORD)


def _print_logins(logins: list, password: str, heading: str = "demo logins") -> None:  # type: ignore[type-arg]
    click.echo(f"\n{heading} (password for all: {password}):")
    for login in logins:
        click.echo(f"  {login.username:<16} {login.description}")
    click.echo(
        f"  {'unitNN-staff':<16} 其他持证单位的环保专员 / every other filing unit's environmental officer"
    )


def worker_daily(settings: Settings, *, reminders: bool, bulk_export: bool) -> DailyRun:
    """What the worker does before each round: the filing rollup brought up to the changes committed since
    the last round; once a day the readings' partitions (and their archive when enabled) and the day's
    reminders, and the day's bulk download when the one in force is not of today (its manifest records the
    last run)."""
    from domain.clock import today
    from domain.disclosure.bulk.export import DailyJob
    from domain.ledgers.partitions import upkeep
    from domain.reminders.daily import remind_if_new_day
    from domain.reports.rollup.counting import refresh_in

    bulk = DailyJob(settings)

    async def daily(db: Database, last_day: date | None) -> date:
        await refresh_in(db)
        if today() != last_day:
            # The readings' monthly partitions ahead, and the archive when enabled (PostgreSQL only).
            await upkeep(
                db,
                months_ahead=settings.reading_partitions_ahead,
                archive=settings.reading_archive_enabled,
                retention_years=settings.reading_retention_years,
            )
        day = await remind_if_new_day(db, last_day) if reminders else today()
        if bulk_export:
            await bulk(db)
        return day

    return daily


@main.command()
@click.option("--once", is_flag=True, help="Send one batch and exit (for cron or tests).")
@click.option("--no-reminders", is_flag=True, help="Do not write the daily reminders from this worker.")
@click.option("--no-bulk-export", is_flag=True, help="Do not write the daily bulk download from this worker.")
def worker(once: bool, no_reminders: bool, no_bulk_export: bool) -> None:
    """Send the mail waiting in the outbox and the webhook deliveries, retrying with back-off; writes each
    day's reminders and the bulk download of the public datasets too."""
    import logging
    import signal

    from domain.notifications import worker as mail_worker
    from domain.webhooks import worker as webhook_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = get_settings()

    async def work(database: Database) -> None:
        if once:
            result = await mail_worker.run_once(database, settings)
            click.echo(f"sent {result.sent}, retrying {result.retrying}, failed {result.failed}")
            hooks = await webhook_worker.run_once(database, settings)
            click.echo(
                f"webhooks: queued {hooks.queued}, delivered {hooks.delivered}, "
                f"retrying {hooks.retrying}, failed {hooks.failed}"
            )
            return
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        click.echo(
            f"worker {mail_worker.worker_name()} sending mail via {settings.smtp_host}:{settings.smtp_port}"
            " and webhook deliveries"
        )
        daily = worker_daily(settings, reminders=not no_reminders, bulk_export=not no_bulk_export)
        await asyncio.gather(
            mail_worker.run(database, settings, stop=stop, daily=daily),
            webhook_worker.run(database, settings, stop=stop),
        )

    _run(work)


@main.command()
@click.option(
    "--date",
    "on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Act as if today were this date (China time). Default: today.",
)
def remind(on: object) -> None:
    """Write today's reminders (notices and mail) once; run it daily, running it again is harmless."""
    from domain.clock import today
    from domain.reminders.daily import run_daily

    day = on.date() if on is not None else today()  # type: ignore[attr-defined]

    async def work(database: Database) -> object:
        async with database.transaction() as session:
            return await run_daily(session, on=day)

    summary = _run(work)
    click.echo(
        f"{day.isoformat()}: {summary.notices} notices, {summary.emails} e-mails queued "  # type: ignore[attr-defined]
        f"for {len(summary.permits)} permits"  # type: ignore[attr-defined]
    )


@main.command("bulk-export")
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, writable=True),
    default=None,
    help="Write into this folder instead of BULK_EXPORT_PATH (the folder /public/data serves).",
)
def bulk_export(out: str | None) -> None:
    """Write the bulk download of the public datasets now (CSV, Parquet, dictionary, manifest)."""
    from pathlib import Path

    from domain.disclosure.bulk.export import export, export_path, summary

    settings = get_settings()
    root = Path(out) if out else export_path(settings)

    async def work(database: Database) -> object:
        return await export(database, settings, root=root)

    manifest = _run(work)
    if manifest is None:
        click.echo(f"error: another process is writing the bulk download in {root}", err=True)
        sys.exit(1)
    click.echo(summary(manifest), nl=False)  # type: ignore[arg-type]


@main.command("archive-readings")
@click.option("--before", required=True, help="Archive the monthly partitions before this month (YYYY-MM).")
@click.option("--apply", is_flag=True, help="Do it; without it, only list what would move (dry run).")
def archive_readings_command(before: str, apply: bool) -> None:
    """Move whole months of monitoring readings older than the retention window (five years, Regulation
    art. 19 and 21) out of monitoring_reading into the archive schema; nothing is deleted. PostgreSQL only."""
    from domain.ledgers.partitions import ARCHIVE_SCHEMA, ARCHIVE_VIEW, ArchivePlan, archive_readings

    settings = get_settings()

    async def work(database: Database) -> ArchivePlan:
        async with database.transaction() as session:
            return await archive_readings(
                session,
                operator(),
                before=before,
                apply=apply,
                retention_years=settings.reading_retention_years,
            )

    try:
        plan = _run(work)
    except DomainError as error:
        _fail(error)
        return
    click.echo(f"retention window: months from {plan.window_start} on are kept in monitoring_reading")
    if not plan.months:
        click.echo(f"no partition before {plan.before}: nothing to archive")
        return
    for month in plan.months:
        click.echo(f"  {month.month}  {month.partition}  {month.readings} readings")
    total = sum(month.readings for month in plan.months)
    if plan.applied:
        click.echo(
            f"archived {len(plan.months)} months ({total} readings) into schema {ARCHIVE_SCHEMA};"
            f" read them in {ARCHIVE_VIEW}"
        )
    else:
        click.echo(f"dry run: {len(plan.months)} months ({total} readings) would move; add --apply to do it")


@main.command("rollup-rebuild")
def rollup_rebuild() -> None:
    """Count the filing rollup anew from every permit and report (after an import or a migration); the
    worker keeps it current from then on."""
    from domain.reports.rollup.counting import rebuild_in

    async def work(database: Database) -> object:
        return await rebuild_in(database)

    counted = _run(work)
    click.echo(f"filing rollup rebuilt: {counted.regions} districts")  # type: ignore[attr-defined]


@main.command("import-monitoring")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--username", required=True, help="The enterprise user the data is recorded as.")
@click.option("--batch-size", default=5000, show_default=True, type=int, help="Readings per transaction.")
def import_monitoring(path: str, username: str, batch_size: int) -> None:
    """Load monitoring data (CSV/XLSX) in bulk, one transaction per batch, with a progress bar."""
    from pathlib import Path

    from domain.accounts.queries import find_user
    from domain.actors import actor_for
    from domain.errors import ValidationFailed
    from domain.ledgers.files import read_readings, relabel
    from domain.ledgers.service.readings import record_readings

    data = Path(path).read_bytes()
    try:
        parsed = read_readings(Path(path).name, data)
    except DomainError as error:
        _fail(error)
    if parsed.errors:
        _fail(ValidationFailed(parsed.errors))
    rows = parsed.readings
    by_permit: dict[str, list] = {}  # type: ignore[type-arg]
    for item in rows:
        by_permit.setdefault(item.permit_number, []).append(item)

    async def work(database: Database) -> int:
        async with database.read() as session:
            user = await find_user(session, username=username)
        if user is None:
            click.echo(f"error: username: no user {username}", err=True)
            sys.exit(2)
        actor = actor_for(user, channel="cli")
        written = 0
        with click.progressbar(length=len(rows), label="importing readings") as bar:
            for number, items in by_permit.items():
                for start in range(0, len(items), batch_size):
                    batch = items[start : start + batch_size]
                    try:
                        async with database.transaction() as session:
                            result = await record_readings(
                                session,
                                actor,
                                permit_number=number,
                                readings=[item.reading for item in batch],
                                source="import",
                            )
                    except DomainError as error:
                        click.echo("")
                        click.echo(
                            f"stopped: {written} readings were written in earlier batches; this batch "
                            "and the rest were not.",
                            err=True,
                        )
                        _fail(ValidationFailed(relabel(error.errors, batch)))
                    written += result.written
                    bar.update(len(batch))
        return written

    written = _run(work)
    click.echo(f"imported {written} readings")


@main.command("import-permits")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--username", required=True, help="The permitting officer (or administrator) importing.")
def import_permits_command(path: str, username: str) -> None:
    """Load permits issued on the national platform (JSON or XLSX), all or nothing, with a progress bar."""
    from pathlib import Path

    from domain.accounts.queries import find_user
    from domain.actors import actor_for_user
    from domain.permits.files.reading import open_permit_file
    from domain.permits.service.imports import import_permit_records

    source = Path(path)
    try:
        permit_file = open_permit_file(source.name, source.read_bytes())
    except DomainError as error:
        _fail(error)

    async def work(database: Database) -> int:
        async with database.read() as session:
            user = await find_user(session, username=username)
            if user is None:
                click.echo(f"error: username: no user {username}", err=True)
                sys.exit(2)
            actor = await actor_for_user(session, user, channel="cli")
        with click.progressbar(length=len(permit_file.records), label="importing permits") as bar:
            done = 0

            def progress(current: int, _total: int) -> None:
                nonlocal done
                bar.update(current - done)
                done = current

            async with database.transaction() as session:
                permits = await import_permit_records(
                    session, actor, permit_file=permit_file, progress=progress
                )
        return len(permits)

    try:
        count = _run(work)
    except DomainError as error:
        _fail(error)
    click.echo(f"imported {count} permits")


@main.command("import-history")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--username", required=True, help="The permitting officer (or administrator) importing.")
@click.option(
    "--source",
    default="全国排污许可证管理信息平台",
    show_default=True,
    help="Where the history comes from; every imported record is marked with it.",
)
def import_history_command(path: str, username: str, source: str) -> None:
    """Import units' history from the national platform (JSON Lines, docs/integrators.md): permit versions,
    applications and report submissions with their original dates; all or nothing; again: nothing new."""
    from pathlib import Path

    from domain.accounts.queries import find_user
    from domain.actors import actor_for_user
    from domain.history.service import HistoryRejected, HistoryResult, import_history

    source_file = Path(path)
    data = source_file.read_bytes()

    async def work(database: Database) -> HistoryResult:
        async with database.read() as session:
            user = await find_user(session, username=username)
            if user is None:
                click.echo(f"error: username: no user {username}", err=True)
                sys.exit(2)
            actor = await actor_for_user(session, user, channel="cli")
        async with database.transaction() as session:
            return await import_history(session, actor, file_name=source_file.name, data=data, source=source)

    try:
        result = _run(work)
    except HistoryRejected as error:
        for row in error.rows:
            where = f"line {row.row}" if row.row else "file"
            click.echo(f"error: {where}: {row.field}: {translate(row.message, 'en', **row.params)}", err=True)
        if error.total > len(error.rows):
            click.echo(f"error: {error.total} problems, the first {len(error.rows)} shown", err=True)
        click.echo("nothing was imported", err=True)
        sys.exit(2)
    except DomainError as error:
        _fail(error)
    if result.batch is None:
        click.echo(f"nothing new: {result.skipped} records were imported before")
        return
    click.echo(
        f"import {result.batch.id} from {result.batch.source}: {result.permits} new permits, "
        f"{result.versions} permit versions, {result.applications} applications, "
        f"{result.submissions} report submissions ({result.skipped} already here)"
    )
    for key in result.late_reports:
        click.echo(f"late first submission: {key}")


@main.group()
def holidays() -> None:
    """A year's published holiday schedule (days off and make-up working days)."""


@holidays.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--username", default="admin", show_default=True, help="The system administrator loading it.")
def holidays_load(path: str, username: str) -> None:
    """Load a year's schedule from a small text file (one line per day or range: DATE[..DATE] off|work NAME).

    Deadlines that touch the year are counted with it from now on; stored ones are counted again.
    """
    from pathlib import Path

    from domain.accounts.queries import find_user
    from domain.actors import actor_for_user
    from domain.permits.service.deadlines import LoadResult, load_schedule

    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        click.echo("error: file: the file must be UTF-8 text", err=True)
        sys.exit(2)

    async def work(database: Database) -> LoadResult:
        async with database.read() as session:
            user = await find_user(session, username=username)
            if user is None:
                click.echo(f"error: username: no user {username}", err=True)
                sys.exit(2)
            actor = await actor_for_user(session, user, channel="cli")
        async with database.transaction() as session:
            return await load_schedule(session, actor, text=text)

    try:
        result = _run(work)
    except DomainError as error:
        _fail(error)
    click.echo(
        f"{'replaced' if result.replaced else 'loaded'} {result.year}: {result.days_off} days off, "
        f"{result.make_up_days} make-up working days; {result.recounted} stored deadlines counted again"
    )


@main.command("hj212")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8212, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--region",
    default=None,
    help="Region code (GB/T 2260) whose regulators read refused packets that name no registered station.",
)
@click.option("--max-connections", default=500, show_default=True, type=click.IntRange(1, 10_000))
@click.option(
    "--idle-timeout", default=300.0, show_default=True, type=click.FloatRange(1, 3600), help="Seconds."
)
def hj212_command(
    host: str, port: int, region: str | None, max_connections: int, idle_timeout: float
) -> None:
    """Accept online monitoring stations' HJ 212-2017 packets and write their data to the ledgers."""
    import logging

    from domain import regions
    from server.hj212 import serve as serve_hj212

    if region is not None and not regions.is_valid_region_code(region):
        raise click.BadParameter("not a GB/T 2260 region code", param_hint="--region")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    async def work(database: Database) -> None:
        try:
            await serve_hj212(
                database,
                host,
                port,
                region_code=region,
                max_connections=max_connections,
                idle_timeout=idle_timeout,
            )
        except OSError as error:
            raise click.BadParameter(
                f"cannot listen on {host}:{port}: {error.strerror}", param_hint="--port"
            ) from None

    with contextlib.suppress(KeyboardInterrupt):
        _run(work)


@main.command("register-station")
@click.option("--permit", "permit_number", required=True, help="The permit whose outlet the station serves.")
@click.option(
    "--outlet", "outlet_code", required=True, help="The outlet's code in the permit (DA001, DW001…)."
)
@click.option("--mn", required=True, help="The station's MN (HJ 212-2017: its data acquisition device).")
@click.option("--password", required=True, help="The access password (PW) its packets carry.")
@click.option("--name", default="", help="A name people read.")
@click.option("--ledger-data", type=click.Choice(["hourly", "minute"]), default="hourly", show_default=True)
@click.option(
    "--minute-interval", default=10, show_default=True, type=int, help="Minutes between minute data."
)
@click.option("--username", default=None, help="Register as this user (default: the operator).")
def register_station_command(
    permit_number: str,
    outlet_code: str,
    mn: str,
    password: str,
    name: str,
    ledger_data: str,
    minute_interval: int,
    username: str | None,
) -> None:
    """Register an online monitoring station (the same use case as the ledger's stations page)."""
    from domain.accounts.queries import find_user
    from domain.actors import actor_for
    from domain.ledgers.hj212.stations import StationInput, register_station

    values = StationInput(
        permit_number=permit_number,
        outlet_code=outlet_code,
        mn=mn,
        password=password,
        name=name,
        ledger_data=ledger_data,
        minute_interval=minute_interval,
    )

    async def work(database: Database) -> str:
        actor = operator()
        if username is not None:
            async with database.read() as session:
                user = await find_user(session, username=username)
            if user is None:
                click.echo(f"error: username: no user {username}", err=True)
                sys.exit(2)
            actor = actor_for(user, channel="cli")
        try:
            async with database.transaction() as session:
                station = await register_station(session, actor, values=values)
                return station.mn
        except DomainError as error:
            _fail(error)
            raise

    click.echo(f"registered station {_run(work)}")


@main.command("export-reports")
@click.option("--enterprise", "credit_code", default="", help="The unit's unified social credit code.")
@click.option("--region", "region_code", default="", help="Or a jurisdiction: its region code (GB/T 2260).")
@click.option(
    "--kind", default="", help="Only reports of this kind (monthly, quarterly, semiannual, annual)."
)
@click.option("--year", default="", help="Only periods of this year, e.g. 2025.")
@click.option("--username", default=None, help="Export as this user (default: the operator, every report).")
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), default="-", show_default=True)
def export_reports_command(
    credit_code: str, region_code: str, kind: str, year: str, username: str | None, out: str
) -> None:
    """Write filed execution reports as one JSON document for the national platform (docs/integrators.md)."""
    import json

    from domain.accounts.queries import find_user
    from domain.actors import actor_for
    from domain.reports.queries.exchange import export_reports

    async def work(database: Database) -> dict:  # type: ignore[type-arg]
        actor = operator()
        async with database.read() as session:
            if username is not None:
                user = await find_user(session, username=username)
                if user is None:
                    click.echo(f"error: username: no user {username}", err=True)
                    sys.exit(2)
                actor = actor_for(user, channel="cli")
            try:
                return await export_reports(
                    session, actor, credit_code=credit_code, region_code=region_code, kind=kind, year=year
                )
            except DomainError as error:
                _fail(error)
                raise

    document = _run(work)
    text = json.dumps(document, ensure_ascii=False, indent=1) + "\n"
    if out == "-":
        click.echo(text, nl=False)
    else:
        with open(out, "w", encoding="utf-8") as handle:
            handle.write(text)
        click.echo(f"{document['report_count']} reports written to {out}", err=True)


@main.command("export-schema")
def export_schema_command() -> None:
    """Write the GraphQL schema to graphql_schema/schema.graphql."""
    from graphql_schema.export import SCHEMA_FILE, export_schema

    SCHEMA_FILE.write_text(export_schema(), encoding="utf-8")
    click.echo(f"wrote {SCHEMA_FILE}")


if __name__ == "__main__":
    main()
