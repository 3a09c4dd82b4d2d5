"""The province generator (issue 19): its readings are what the ledger's rule makes of their values, each
with its change event; three years of first filings written in bulk hold to
what the product checks of a filing: every report's hash chain passes the chain check, the stored
findings are those the audit rules give the content against the period's ledger, and each submission has
its audit entry, its change events and its notices to the reviewing departments, stamped when filed.
PostgreSQL only, as the province generator is."""

from __future__ import annotations

import pytest
from sqlmodel import col, func, select

from demo import scale
from demo.generated import generate
from domain.access import operator
from domain.audit.models import AuditEntry
from domain.changes.models import ChangeEvent
from domain.clock import utcnow
from domain.ledgers.lookup import points_of
from domain.ledgers.models import MonitoringReading
from domain.ledgers.rules import ReadingInput, check_reading
from domain.notifications.models import Notification
from domain.permits.models import Permit
from domain.permits.terms import terms_of
from domain.reports import checks, facts
from domain.reports.departments import REVIEWING_DEPARTMENTS
from domain.reports.models import AuditFinding, ExecutionReport, ReportSubmission
from domain.reports.queries.chain import verify_chain
from tests.conftest import database_kind
from tests.factories import make_user

pytestmark = pytest.mark.skipif(
    database_kind() != "postgresql", reason="the province generator writes PostgreSQL only"
)


async def test_bulk_first_filings_pass_the_chain_check_and_keep_the_rules_findings(db, session):  # type: ignore[no-untyped-def]
    await generate(session, operator("demo"), start=64, total=76, progress=None)
    reviewers = [await make_user(session, role, region_code="310107") for role in REVIEWING_DEPARTMENTS]
    filers = await scale._filers(db, lambda _line: None, after=0)
    assert filers
    filed = await scale._file_reports(db, filers, lambda _line: None, workers=1)
    assert filed > 20
    submissions = (await session.exec(select(ReportSubmission).order_by(col(ReportSubmission.id)))).all()
    assert len(submissions) == filed
    for submission in submissions:
        verification = await verify_chain(session, operator(), report_id=submission.report_id)
        assert verification.intact, (submission.receipt_number, verification.problems)
    for submission in submissions[:: max(1, filed // 12)]:
        report = await session.get(ExecutionReport, submission.report_id)
        assert report is not None and report.first_submitted_at == submission.received_at
        permit = await session.get(Permit, report.permit_id)
        assert permit is not None
        period = await checks.scheduled_period(session, permit, report.kind, report.period)
        expected = await facts.findings(session, permit, report.kind, period, submission.content)
        stored = (
            await session.exec(
                select(AuditFinding)
                .where(AuditFinding.submission_id == submission.id)
                .order_by(col(AuditFinding.id))
            )
        ).all()
        assert [(f.rule_code, f.severity, f.field) for f in stored] == [
            (f.code, f.severity, f.field) for f in expected
        ]
        assert submission.error_count == sum(1 for f in expected if f.severity == "error")
    entries = (
        await session.exec(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "report.submit")
        )
    ).one()
    events = (
        await session.exec(
            select(func.count())
            .select_from(ChangeEvent)
            .where(ChangeEvent.object_type == "REPORT_SUBMISSION", ChangeEvent.action == "report.submit")
        )
    ).one()
    assert entries == events == filed
    stamped = (
        await session.exec(
            select(Notification.created_at).where(
                Notification.user_id == reviewers[0].id, col(Notification.link).like("/review/%")
            )
        )
    ).all()
    received = {s.received_at for s in submissions}
    assert stamped and all(any(0 <= (t - r).total_seconds() < 1 for r in received) for t in stamped)


async def test_generated_readings_are_what_the_ledger_rule_makes_each_with_its_change_event(session):  # type: ignore[no-untyped-def]
    await generate(session, operator("demo"), start=64, total=80, progress=None)
    (permit, outlet, pollutants), *_ = await scale.monitored_outlets(session, 1)
    end = utcnow().replace(minute=0, second=0, microsecond=0)
    written = await scale.outlet_readings(session, permit, outlet, pollutants, end=end, hours=72)
    assert written == 72 * len(pollutants)
    readings = (
        await session.exec(select(MonitoringReading).where(MonitoringReading.permit_id == permit.id))
    ).all()
    assert len(readings) == written
    points = points_of((await terms_of(session, [permit]))[permit.id or 0])
    for reading in readings[::7]:
        checked, problems = check_reading(
            ReadingInput(
                outlet,
                reading.pollutant,
                "automatic",
                reading.measured_at,
                reading.concentration,
                reading.unit,
                flow_m3=reading.flow_m3,
            ),
            points,
            utcnow(),
        )
        assert not problems and checked is not None
        assert (checked.concentration, checked.quantity_kg) == (reading.concentration, reading.quantity_kg)
        assert reading.concentration < points[outlet].limits[reading.pollutant]
    events = (
        await session.exec(
            select(ChangeEvent.object_id).where(
                ChangeEvent.object_type == "READING", ChangeEvent.object_key == permit.number
            )
        )
    ).all()
    assert sorted(events) == sorted(r.id for r in readings)
