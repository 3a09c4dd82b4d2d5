"""``domain.db.insert_rows``: many rows in one INSERT (on PostgreSQL as one JSON document), read back
exactly as the ORM would have written them, on both databases."""

from datetime import UTC, date, datetime

from sqlmodel import col, select

from domain.audit.models import AuditEntry
from domain.audit.service import entry_values, record_many
from domain.db import insert_rows
from domain.reports.models import ExecutionReport
from tests.factories import actor, make_enterprise, make_permit, make_user


async def test_rows_come_back_with_their_times_json_and_nulls_as_written(session):
    clerk = actor(await make_user(session, "enterprise_staff"))
    when = datetime(2027, 1, 15, 8, 30, 5, 123456, tzinfo=UTC)
    rows = [
        {
            **entry_values(
                clerk,
                action="report.submit",
                object_type="execution_report",
                object_id=f"91310000MA1FL0XX1X001P/annual/{year}",
                enterprise_id=None,
                after={"version": 1, "hash": "ab" * 32, "说明": '含"引号"与\\反斜杠', "ratio": 0.43},
            ),
            "occurred_at": when,
        }
        for year in (2025, 2026)
    ]
    rows[1]["after"] = None

    written = await insert_rows(session, AuditEntry.__table__, rows, returning=("id", "object_id"))

    assert sorted(object_id for _id, object_id in written) == [row["object_id"] for row in rows]
    stored = {
        e.object_id: e
        for e in (
            await session.exec(select(AuditEntry).where(col(AuditEntry.id).in_([i for i, _o in written])))
        ).all()
    }
    first, second = (stored[row["object_id"]] for row in rows)
    assert first.after == {"version": 1, "hash": "ab" * 32, "说明": '含"引号"与\\反斜杠', "ratio": 0.43}
    assert first.occurred_at == when
    assert first.actor_username == clerk.username and first.channel == clerk.channel
    assert first.before is None and second.after is None


async def test_no_rows_write_nothing(session):
    assert await insert_rows(session, AuditEntry.__table__, []) == []
    await record_many(session, [])
    assert (await session.exec(select(AuditEntry).where(AuditEntry.action == "report.submit"))).all() == []


async def test_rows_already_present_are_skipped_not_refused(session):
    enterprise = await make_enterprise(session)
    permit = await make_permit(session, enterprise)
    report = {
        "permit_id": permit.id,
        "enterprise_id": enterprise.id,
        "region_code": permit.region_code,
        "industry_code": permit.industry_code,
        "kind": "annual",
        "period": "2026",
        "period_start": date(2026, 1, 1),
        "period_end": date(2026, 12, 31),
        "due_date": date(2027, 1, 31),
        "on_time": None,
        "state": "draft",
        "latest_version": 0,
        "draft": {},
        "created_at": datetime.now(UTC),
    }
    unique = ("permit_id", "kind", "period")
    first = await insert_rows(
        session, ExecutionReport.__table__, [report], returning=("id",), unless_present=unique
    )
    again = await insert_rows(
        session,
        ExecutionReport.__table__,
        [
            report,
            {**report, "period": "2025", "period_start": date(2025, 1, 1), "period_end": date(2025, 12, 31)},
        ],
        returning=("id",),
        unless_present=unique,
    )
    assert len(first) == 1 and len(again) == 1  # only the 2025 report was new
    periods = (
        await session.exec(select(ExecutionReport.period).where(ExecutionReport.permit_id == permit.id))
    ).all()
    assert sorted(periods) == ["2025", "2026"]
    stored = (await session.exec(select(ExecutionReport).where(ExecutionReport.period == "2025"))).one()
    assert (stored.period_start, stored.due_date, stored.on_time, stored.draft) == (
        date(2025, 1, 1),
        date(2027, 1, 31),
        None,
        {},
    )
