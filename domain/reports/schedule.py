"""Which reports a permit requires and by when: the permit's copy (kinds, due days, folding) over the
deployment's default due days, planned by ``rules.plan``.

One place for the schedule page, the draft editor, reminders, the regulators' digest and filing rates,
so a period a permit does not owe (held too short, or covered by a longer report) is owed nowhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from functools import lru_cache

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.permits.models import Permit
from domain.permits.terms import PermitTerms, terms_of
from domain.reports import rules
from domain.settings import get_settings


def default_due_days() -> dict[str, int]:
    """The deployment's due days per kind (settings ``REPORT_DUE_DAYS``), over the specifications'."""
    return {**rules.DEFAULT_DUE_DAYS, **get_settings().report_due_days}


def report_terms(terms: PermitTerms, defaults: Mapping[str, int] | None = None) -> rules.ReportTerms:
    """The permit's report terms, the due days its copy is silent on taken from the deployment."""
    due_days = {**(defaults if defaults is not None else default_due_days()), **dict(terms.report_due_days)}
    return rules.ReportTerms(terms.report_kinds, due_days, terms.report_folding)


Plan = tuple[tuple[rules.PlannedPeriod, ...], dict[tuple[str, str], rules.PlannedPeriod]]


@lru_cache(maxsize=4096)
def _plan(
    kinds: tuple[str, ...], due_days: tuple[tuple[str, int], ...], folding: bool, first: date, last: date
) -> Plan:
    """A permit's plan, remembered: the same terms and validity always plan the same (about 1 ms for five
    years of four kinds, otherwise paid again for every filing at a deadline). Callers do not mutate it."""
    planned = tuple(rules.plan(rules.ReportTerms(kinds, dict(due_days), folding), first, last))
    return planned, {(item.kind, item.period.label): item for item in planned}


def _planned(permit: Permit, terms: PermitTerms, defaults: Mapping[str, int] | None) -> Plan:
    if permit.valid_from is None or permit.valid_until is None:
        return (), {}
    report = report_terms(terms, defaults)
    due_days = tuple(sorted(report.due_days.items()))
    return _plan(report.kinds, due_days, report.folding, permit.valid_from, permit.valid_until)


def permit_plan(
    permit: Permit,
    terms: PermitTerms,
    *,
    until: date | None = None,
    defaults: Mapping[str, int] | None = None,
) -> list[rules.PlannedPeriod]:
    """Every period of the permit's validity (begun by ``until``, when given), oldest first."""
    planned, _by_key = _planned(permit, terms, defaults)
    return [item for item in planned if until is None or item.begins <= until]


def planned_period(
    permit: Permit, terms: PermitTerms, kind: str, label: str, *, defaults: Mapping[str, int] | None = None
) -> rules.PlannedPeriod | None:
    """One period of the permit's plan, or None when its validity does not touch it."""
    return _planned(permit, terms, defaults)[1].get((kind, label))


async def owing(
    session: AsyncSession, permits: Sequence[Permit], kind: str, label: str
) -> list[tuple[Permit, rules.PlannedPeriod]]:
    """Those of the permits that owe the report of a kind and period, with its due date under each: a
    permit held too short a time in the period, or whose longer report stands for it, does not owe it."""
    terms = await terms_of(session, permits)
    defaults = default_due_days()
    found = []
    for permit in permits:
        assert permit.id is not None
        if kind not in terms[permit.id].report_kinds:
            continue
        item = planned_period(permit, terms[permit.id], kind, label, defaults=defaults)
        if item is not None and item.owed:
            found.append((permit, item))
    return found
