"""The filing desk's bulk path for first filings (``first_filings.file_first_reports``, used to load a
province's history) asks of each filing what a single filing is asked: the filer must be allowed to
write the permit's reports, and one refused filing refuses the batch with nothing written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import func, select

from domain.clock import today, utcnow
from domain.errors import NotFound, PermissionDenied, ValidationFailed
from domain.permits.terms import terms_of
from domain.reports import schedule as plans
from domain.reports.models import ExecutionReport, ReportSubmission
from domain.reports.service.first_filings import FirstFiling, file_first_reports
from tests.factories import actor, make_enterprise, make_permit, make_user


async def _first_owed(session, permit):  # type: ignore[no-untyped-def]
    terms = (await terms_of(session, [permit]))[permit.id]
    return next(
        item
        for item in plans.permit_plan(permit, terms, until=today() - timedelta(days=1))
        if item.owed and item.kind == "annual"
    )


async def _count(session, model) -> int:  # type: ignore[no-untyped-def]
    return int((await session.exec(select(func.count()).select_from(model))).one())


async def test_a_filer_of_another_unit_refuses_the_batch_and_nothing_is_written(session):  # type: ignore[no-untyped-def]
    unit = await make_enterprise(session, name="批量首报公司")
    permit = await make_permit(session, unit, decision_date=(today() - timedelta(days=800)).isoformat())
    own = actor(await make_user(session, "enterprise_staff", enterprise=unit))
    other_unit = await make_enterprise(session, name="他家公司")
    stranger = actor(await make_user(session, "enterprise_staff", enterprise=other_unit))
    item = await _first_owed(session, permit)
    moment = utcnow() - timedelta(days=1)
    good = FirstFiling(own, permit, item, {}, "first-own", moment)
    foreign = FirstFiling(stranger, permit, item, {}, "first-foreign", moment)
    with pytest.raises((PermissionDenied, NotFound)):
        await file_first_reports(session, [good, foreign])
    assert await _count(session, ExecutionReport) == 0 and await _count(session, ReportSubmission) == 0
    with pytest.raises(ValidationFailed) as refused:
        await file_first_reports(session, [FirstFiling(own, permit, item, {}, "", moment)])
    assert "idempotency_key" in {error.field for error in refused.value.errors}
    assert await _count(session, ReportSubmission) == 0
