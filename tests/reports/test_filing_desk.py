"""The filing desk files the reports that arrive together in one transaction, each with its own outcome.

These tests use a database of their own (the desk commits for real, from its own task).
"""

import asyncio
from datetime import timedelta

import pytest
from sqlmodel import func, select

from domain.clock import today
from domain.db import Database
from domain.errors import NotFound, ValidationFailed
from domain.reports.filing import FilingDesk
from domain.reports.models import ExecutionReport, ReportSubmission
from domain.reports.queries.chain import verify_chain
from domain.reports.queries.editor import get_draft
from domain.reports.rollup.models import FilingRollupMark
from domain.reports.service import submission
from domain.reports.service.submission import Filing
from tests.factories import actor, make_enterprise, make_permit, make_user
from tests.reports.test_reports import last_full_quarter


async def units(db: Database, count: int):
    async with db.transaction() as session:
        made = []
        for _ in range(count):
            enterprise = await make_enterprise(session)
            decided = (today() - timedelta(days=700)).isoformat()
            permit = await make_permit(session, enterprise, decision_date=decided)
            staff = actor(await make_user(session, "enterprise_staff", enterprise=enterprise))
            made.append((permit, staff))
    return made


async def content_for(db: Database, permit, staff, label):
    async with db.read() as session:
        draft = await get_draft(session, staff, permit_number=permit.number, kind="quarterly", period=label)
    return draft.content


@pytest.fixture
async def fresh_db(fresh_database_url):
    database = Database(fresh_database_url)
    yield database
    await database.dispose()


async def test_filings_that_arrive_together_are_written_together_each_with_its_own_outcome(fresh_db):
    label = last_full_quarter()
    made = await units(fresh_db, 6)
    content = await content_for(fresh_db, *made[0], label)
    (first_permit, first_staff), (_other_permit, other_staff) = made[0], made[1]
    desk = FilingDesk(fresh_db)
    filings = [
        Filing(staff, permit.number, "quarterly", label, content, f"key-{i}")
        for i, (permit, staff) in enumerate(made)
    ]
    filings += [
        # a double click: the same filing again, same key
        Filing(first_staff, first_permit.number, "quarterly", label, content, "key-0"),
        # a correction in the same moment: a new version chained to the first
        Filing(
            first_staff, first_permit.number, "quarterly", label, {**content, "statement": "更正"}, "key-0b"
        ),
        # bad content: refused alone
        Filing(first_staff, first_permit.number, "quarterly", label, {"emissions": "none"}, "key-bad"),
        # someone else's permit: it does not exist for this clerk
        Filing(other_staff, first_permit.number, "quarterly", label, content, "key-foreign"),
    ]
    outcomes = await asyncio.gather(*(desk.file(f) for f in filings), return_exceptions=True)

    assert desk.batches < len(filings), "filings waiting together were written in one batch"
    receipts = [o.submission.receipt_number for o in outcomes[:6]]
    assert len(set(receipts)) == 6 and not any(o.replayed for o in outcomes[:6])
    double, correction, bad, foreign = outcomes[6:]
    assert double.replayed and double.submission.receipt_number == outcomes[0].submission.receipt_number
    assert correction.submission.version == 2
    assert correction.submission.previous_hash == outcomes[0].submission.content_hash
    assert isinstance(bad, ValidationFailed) and bad.errors[0].field.startswith("content")
    assert isinstance(foreign, NotFound)

    async with fresh_db.read() as session:
        rows = (await session.exec(select(func.count()).select_from(ReportSubmission))).one()
        assert rows == 7  # six first versions and one correction: nothing for the refused ones
        report = (
            await session.exec(select(ExecutionReport).where(ExecutionReport.id == correction.report.id))
        ).one()
        assert report.latest_version == 2
        assert report.first_submitted_at == outcomes[0].submission.received_at
        checked = await verify_chain(session, first_staff, report_id=report.id)
        assert checked.intact
        # The desk writes its reports without the ORM's flush: the filing rollup still hears of each first
        # filing (its worker recounts what the marks name), once per report.
        marks = (
            await session.exec(select(FilingRollupMark).where(FilingRollupMark.kind == "quarterly"))
        ).all()
        assert sorted((m.permit_id, m.kind, m.period) for m in marks) == sorted(
            (permit.id, "quarterly", label) for permit, _staff in made
        )


async def test_a_batch_that_fails_as_a_whole_is_filed_again_one_by_one(fresh_db, monkeypatch):
    label = last_full_quarter()
    made = await units(fresh_db, 4)
    content = await content_for(fresh_db, *made[0], label)
    real = submission.submit_reports
    sizes = []

    async def fails_for_batches(session, filings):
        sizes.append(len(filings))
        if len(filings) > 1:
            raise ConnectionError("the database went away mid-batch")
        return await real(session, filings)

    monkeypatch.setattr(submission, "submit_reports", fails_for_batches)
    desk = FilingDesk(fresh_db)
    filings = [Filing(staff, permit.number, "quarterly", label, content, "k") for permit, staff in made]
    outcomes = await asyncio.gather(*(desk.file(f) for f in filings))

    assert max(sizes) > 1 and sizes.count(1) >= len(filings)
    assert all(o.submission.version == 1 and not o.replayed for o in outcomes)
    async with fresh_db.read() as session:
        assert (await session.exec(select(func.count()).select_from(ReportSubmission))).one() == 4


async def test_an_unexpected_failure_reaches_only_its_own_caller(fresh_db, monkeypatch):
    label = last_full_quarter()
    made = await units(fresh_db, 3)
    content = await content_for(fresh_db, *made[0], label)
    real = submission.submit_reports
    doomed = made[1][0].number

    async def fails_for_one(session, filings):
        if any(f.permit_number == doomed for f in filings):
            raise ConnectionError("lost")
        return await real(session, filings)

    monkeypatch.setattr(submission, "submit_reports", fails_for_one)
    desk = FilingDesk(fresh_db)
    filings = [Filing(staff, permit.number, "quarterly", label, content, "k") for permit, staff in made]
    outcomes = await asyncio.gather(*(desk.file(f) for f in filings), return_exceptions=True)

    assert isinstance(outcomes[1], ConnectionError)
    assert outcomes[0].submission.version == 1 and outcomes[2].submission.version == 1
    # The desk keeps working afterwards.
    again = await desk.file(Filing(made[0][1], made[0][0].number, "quarterly", label, content, "k"))
    assert again.replayed
