"""The terms of one permit version (outlets, limits, monitoring and ledger requirements, report kinds),
read once and kept in memory.

A permit version never changes once written: a change, renewal or correction writes a new version
and moves ``permit.content_version`` on. So the terms of ``(permit id, version)`` may be cached for the
life of the process, in every process alike, with nothing to invalidate. Hot paths (a report filing,
a batch of readings) then read the permit's terms without a query.

Only committed versions ever reach the cache: a transaction sees other transactions' versions only once
they are committed, and the use cases that write a version do not read terms in the same transaction.
Tests that roll back between cases (SQLite reuses row ids after a rollback) call ``forget_all``.
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.permits.models import (
    Permit,
    PermitLedgerRequirement,
    PermitLimit,
    PermitMonitoring,
    PermitOutlet,
    PermitVersion,
)

REPORT_KIND_ORDER = ("monthly", "quarterly", "semiannual", "annual")
CACHE_SIZE = 20_000  # a few KB each: a city's permits, several times over


@dataclass(frozen=True)
class OutletTerm:
    code: str
    name: str
    is_fugitive: bool
    medium: str | None  # air / water; None for fugitive sources
    kind: str | None  # main / general / special; None for fugitive sources


@dataclass(frozen=True)
class LimitTerm:
    point: str
    pollutant: str
    concentration_limit: float
    unit: str
    annual_quantity_limit: float | None


@dataclass(frozen=True)
class MonitoringTerm:
    point: str
    pollutant: str
    frequency: str
    method: str


@dataclass(frozen=True)
class LedgerTerm:
    kind: str
    frequency: str


@dataclass(frozen=True)
class PermitTerms:
    permit_id: int
    version: int
    report_kinds: tuple[str, ...]  # in the order monthly, quarterly, semiannual, annual
    outlets: tuple[OutletTerm, ...]
    limits: tuple[LimitTerm, ...]
    monitoring: tuple[MonitoringTerm, ...]
    ledger_requirements: tuple[LedgerTerm, ...]
    # The report timing the permit's copy states (day of the month after the period, per kind; kinds it
    # is silent on take the deployment's defaults) and whether it lets longer reports stand for shorter.
    report_due_days: tuple[tuple[str, int], ...] = ()
    report_folding: bool = False

    def outlet(self, code: str) -> OutletTerm | None:
        for outlet in self.outlets:
            if outlet.code == code:
                return outlet
        return None


_cache: OrderedDict[tuple[int, int], PermitTerms] = OrderedDict()


async def permit_terms(session: AsyncSession, permit: Permit) -> PermitTerms:
    """The terms of the permit's version in force (from memory after the first read)."""
    assert permit.id is not None
    return (await terms_of(session, [permit]))[permit.id]


READ_CHUNK = 5_000


async def terms_of(session: AsyncSession, permits: Sequence[Permit]) -> dict[int, PermitTerms]:
    """The terms of many permits' versions in force; those not yet in memory read in five queries per
    ``READ_CHUNK`` permits."""
    found: dict[int, PermitTerms] = {}
    missing: dict[tuple[int, int], Permit] = {}
    for permit in permits:
        assert permit.id is not None
        key = (permit.id, permit.content_version)
        terms = _cache.get(key)
        if terms is None:
            missing[key] = permit
        else:
            _cache.move_to_end(key)
            found[permit.id] = terms
    wanted = sorted(missing)
    # A few thousand permits a read: a province's district holds more permits than a statement may have
    # parameters (65,535 on PostgreSQL; the filing rollup's rebuild reads a district at a time).
    for start in range(0, len(wanted), READ_CHUNK):
        for key, terms in (await _read(session, wanted[start : start + READ_CHUNK])).items():
            _cache[key] = found[key[0]] = terms
    while len(_cache) > CACHE_SIZE:
        _cache.popitem(last=False)
    return found


def forget_all() -> None:
    _cache.clear()


async def _read(session: AsyncSession, keys: list[tuple[int, int]]) -> dict[tuple[int, int], PermitTerms]:
    ids = sorted({permit_id for permit_id, _version in keys})
    wanted = set(keys)

    async def rows(model: Any, names: tuple[str, ...], *order: str) -> dict[tuple[int, int], list[Any]]:
        # Plain rows of the columns the terms keep (no ORM objects: at a deadline every filing process
        # reads the terms of thousands of permits it has not seen), of the versions wanted only.
        table = model.__table__
        grouped: dict[tuple[int, int], list[Any]] = defaultdict(list)
        statement = (
            sa.select(table.c.permit_id, table.c.version, *(table.c[name] for name in names))
            .where(
                table.c.permit_id.in_(ids),
                table.c.version.in_(sorted({version for _permit_id, version in keys})),
            )
            .order_by(*(table.c[name] for name in order))
        )
        for row in (await session.exec(statement)).all():  # type: ignore[call-overload]
            if (row.permit_id, row.version) in wanted:
                grouped[(row.permit_id, row.version)].append(row)
        return grouped

    versions = await rows(PermitVersion, ("content",), "id")
    outlets = await rows(PermitOutlet, ("code", "name", "is_fugitive", "medium", "kind"), "code")
    limits = await rows(
        PermitLimit,
        ("point_code", "pollutant", "concentration_limit", "unit", "annual_quantity_limit"),
        "point_code",
        "id",
    )
    monitoring = await rows(PermitMonitoring, ("point_code", "pollutant", "frequency", "method"), "id")
    ledger = await rows(PermitLedgerRequirement, ("kind", "frequency"), "id")
    found: dict[tuple[int, int], PermitTerms] = {}
    for permit_id, version in keys:
        key = (permit_id, version)
        content = versions[key][0].content if versions.get(key) else {}
        kinds = content.get("report_kinds", []) if isinstance(content, dict) else []
        due_days = content.get("report_due_days") if isinstance(content, dict) else None
        found[key] = PermitTerms(
            permit_id=permit_id,
            version=version,
            report_kinds=tuple(k for k in REPORT_KIND_ORDER if k in kinds),
            outlets=tuple(
                OutletTerm(o.code, o.name, o.is_fugitive, o.medium, o.kind) for o in outlets.get(key, [])
            ),
            limits=tuple(
                LimitTerm(
                    lim.point_code,
                    lim.pollutant,
                    lim.concentration_limit,
                    lim.unit,
                    lim.annual_quantity_limit,
                )
                for lim in limits.get(key, [])
            ),
            monitoring=tuple(
                MonitoringTerm(m.point_code, m.pollutant, m.frequency, m.method)
                for m in monitoring.get(key, [])
            ),
            ledger_requirements=tuple(LedgerTerm(r.kind, r.frequency) for r in ledger.get(key, [])),
            report_due_days=tuple(
                (kind, int(day))
                for kind, day in sorted((due_days or {}).items())
                if kind in REPORT_KIND_ORDER and isinstance(day, int)
            ),
            report_folding=bool(isinstance(content, dict) and content.get("report_folding")),
        )
    return found
