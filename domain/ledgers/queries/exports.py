"""What leaves the ledger as a file: the import template of a permit and a period's export (readings,
void ones included and marked; entries; exceedances). The portal writes them as CSV or XLSX
(``domain/spreadsheets.py``: typed text stays text).

Read side: no writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor
from domain.clock import CHINA, utcnow
from domain.errors import N_, FieldError, ValidationFailed
from domain.ledgers import files, rules
from domain.ledgers.models import Exceedance, LedgerEntry, MonitoringReading
from domain.ledgers.queries.ledger import LedgerContext, ledger_context
from domain.permits.reference import label, pollutant_name

MAX_EXPORT_READINGS = 200_000


TEMPLATE_COLUMNS = (
    "permit_number",
    "outlet",
    "pollutant",
    "method",
    "measured_at",
    "period_end",
    "concentration",
    "unit",
    "flow_m3",
    "quantity_kg",
)


@dataclass
class ImportTemplate:
    header: list[str]
    rows: list[list[str]]


async def import_template(
    session: AsyncSession, actor: Actor, *, permit_number: str, now: datetime | None = None
) -> ImportTemplate:
    """The header row (the Chinese column names) and one example row per outlet and pollutant, written as
    a Chinese office writes them: the pollutant's name (化学需氧量), the method in words (自动监测), the
    unit the permit's limit is in (无量纲 for pH). The file imports as it is once the concentrations are
    filled in; the concentration is left empty, so an unedited template is refused instead of imported."""
    context = await ledger_context(session, actor, permit_number=permit_number)
    moment = (now or utcnow()).astimezone(CHINA).replace(minute=0, second=0, microsecond=0)
    example_time = (moment - timedelta(days=1)).replace(hour=8).strftime("%Y-%m-%d %H:%M")
    header = [files.COLUMNS[name][1] for name in TEMPLATE_COLUMNS]
    rows = [
        [
            context.number,
            point.code,
            pollutant_name(limit.pollutant),
            label(point.method_for(limit.pollutant)),
            example_time,
            "",
            "",
            "无量纲" if limit.pollutant in rules.UNITLESS_ALLOWED else point.canonical_unit,
            "",
            "",
        ]
        for point, limit in context.pairs
    ]
    return ImportTemplate(header=header, rows=rows)


@dataclass
class ExportData:
    context: LedgerContext
    start: datetime
    end: datetime  # exclusive
    readings: list[Any]
    entries: list[LedgerEntry]
    exceedances: list[Exceedance]


async def export_period(
    session: AsyncSession, actor: Actor, *, permit_number: str, start: datetime, end: datetime
) -> ExportData:
    """Readings (void ones included, marked), entries and exceedances of [start, end) for a spreadsheet."""
    context = await ledger_context(session, actor, permit_number=permit_number)
    if end <= start:
        raise ValidationFailed([FieldError("to", "end_before_start", N_("The end is not after the start."))])
    table = MonitoringReading.__table__  # type: ignore[attr-defined]
    where = sa.and_(
        table.c.permit_id == context.permit.id, table.c.measured_at >= start, table.c.measured_at < end
    )
    connection = await session.connection()
    count = int(
        (await connection.execute(sa.select(sa.func.count()).select_from(table).where(where))).scalar_one()
    )
    if count > MAX_EXPORT_READINGS:
        raise ValidationFailed(
            [
                FieldError(
                    "to",
                    "too_many",
                    N_("{count} readings in this period; export at most {limit} at once."),
                    {"count": count, "limit": MAX_EXPORT_READINGS},
                )
            ]
        )
    readings = (
        await connection.execute(sa.select(table).where(where).order_by(table.c.measured_at, table.c.id))
    ).all()
    entries = (
        await session.exec(
            select(LedgerEntry)
            .where(
                LedgerEntry.permit_id == context.permit.id,
                col(LedgerEntry.period_start) >= start,
                col(LedgerEntry.period_start) < end,
            )
            .order_by(col(LedgerEntry.period_start), col(LedgerEntry.id))
        )
    ).all()
    exceedances = (
        await session.exec(
            select(Exceedance)
            .where(
                Exceedance.permit_id == context.permit.id,
                col(Exceedance.started_at) < end,
                col(Exceedance.ended_at) >= start,
            )
            .order_by(col(Exceedance.started_at))
        )
    ).all()
    return ExportData(context, start, end, list(readings), list(entries), list(exceedances))
