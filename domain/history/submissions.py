"""Report submissions of a history import: each version as the national platform received it, at the
platform's time, chained (docs/integrators.md): a report's imported versions are chained in their own
order and time, from the genesis or from the imported versions already here, before any filed here. A
report already filed here takes no imported version (an append-only chain cannot take one before its
own). The first submission time is the platform's, and the on-time judgement is made on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor
from domain.audit.service import entry_values
from domain.audit_rules import engine, ruleset
from domain.clock import utcnow
from domain.errors import N_, FieldError
from domain.history import reading
from domain.history.permits import permit_of_record
from domain.permits import rules as permit_rules
from domain.permits.models import Permit
from domain.permits.reference import ReportKind
from domain.permits.service.imports import RowError
from domain.reports import checks, facts, rules
from domain.reports import content as report_content
from domain.reports.awaiting import refresh_review_flags
from domain.reports.models import AuditFinding, ExecutionReport, ReportSubmission

KINDS = tuple(kind.value for kind in ReportKind)
SUBMITTED_BY_LIMIT = 64
MAX_VERSION = 1000


@dataclass
class SubmissionRow:
    row: int
    permit: Permit
    kind: str
    period: rules.Period
    version: int
    received_at: datetime
    submitted_by: str
    content: dict[str, Any]
    accepted_at: datetime | None


def _check(
    actor: Actor,
    record: reading.Record,
    permits: dict[str, Permit],
    pending: set[str],
    problems: list[RowError],
) -> SubmissionRow | None:
    values = record.values
    errors: list[FieldError] = []
    number = permit_rules.normal_number(str(values.get("permit_number") or ""))
    permit = permit_of_record(actor, number, permits, pending, errors)
    kind = reading.choice(values, "kind", errors, KINDS)
    period: rules.Period | None = None
    if kind:
        period, period_errors = checks.period_errors(kind, str(values.get("period") or ""))
        errors.extend(period_errors)
    version = reading.whole(values, "version", errors, largest=MAX_VERSION)
    now = utcnow()
    received = reading.moment(values, "received_at", errors, latest=now)
    accepted = reading.moment(values, "accepted_at", errors, latest=now, required=False)
    submitted_by = reading.text(values, "submitted_by", errors, limit=SUBMITTED_BY_LIMIT)
    content = values.get("content")
    if kind:
        errors.extend(report_content.check_shape(kind, content))
    if period is not None and received is not None and rules.china_date(received) <= period.end:
        errors.append(
            FieldError(
                "received_at",
                "period_not_ended",
                N_("The period {period} ends on {end}: a report on it is received after that."),
                {"period": period.label, "end": period.end.isoformat()},
            )
        )
    if accepted is not None and received is not None and accepted < received:
        errors.append(FieldError("accepted_at", "order", N_("This date is before the step it follows.")))
    problems.extend(reading.problem(record.row, error) for error in errors)
    if errors or permit is None or period is None or version is None or received is None:
        return None
    assert isinstance(content, dict)
    return SubmissionRow(record.row, permit, kind, period, version, received, submitted_by, content, accepted)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _same(stored: ReportSubmission, row: SubmissionRow, source: str) -> bool:
    return (
        stored.imported_from == source
        and _aware(stored.received_at) == row.received_at
        and stored.submitted_by == row.submitted_by
        and rules.canonical_json(stored.content) == rules.canonical_json(row.content)
    )


Key = tuple[int, str, str]


async def import_submissions(
    session: AsyncSession,
    actor: Actor,
    records: list[reading.Record],
    *,
    permits: dict[str, Permit],
    pending: set[str],
    source: str,
    batch: int,
    problems: list[RowError],
) -> tuple[list[tuple[SubmissionRow, ExecutionReport, ReportSubmission]], int]:
    """Check every submission record; when none is wrong, write the new ones chained after the report's
    imported versions. Returns the new ones (with their reports) and how many were already here."""
    numbers = sorted(
        {permit_rules.normal_number(str(r.values.get("permit_number") or "")) for r in records} - set(permits)
    )
    if numbers:
        permits = permits | {
            p.number: p
            for p in (await session.exec(select(Permit).where(col(Permit.number).in_(numbers)))).all()
            if p.number
        }
    checked = [row for row in (_check(actor, r, permits, pending, problems) for r in records) if row]
    groups: dict[Key, list[SubmissionRow]] = {}
    for row in checked:
        assert row.permit.id is not None
        groups.setdefault((row.permit.id, row.kind, row.period.label), []).append(row)
    reports: dict[Key, ExecutionReport] = {}
    stored: dict[tuple[int, int], ReportSubmission] = {}
    if groups:
        reports = {
            (r.permit_id, r.kind, r.period): r
            for r in (
                await session.exec(
                    select(ExecutionReport)
                    .where(
                        sa.tuple_(
                            col(ExecutionReport.permit_id),
                            col(ExecutionReport.kind),
                            col(ExecutionReport.period),
                        ).in_(sorted(groups))
                    )
                    .with_for_update()
                )
            ).all()
        }
        if reports:
            stored = {
                (s.report_id, s.version): s
                for s in (
                    await session.exec(
                        select(ReportSubmission).where(
                            col(ReportSubmission.report_id).in_([r.id for r in reports.values()])
                        )
                    )
                ).all()
            }
    skipped = 0
    plan: list[tuple[Key, list[SubmissionRow]]] = []
    for key, rows in groups.items():
        rows.sort(key=lambda r: r.version)
        report = reports.get(key)
        fresh: list[SubmissionRow] = []
        seen: set[int] = set()
        for row in rows:
            if row.version in seen:
                problems.append(
                    RowError(
                        row.row, "version", "duplicate", N_("This version appears twice in the file."), {}
                    )
                )
                continue
            seen.add(row.version)
            earlier = stored.get((report.id or 0, row.version)) if report is not None else None
            if earlier is None:
                fresh.append(row)
            elif _same(earlier, row, source):
                skipped += 1
            else:
                problems.append(
                    RowError(
                        row.row,
                        "version",
                        "conflict",
                        N_(
                            "Version {version} of this report is already recorded here with other values; "
                            "history already recorded is not rewritten."
                        ),
                        {"version": row.version},
                    )
                )
        if not fresh:
            continue
        latest = stored.get((report.id or 0, report.latest_version)) if report is not None else None
        if (
            report is not None
            and report.latest_version > 0
            and (latest is None or latest.imported_from is None)
        ):
            problems.append(
                RowError(
                    fresh[0].row,
                    "period",
                    "filed_here",
                    N_(
                        "This report was already filed here; imported history cannot be put before the "
                        "submissions filed here."
                    ),
                    {},
                )
            )
            continue
        if report is not None and report.state == "accepted":
            problems.append(
                RowError(
                    fresh[0].row,
                    "period",
                    "accepted",
                    N_("This report was accepted; it takes no new version."),
                    {},
                )
            )
            continue
        start = (report.latest_version if report is not None else 0) + 1
        last_time = _aware(latest.received_at) if latest is not None else None
        for expected, row in enumerate(fresh, start=start):
            if row.version != expected:
                problems.append(
                    RowError(
                        row.row,
                        "version",
                        "sequence",
                        N_("Expected version {expected} next: versions follow each other from 1."),
                        {"expected": expected},
                    )
                )
                break
            if last_time is not None and row.received_at <= last_time:
                problems.append(
                    RowError(
                        row.row,
                        "received_at",
                        "order",
                        N_("A later version cannot be received before an earlier one."),
                        {},
                    )
                )
                break
            last_time = row.received_at
        plan.append((key, fresh))
    if problems:
        return [], skipped
    return await _write(session, plan, reports, stored, source=source, batch=batch), skipped


async def _write(
    session: AsyncSession,
    plan: list[tuple[Key, list[SubmissionRow]]],
    reports: dict[Key, ExecutionReport],
    stored: dict[tuple[int, int], ReportSubmission],
    *,
    source: str,
    batch: int,
) -> list[tuple[SubmissionRow, ExecutionReport, ReportSubmission]]:
    ledger = await facts.ledger_facts_many(session, [(rows[0].permit, rows[0].period) for _key, rows in plan])
    for key, rows in plan:  # the reports new here first, written together: their ids
        if key not in reports:
            first = rows[0]
            planned = await checks.planned(session, first.permit, first.kind, first.period)
            reports[key] = ExecutionReport(
                **checks.new_report(first.permit, first.kind, first.period, planned)
            )
            session.add(reports[key])
    await session.flush()
    written: list[tuple[SubmissionRow, ExecutionReport, ReportSubmission]] = []
    judged_of: list[list[engine.Finding]] = []
    for key, rows in plan:
        report = reports[key]
        assert report.id is not None
        previous = report.head_hash if report.latest_version > 0 else rules.GENESIS
        first = rows[0]
        assert first.permit.id is not None
        context_facts = ledger[(first.permit.id, first.period.start, first.period.end)]
        for row in rows:
            digest = rules.submission_hash(
                report_key=f"{row.permit.number}/{row.kind}/{report.period}",
                version=row.version,
                received_at=row.received_at,
                submitted_by=row.submitted_by,
                on_behalf_of=None,
                content=row.content,
                previous_hash=previous,
                imported_from=source,
            )
            if report.first_submitted_at is None:
                report.first_submitted_at = row.received_at
                report.on_time = rules.on_time(row.received_at, report.due_date)
            judged = ruleset.run(
                facts.rule_context(row.permit, row.kind, row.period, row.content, context_facts)
            )
            submission = ReportSubmission(
                report_id=report.id,
                version=row.version,
                received_at=row.received_at,
                submitted_by=row.submitted_by,
                on_behalf_of=None,
                content=row.content,
                content_hash=digest,
                previous_hash=previous,
                receipt_number=rules.receipt_number(report.id, row.version, row.received_at),
                idempotency_key=f"imported:v{row.version}",
                error_count=sum(1 for f in judged if f.severity == engine.ERROR),
                warning_count=sum(1 for f in judged if f.severity == engine.WARNING),
                imported_from=source,
                import_batch_id=batch,
            )
            session.add(submission)
            previous = digest
            written.append((row, report, submission))
            judged_of.append(judged)
        last = rows[-1]
        report.latest_version, report.head_hash = last.version, previous
        report.state, report.draft = "submitted", last.content
        if last.accepted_at is not None:
            report.state, report.accepted_at, report.accepted_by = "accepted", last.accepted_at, source[:64]
        session.add(report)
    await session.flush()  # the reports' new heads and every submission, together
    for (_row, _report, submission), judged in zip(written, judged_of, strict=True):
        session.add_all(
            AuditFinding(
                submission_id=submission.id or 0,
                rule_code=f.code,
                severity=f.severity,
                field=f.field[:200],
                message=f.message[:500],
                params={
                    k: v if isinstance(v, str | int | float | bool) or v is None else str(v)
                    for k, v in f.params.items()
                },
            )
            for f in judged
        )
    # The reports' stored review flags and error count, for the review queue.
    await refresh_review_flags(session, [reports[key].id for key, _rows in plan])
    return written


def submission_audit(
    actor: Actor,
    row: SubmissionRow,
    report: ExecutionReport,
    submission: ReportSubmission,
    *,
    batch: int,
    source: str,
) -> dict[str, Any]:
    return entry_values(
        actor,
        action="history.import.submission",
        object_type="execution_report",
        object_id=f"{row.permit.number}/{report.kind}/{report.period}",
        enterprise_id=row.permit.enterprise_id,
        after={
            "batch": batch,
            "source": source,
            "line": row.row,
            "version": submission.version,
            "receipt": submission.receipt_number,
            "hash": submission.content_hash,
            "original": {"received_at": row.received_at.isoformat(), "submitted_by": row.submitted_by},
            "on_time": report.on_time,
        },
    )
