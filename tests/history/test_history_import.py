"""Importing a unit's history from the national platform: original dates kept, marked with the source,
chained before anything filed here, all or nothing, idempotent (docs/integrators.md)."""

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DatabaseError
from sqlmodel import col, func, select

from demo.examples import example_records
from domain.audit.models import AuditEntry
from domain.enterprises.models import Enterprise
from domain.errors import Conflict, PermissionDenied
from domain.history import applications as applications_module
from domain.history.models import DEFAULT_SOURCE, HistoryImport
from domain.history.service import HistoryRejected, import_history
from domain.permits.models import Permit, PermitApplication, PermitVersion
from domain.permits.queries.deadlines import application_steps
from domain.reports.models import ExecutionReport, ReportSubmission
from domain.reports.queries.chain import verify_chain
from tests.factories import actor, file_report, make_enterprise, make_user

SAMPLE = Path(__file__).resolve().parents[2] / "web_templates/static/examples/national-history.jsonl"


async def putuo(session):
    """The demo city's two Putuo units the sample is about, and the Putuo permitting section."""
    for record in example_records():
        await make_enterprise(
            session,
            credit_code=record["enterprise_credit_code"],
            region_code="310107",
            management_category=record["category"],
        )
    return actor(await make_user(session, "permitting", region_code="310107"))


def lines() -> list[dict]:
    return [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines()]


def as_file(records: list[dict]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()


async def count(session, model) -> int:
    return (await session.exec(select(func.count()).select_from(model))).one()


async def counts(session) -> tuple[int, ...]:
    return tuple(
        [
            await count(session, model)
            for model in (
                Permit,
                PermitVersion,
                PermitApplication,
                ReportSubmission,
                HistoryImport,
                AuditEntry,
            )
        ]
    )


async def test_the_sample_file_imports_with_its_original_dates_marked_with_its_source(session):
    officer = await putuo(session)
    result = await import_history(session, officer, file_name=SAMPLE.name, data=SAMPLE.read_bytes())
    assert (result.permits, result.versions, result.applications, result.submissions) == (2, 4, 5, 3)
    assert result.batch is not None and result.batch.source == DEFAULT_SOURCE
    a, b = (record["number"] for record in example_records())
    permit = (await session.exec(select(Permit).where(Permit.number == a))).one()
    assert (permit.content_version, permit.valid_from, permit.valid_until) == (
        2,
        date(2025, 9, 15),
        date(2030, 9, 14),
    )
    assert permit.imported_from == DEFAULT_SOURCE and permit.import_batch_id == result.batch.id
    versions = (
        await session.exec(
            select(PermitVersion)
            .where(PermitVersion.permit_id == permit.id)
            .order_by(col(PermitVersion.version))
        )
    ).all()
    assert [(v.version, v.reason, v.decision_date) for v in versions] == [
        (1, "first", date(2020, 9, 15)),
        (2, "renewal", date(2025, 9, 10)),
    ]
    assert {v.imported_from for v in versions} == {DEFAULT_SOURCE}
    # Report submissions keep the platform's time, not now; the first one fixes the on-time judgement.
    quarter = (
        await session.exec(
            select(ExecutionReport).where(
                ExecutionReport.permit_id == permit.id, ExecutionReport.period == "2024-Q3"
            )
        )
    ).one()
    first = datetime(2024, 10, 15, 15, 30, tzinfo=UTC)  # 23:30 in China on the due date
    assert quarter.first_submitted_at.replace(tzinfo=UTC) == first
    assert (quarter.due_date, quarter.on_time, quarter.latest_version, quarter.state) == (
        date(2024, 10, 15),
        True,
        2,
        "accepted",
    )
    annual = (
        await session.exec(
            select(ExecutionReport).where(
                ExecutionReport.permit_id == permit.id, ExecutionReport.period == "2024"
            )
        )
    ).one()
    assert (annual.due_date, annual.on_time) == (date(2025, 1, 31), False)  # received 1 February 2025
    assert result.late_reports == [f"{a}/annual/2024"]
    submissions = (
        await session.exec(
            select(ReportSubmission)
            .where(ReportSubmission.report_id == quarter.id)
            .order_by(col(ReportSubmission.version))
        )
    ).all()
    assert [s.receipt_number[:9] for s in submissions] == ["R20241015", "R20241021"]
    assert {s.imported_from for s in submissions} == {DEFAULT_SOURCE}
    chain = await verify_chain(session, officer, report_id=quarter.id)
    assert chain.intact and submissions[1].previous_hash == submissions[0].content_hash
    # The audit trail: the importing person, server time, the original dates apart.
    entries = (
        await session.exec(select(AuditEntry).where(col(AuditEntry.action).startswith("history.import")))
    ).all()
    assert len(entries) == 1 + 4 + 5 + 3
    assert {e.actor_username for e in entries} == {officer.username} and {
        e.on_behalf_of for e in entries
    } == {None}
    submitted = next(
        e
        for e in entries
        if e.action == "history.import.submission" and e.after["version"] == 1 and "Q3" in e.object_id
    )
    assert submitted.after["original"]["received_at"] == "2024-10-15T15:30:00+00:00"
    assert submitted.occurred_at.year == datetime.now(UTC).year


async def test_time_limits_of_imported_applications_count_the_holidays_of_their_year(session):
    officer = await putuo(session)
    await import_history(session, officer, file_name=SAMPLE.name, data=SAMPLE.read_bytes())
    change = (
        await session.exec(
            select(PermitApplication).where(PermitApplication.platform_id == "BG-2024-310107-0017")
        )
    ).one()
    # Received on 8 February 2024, the eve of the Spring Festival holiday (10-17 February, 18 February a
    # working Sunday): the 3 working days of acceptance run to 19 February: accepted that day, in time.
    steps = application_steps(change)
    assert steps.acceptance.date == date(2024, 2, 19) and not steps.acceptance.missed
    assert (change.received_on, change.accepted_on, change.decided_on) == (
        date(2024, 2, 8),
        date(2024, 2, 19),
        date(2024, 2, 27),
    )
    refused = (
        await session.exec(
            select(PermitApplication).where(PermitApplication.platform_id == "BG-2024-310107-0099")
        )
    ).one()
    # Received 27 September 2024: National Day (1-7 October, 29 September a working Sunday) -> 8 October.
    assert refused.accept_due == date(2024, 10, 8) and not application_steps(refused).acceptance.missed


async def test_an_acceptance_after_the_holiday_limit_is_shown_as_missed(session):
    officer = await putuo(session)
    records = lines()
    late = next(r for r in records if r.get("platform_id") == "BG-2024-310107-0017")
    late.update(accepted_on="2024-02-20")
    await import_history(session, officer, file_name="late.jsonl", data=as_file(records))
    change = (
        await session.exec(
            select(PermitApplication).where(PermitApplication.platform_id == "BG-2024-310107-0017")
        )
    ).one()
    steps = application_steps(change)
    assert steps.acceptance.date == date(2024, 2, 19) and steps.acceptance.missed


async def test_importing_the_same_file_again_writes_nothing(session):
    officer = await putuo(session)
    await import_history(session, officer, file_name=SAMPLE.name, data=SAMPLE.read_bytes())
    before = await counts(session)
    again = await import_history(session, officer, file_name=SAMPLE.name, data=SAMPLE.read_bytes())
    assert again.batch is None and again.written == 0 and again.skipped == 4 + 5 + 3
    assert await counts(session) == before


async def test_a_file_that_contradicts_what_was_imported_is_refused_and_writes_nothing(session):
    officer = await putuo(session)
    await import_history(session, officer, file_name=SAMPLE.name, data=SAMPLE.read_bytes())
    before = await counts(session)
    records = lines()
    records[9]["received_at"] = "2024-10-14T09:00:00+08:00"  # the first filing of 2024-Q3, moved
    records[4]["decided_on"] = "2020-09-09"
    with pytest.raises(HistoryRejected) as caught:
        await import_history(session, officer, file_name="changed.jsonl", data=as_file(records))
    found = {(p.row, p.field, p.code) for p in caught.value.rows}
    assert found == {(5, "platform_id", "conflict"), (10, "version", "conflict")}
    assert await counts(session) == before


async def test_bad_rows_are_listed_by_line_and_field_and_nothing_is_written(session):
    officer = await putuo(session)
    before = await counts(session)
    records = lines()
    records[0]["enterprise_credit_code"] = records[0]["enterprise_credit_code"][:17] + "X"  # check digit
    records[1]["decision_date"] = "9999-01-01"
    records[2]["valid_from"] = "0001-01-01"
    records[3]["issuing_authority"] = '=HYPERLINK("http://x")'
    records[5]["permit_number"] = "91310107000000099X001P"  # no such permit
    records[6]["received_on"] = "2021-10-18\u0000"
    data = as_file(records)
    with pytest.raises(HistoryRejected) as caught:
        await import_history(session, officer, file_name="bad.jsonl", data=data)
    found = {(p.row, p.field, p.code) for p in caught.value.rows}
    assert (1, "enterprise_credit_code", "credit_code_check") in found
    assert (2, "decision_date", "date_range") in found
    assert (3, "valid_from", "date_range") in found
    assert (4, "issuing_authority", "formula") in found
    assert (6, "permit_number", "not_found") in found
    assert (7, "received_on", "nul") in found
    fields = {e.field for e in caught.value.errors}
    assert "rows[1].enterprise_credit_code" in fields
    assert await counts(session) == before


async def test_a_line_that_is_not_json_and_an_unknown_type_are_named(session):
    officer = await putuo(session)
    data = b'{"type": "permit"}\nnot json\n\x00\n'
    with pytest.raises(HistoryRejected) as caught:
        await import_history(session, officer, file_name="x.jsonl", data=data)
    assert {(p.row, p.code) for p in caught.value.rows} == {(1, "choice"), (2, "json"), (3, "nul")}


async def test_only_those_who_import_permits_may_import_history(session):
    await putuo(session)
    inspector = actor(await make_user(session, "enforcement", region_code="310107"))
    with pytest.raises(PermissionDenied):
        await import_history(session, inspector, file_name=SAMPLE.name, data=SAMPLE.read_bytes())
    elsewhere = actor(await make_user(session, "permitting", region_code="310104"))
    with pytest.raises(HistoryRejected) as caught:
        await import_history(session, elsewhere, file_name=SAMPLE.name, data=SAMPLE.read_bytes())
    assert {p.code for p in caught.value.rows} == {"outside_jurisdiction"}


async def test_imported_submissions_stay_append_only(session):
    officer = await putuo(session)
    await import_history(session, officer, file_name=SAMPLE.name, data=SAMPLE.read_bytes())
    await session.commit()
    for statement in (
        sa.update(ReportSubmission)
        .where(ReportSubmission.imported_from.is_not(None))
        .values(imported_from=None),
        sa.delete(ReportSubmission).where(ReportSubmission.imported_from.is_not(None)),
    ):
        with pytest.raises(DatabaseError):
            async with session.begin_nested():
                await session.exec(statement)


async def test_a_filing_here_continues_the_imported_chain_and_no_history_goes_before_it(session, db):
    officer = await putuo(session)
    await import_history(session, officer, file_name=SAMPLE.name, data=SAMPLE.read_bytes())
    number = example_records()[0]["number"]
    permit = (await session.exec(select(Permit).where(Permit.number == number))).one()
    enterprise = await session.get(Enterprise, permit.enterprise_id)
    staff = actor(await make_user(session, "enterprise_staff", enterprise=enterprise))
    await session.flush()
    content = {"statement": "2024年度执行报告（更正）。", "production": {"operating_days": 331}}
    local = await file_report(db, staff, permit, "2024", content, "local-1", kind="annual")
    imported = (
        await session.exec(
            select(ReportSubmission).where(
                ReportSubmission.report_id == local.report.id, ReportSubmission.version == 1
            )
        )
    ).one()
    assert local.submission.version == 2 and local.submission.previous_hash == imported.content_hash
    assert local.submission.imported_from is None
    report = await session.get(ExecutionReport, local.report.id)
    await session.refresh(report)
    assert report.first_submitted_at.replace(tzinfo=UTC) == datetime(2025, 2, 1, 0, 5, tzinfo=UTC)
    assert report.on_time is False  # judged on the platform's first time, not the filing here
    assert (await verify_chain(session, officer, report_id=report.id)).intact
    later = {
        "type": "submission",
        "permit_number": number,
        "kind": "annual",
        "period": "2024",
        "received_at": "2025-03-01T09:00:00+08:00",
        "submitted_by": "张敏",
        "content": {"statement": "平台上的第二版。"},
    }
    for version, code in ((2, "conflict"), (3, "filed_here")):
        with pytest.raises(HistoryRejected) as caught:
            await import_history(
                session,
                officer,
                file_name="later.jsonl",
                data=as_file([*lines(), {**later, "version": version}]),
            )
        assert {(p.row, p.code) for p in caught.value.rows} == {(13, code)}


async def test_two_imports_of_one_file_at_the_same_moment_write_it_once(session, monkeypatch):
    """An import that read before another wrote the same applications meets the database's unique index
    when it writes: refused as a conflict, nothing of it written."""
    officer = await putuo(session)
    await import_history(session, officer, file_name=SAMPLE.name, data=SAMPLE.read_bytes())
    before = await counts(session)
    real_select = applications_module.select
    monkeypatch.setattr(applications_module, "select", lambda *e: real_select(*e).where(sa.false()))
    with pytest.raises(Conflict):
        await import_history(session, officer, file_name=SAMPLE.name, data=SAMPLE.read_bytes())
    assert await counts(session) == before
