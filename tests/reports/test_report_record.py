"""The record of filed reports cannot be rewritten, not even around the triggers (issue 12).

Every form of overwrite is refused by the database itself (SQLite's REPLACE included), the report row's
first submission time and on-time flag are fixed once set, and the chain check notices what a person
with the database owner's rights could still do after dropping a trigger: an altered first time, an
altered on-time flag, a removed newest submission.
"""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DatabaseError
from sqlmodel import func, select

from domain.reports.models import AuditFinding, ReportSubmission
from domain.reports.queries.chain import verify_chain
from domain.reports.queries.editor import get_draft
from tests.reports.test_reports import last_full_quarter, submit, unit

COLUMNS = (
    "id, report_id, version, received_at, submitted_by, on_behalf_of, content, content_hash, "
    "previous_hash, receipt_number, idempotency_key, error_count, warning_count"
)
FORGED = COLUMNS.replace("submitted_by", "'mallory'")


async def filed_twice(session, db):
    """A report with versions 1 and 2, flushed so raw SQL sees them."""
    permit, staff, _officer = await unit(session)
    label = last_full_quarter()
    draft = await get_draft(session, staff, permit_number=permit.number, kind="quarterly", period=label)
    await submit(db, staff, permit, label, draft.content, "first")
    second = await submit(db, staff, permit, label, {**draft.content, "statement": "v2"}, "second")
    await session.flush()
    return staff, second


async def refused(connection, statement: str, match: str = "append-only|keeps its first submission") -> None:
    savepoint = await connection.begin_nested()
    with pytest.raises(DatabaseError, match=match):
        await connection.execute(sa.text(statement))
    await savepoint.rollback()


async def submitted_by(session, submission_id: int) -> str:
    session.expire_all()
    row = await session.get(ReportSubmission, submission_id)
    return row.submitted_by


async def test_no_form_of_overwrite_replaces_a_submission(session, connection, db):
    staff, second = await filed_twice(session, db)
    rid, sid = second.report.id, second.submission.id
    where = f"FROM report_submission WHERE id = {sid}"
    statements = [
        f"INSERT INTO report_submission ({COLUMNS}) SELECT {FORGED} {where} "
        "ON CONFLICT (id) DO UPDATE SET submitted_by = excluded.submitted_by",
        f"INSERT INTO report_submission ({COLUMNS}) SELECT {FORGED} {where} "
        "ON CONFLICT (report_id, version) DO UPDATE SET submitted_by = excluded.submitted_by",
    ]
    if connection.dialect.name == "sqlite":
        # REPLACE deletes the conflicting row without firing DELETE triggers: the same id, or a new id
        # with the same version, would swap the evidence.
        statements += [
            f"REPLACE INTO report_submission ({COLUMNS}) SELECT {FORGED} {where}",
            f"INSERT OR REPLACE INTO report_submission ({COLUMNS}) SELECT {FORGED} {where}",
            f"REPLACE INTO report_submission ({COLUMNS}) SELECT {FORGED.replace('id, ', 'id + 1000, ', 1)} "
            f"{where}",
            f"UPDATE OR REPLACE report_submission SET submitted_by = 'mallory' WHERE id = {sid}",
        ]
    else:
        statements += [
            "TRUNCATE report_submission CASCADE",
            "TRUNCATE execution_report CASCADE",
            "TRUNCATE audit_finding",
        ]
    for statement in statements:
        await refused(connection, statement)
    assert await submitted_by(session, sid) == staff.username
    assert (await session.exec(select(func.count()).select_from(ReportSubmission))).one() == 2
    assert (await verify_chain(session, staff, report_id=rid)).intact


async def test_findings_stored_with_a_submission_cannot_be_changed_or_removed(session, connection, db):
    _staff, second = await filed_twice(session, db)
    finding = (await session.exec(select(AuditFinding))).first()
    if finding is None:
        pytest.skip("the draft raised no finding")  # pragma: no cover - the factory permit always has some
    for statement in (
        f"UPDATE audit_finding SET severity = 'info' WHERE id = {finding.id}",
        f"DELETE FROM audit_finding WHERE id = {finding.id}",
    ):
        await refused(connection, statement)
    if connection.dialect.name == "sqlite":
        await refused(
            connection,
            "REPLACE INTO audit_finding (id, submission_id, rule_code, severity, field, message, params) "
            f"SELECT id, submission_id, rule_code, 'info', field, message, params FROM audit_finding "
            f"WHERE id = {finding.id}",
        )


async def test_the_first_submission_time_and_on_time_flag_cannot_be_updated(session, connection, db):
    _staff, second = await filed_twice(session, db)
    rid = second.report.id
    for statement in (
        f"UPDATE execution_report SET first_submitted_at = '2020-01-01 00:00:00' WHERE id = {rid}",
        f"UPDATE execution_report SET on_time = NOT on_time WHERE id = {rid}",
        f"UPDATE execution_report SET first_submitted_at = NULL, on_time = NULL WHERE id = {rid}",
        f"UPDATE execution_report SET latest_version = 1 WHERE id = {rid}",
        f"UPDATE execution_report SET head_hash = '{'0' * 64}' WHERE id = {rid}",
        f"UPDATE execution_report SET due_date = '2099-12-31' WHERE id = {rid}",
        f"DELETE FROM execution_report WHERE id = {rid}",
    ):
        await refused(connection, statement, match="keeps its first submission")
    if connection.dialect.name == "sqlite":
        await refused(
            connection,
            f"REPLACE INTO execution_report SELECT * FROM execution_report WHERE id = {rid}",
            match="keeps its first submission",
        )


async def _drop(connection, sqlite_trigger: str, table: str, postgresql_trigger: str) -> None:
    """What someone with the owner's rights can do: take a guard away."""
    if connection.dialect.name == "postgresql":
        await connection.execute(sa.text(f"ALTER TABLE {table} DISABLE TRIGGER {postgresql_trigger}"))
    else:
        await connection.execute(sa.text(f"DROP TRIGGER {sqlite_trigger}"))


async def test_a_first_time_changed_behind_the_triggers_breaks_the_chain(session, connection, db):
    staff, second = await filed_twice(session, db)
    rid = second.report.id
    assert (await verify_chain(session, staff, report_id=rid)).intact
    await _drop(
        connection, "execution_report_keeps_record", "execution_report", "execution_report_keeps_record"
    )
    earlier = datetime(2020, 1, 1, tzinfo=UTC)
    await connection.execute(
        sa.text("UPDATE execution_report SET first_submitted_at = :t WHERE id = :id"),
        {
            "t": earlier if connection.dialect.name == "postgresql" else "2020-01-01 00:00:00.000000",
            "id": rid,
        },
    )
    session.expire_all()
    verified = await verify_chain(session, staff, report_id=rid)
    assert not verified.intact
    assert [p.code for p in verified.problems] == ["first_time_differs"]
    assert all(link.intact for link in verified.links)  # the submissions themselves are untouched


async def test_an_on_time_flag_changed_behind_the_triggers_breaks_the_chain(session, connection, db):
    staff, second = await filed_twice(session, db)
    rid = second.report.id
    await _drop(
        connection, "execution_report_keeps_record", "execution_report", "execution_report_keeps_record"
    )
    await connection.execute(sa.text(f"UPDATE execution_report SET on_time = NOT on_time WHERE id = {rid}"))
    session.expire_all()
    verified = await verify_chain(session, staff, report_id=rid)
    assert not verified.intact and [p.code for p in verified.problems] == ["on_time_differs"]


async def test_a_removed_newest_submission_is_noticed(session, connection, db):
    staff, second = await filed_twice(session, db)
    rid, sid = second.report.id, second.submission.id
    await _drop(
        connection, "report_submission_no_delete", "report_submission", "report_submission_append_only"
    )
    await _drop(connection, "audit_finding_no_delete", "audit_finding", "audit_finding_append_only")
    await connection.execute(sa.text(f"DELETE FROM audit_finding WHERE submission_id = {sid}"))
    await connection.execute(sa.text(f"DELETE FROM report_submission WHERE id = {sid}"))
    # What is left is a perfect chain of one: only the report row knows there were two.
    session.expire_all()
    verified = await verify_chain(session, staff, report_id=rid)
    assert [link.version for link in verified.links] == [1] and verified.links[0].intact
    assert not verified.intact and [p.code for p in verified.problems] == ["missing_submissions"]
    # Winding the report back to match is refused while its own trigger stands.
    await refused(
        connection,
        f"UPDATE execution_report SET latest_version = 1 WHERE id = {rid}",
        match="keeps its first submission",
    )


async def test_a_head_hash_changed_behind_the_triggers_is_noticed(session, connection, db):
    staff, second = await filed_twice(session, db)
    rid = second.report.id
    await _drop(
        connection, "execution_report_keeps_record", "execution_report", "execution_report_keeps_record"
    )
    await connection.execute(
        sa.text(f"UPDATE execution_report SET head_hash = '{'f' * 64}' WHERE id = {rid}")
    )
    session.expire_all()
    verified = await verify_chain(session, staff, report_id=rid)
    assert not verified.intact and [p.code for p in verified.problems] == ["head_differs"]
