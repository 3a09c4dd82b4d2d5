"""Filing a report: append-only submissions in a hash chain, idempotent under their key.

The server stamps the time; every filing is a new version chained to the one before; the first submission
time and the on-time judgement never change. Both faces hand their filings to the filing desk
(``domain.reports.filing``), which files those that arrive together through ``submit_reports`` in one
transaction; ``submit_report`` files one inside the caller's own unit of work (the demo city).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from types import MappingProxyType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor
from domain.accounts.models import User
from domain.audit.service import entry_values, record_many
from domain.audit_rules import engine, ruleset
from domain.changes.events import ChangedIds
from domain.changes.kinds import ObjectType
from domain.clock import today, utcnow
from domain.db import insert_rows, insert_unless_present, update_rows
from domain.enterprises.models import Enterprise
from domain.errors import N_, Conflict, DomainError, ValidationFailed
from domain.notifications.notices import Notice, tell_many
from domain.permits.models import Permit
from domain.permits.rules import normal_number
from domain.permits.terms import terms_of
from domain.reports import attached, checks, facts, notices, rounds, rules
from domain.reports.awaiting import FLAGS, set_new_version_flags
from domain.reports.models import (
    AuditFinding,
    ExecutionReport,
    FeedbackForm,
    ReportAttachment,
    ReportSubmission,
)
from domain.reports.rollup.marks import mark_reports_written

FINDINGS: sa.Table = AuditFinding.__table__  # type: ignore[attr-defined]
REPORTS: sa.Table = ExecutionReport.__table__  # type: ignore[attr-defined]
# What a new version changes on its report, written for the whole batch by one UPDATE (``_write_reports``).
FILED_COLUMNS = ("state", "first_submitted_at", "on_time", "latest_version", "head_hash", "draft", *FLAGS)
SUBMISSIONS: sa.Table = ReportSubmission.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Filing:
    """One filing as a unit (or its agency) sends it."""

    actor: Actor
    permit_number: str
    kind: str
    period: str
    content: Any
    idempotency_key: str


@dataclass
class SubmissionResult:
    report: ExecutionReport
    submission: ReportSubmission
    findings: list[engine.Finding]  # as stored with the submission
    replayed: bool  # the same idempotency key again: the first result, nothing written
    permit: Permit


async def submit_report(
    session: AsyncSession,
    actor: Actor,
    *,
    permit_number: str,
    kind: str,
    period: str,
    content: Any,
    idempotency_key: str,
) -> SubmissionResult:
    """File one report inside the caller's unit of work (``submit_reports`` of one filing)."""
    filing = Filing(actor, permit_number, kind, period, content, idempotency_key)
    outcome = (await submit_reports(session, [filing]))[0]
    if isinstance(outcome, DomainError):
        raise outcome
    return outcome


ReportKey = tuple[int, str, str]  # permit id, kind, period label


async def submit_reports(
    session: AsyncSession, filings: Sequence[Filing]
) -> list[SubmissionResult | DomainError]:
    """File many reports in one transaction, each judged on its own: the outcome of each filing, in order,
    is its result or the error that refused it (a refused filing writes nothing; the others go through).
    A filing is refused with every problem of its period, content and key at once.

    The reports' rows are locked first, in one fixed order, so filings of one report (a double click, a
    retry, two clerks, two batches in two processes) queue up and the later one sees the earlier one's row;
    within the batch, filings of one report are taken in the order received. Whatever the number of
    filings, this costs about a dozen statements (the permits' terms come from memory): the filing desk
    (``domain.reports.filing``) hands in the filings that arrive together at a deadline.
    """
    outcomes: list[SubmissionResult | DomainError | None] = [None] * len(filings)
    numbers = sorted({normal_number(f.permit_number) for f in filings})
    # Each permit with its unit's name: one statement.
    named = (
        await session.exec(_statements().permits, params={"numbers": numbers})  # type: ignore[call-overload]
    ).all()
    permits = {permit.number: permit for permit, _name in named}
    names = {permit.enterprise_id: name for permit, name in named}
    terms = await terms_of(session, list(permits.values()))  # the terms not yet in memory, in one go
    targets: dict[int, checks.FilingTarget] = {}  # filing index -> what it files
    for index, filing in enumerate(filings):
        try:
            targets[index] = await checks.filing_target(
                session,
                filing.actor,
                permits.get(normal_number(filing.permit_number)),
                kind=filing.kind,
                label=filing.period,
                content=filing.content,
                key=filing.idempotency_key,
            )
        except DomainError as error:
            outcomes[index] = error

    def report_key(index: int) -> ReportKey:
        target = targets[index]
        assert target.permit.id is not None
        return (target.permit.id, filings[index].kind, target.period.label)

    reports, with_files = await _lock_reports(session, {report_key(index) for index in targets})
    opening: dict[ReportKey, dict[str, Any]] = {}
    for index, target in targets.items():
        wanted = report_key(index)
        errors = target.errors
        if wanted not in reports:
            assert target.permit.id is not None
            kinds = terms[target.permit.id].report_kinds
            errors = errors + checks.new_report_errors(
                target.permit, kinds, filings[index].kind, target.nominal, target.planned
            )
        if errors:
            outcomes[index] = ValidationFailed(errors)
        elif wanted not in reports and wanted not in opening:
            opening[wanted] = checks.new_report(
                target.permit, filings[index].kind, target.period, target.planned
            )
    if opening:
        # Sorted, so that two batches opening the same reports wait for each other in one order.
        await insert_unless_present(
            session, ExecutionReport, [opening[k] for k in sorted(opening)], ("permit_id", "kind", "period")
        )
        opened, opened_with_files = await _lock_reports(session, set(opening))
        reports.update(opened)
        with_files |= opened_with_files
    standing = [index for index in sorted(targets) if outcomes[index] is None]

    by_id = {report.id: report for report in reports.values()}
    keys = sorted({targets[index].key for index in standing})
    filed_reports = sorted(r.id for r in by_id.values() if r.latest_version > 0 and r.id is not None)
    # The submissions this batch may replay (same key). A report never filed has none: at a deadline,
    # when most filings are first filings, this read is often skipped. What a new version chains to is on
    # the report itself (its head hash, which the database keeps equal to its latest submission's).
    earlier = (
        (
            await session.exec(
                _statements().same_keys,
                params={"reports": filed_reports, "keys": keys},  # type: ignore[call-overload]
            )
        ).all()
        if standing and filed_reports
        else []
    )
    filed = {(s.report_id, s.idempotency_key): s for s in earlier}
    chain_head = {report.id: report.head_hash for report in by_id.values() if report.latest_version > 0}
    on_drafts = await attached.on_drafts(session, sorted(with_files))
    ledger = await facts.ledger_facts_many(
        session, [(targets[i].permit, targets[i].period) for i in standing]
    )

    replays: list[tuple[int, ExecutionReport, ReportSubmission, Permit]] = []
    written: dict[tuple[int, str], int] = {}  # (report id, key) -> the filing index that wrote it
    new: list[tuple[int, ExecutionReport, ReportSubmission, list[engine.Finding], Permit]] = []
    for index in standing:
        filing, target = filings[index], targets[index]
        permit, key, period = target.permit, target.key, target.period
        by, for_agency = filing.actor.username or "", filing.actor.on_behalf_of
        report = reports[report_key(index)]
        assert report.id is not None
        if (report.id, key) in filed:
            earlier_filing = filed[(report.id, key)]
            if not checks.same_filing(
                earlier_filing.submitted_by,
                earlier_filing.on_behalf_of,
                earlier_filing.content,
                by=by,
                for_agency=for_agency,
                again=filing.content,
            ):
                outcomes[index] = checks.key_reused()
            else:
                replays.append((index, report, earlier_filing, permit))
            continue
        if (report.id, key) in written:
            first_filing = filings[written[(report.id, key)]]
            if not checks.same_filing(
                first_filing.actor.username or "",
                first_filing.actor.on_behalf_of,
                first_filing.content,
                by=by,
                for_agency=for_agency,
                again=filing.content,
            ):
                outcomes[index] = checks.key_reused()
            continue  # the same filing twice in this batch: answered with the first below
        try:
            checks.check_open(report)
        except DomainError as error:
            outcomes[index] = error
            continue
        version = report.latest_version + 1
        received = utcnow()
        previous_hash = chain_head.get(report.id, rules.GENESIS)
        files = attached.listed(on_drafts.get(report.id, []))
        digest = rules.submission_hash(
            report_key=f"{permit.number}/{filing.kind}/{report.period}",
            version=version,
            received_at=received,
            submitted_by=by,
            on_behalf_of=for_agency,
            content=filing.content,
            previous_hash=previous_hash,
            attachments=files,
        )
        assert permit.id is not None
        judged = ruleset.run(
            facts.rule_context(
                permit, filing.kind, period, filing.content, ledger[(permit.id, period.start, period.end)]
            )
        )
        # Not added to the session: the batch's submissions are written below in one statement.
        submission = ReportSubmission(
            report_id=report.id,
            version=version,
            received_at=received,
            submitted_by=by,
            on_behalf_of=for_agency,
            content=filing.content,
            content_hash=digest,
            previous_hash=previous_hash,
            receipt_number=rules.receipt_number(report.id, version, received),
            idempotency_key=key,
            error_count=sum(1 for f in judged if f.severity == engine.ERROR),
            warning_count=sum(1 for f in judged if f.severity == engine.WARNING),
            attachments=files,
        )
        chain_head[report.id] = digest
        written[(report.id, key)] = index
        if report.first_submitted_at is None:
            report.first_submitted_at = received
            report.on_time = rules.on_time(received, report.due_date)
        returned = report.state == "returned"
        report.latest_version = version
        report.head_hash = digest
        report.state = "submitted"
        report.draft = filing.content
        set_new_version_flags(report, submission.error_count)
        if returned:  # open feedback forms exist only while the report is returned
            await _answer_open_feedback(session, report, filing.actor, version)
        new.append((index, report, submission, judged, permit))
    try:
        ids = {
            (row.report_id, row.version): row.id
            for row in await insert_rows(
                session,
                SUBMISSIONS,
                [_submission_values(submission) for _i, _r, submission, _f, _p in new],
                returning=("id", "report_id", "version"),
            )
        }
    except IntegrityError:
        # Only possible if the row locks above were bypassed; nothing is written and the client retries,
        # getting the first result for its key.
        raise Conflict(
            N_("Another filing of this report arrived at the same moment; try again."), field="period"
        ) from None

    await _write_reports(session, [report for _i, report, _s, _f, _p in new])

    results: dict[tuple[int, str], SubmissionResult] = {}
    finding_rows: list[dict[str, Any]] = []
    audit_rows: list[dict[str, Any]] = []
    changed: list[ChangedIds | None] = []
    for index, report, submission, findings, permit in new:
        submission.id = ids[(submission.report_id, submission.version)]
        attached.filed_in(on_drafts.get(submission.report_id, []), submission.id, session)
        stored = [
            engine.Finding(
                code=f.code,
                severity=f.severity,
                field=f.field[:200],
                message=f.message[:500],
                params={k: _plain(v) for k, v in f.params.items()},
            )
            for f in findings
        ]
        finding_rows.extend(
            {
                "submission_id": submission.id,
                "rule_code": f.code,
                "severity": f.severity,
                "field": f.field,
                "message": f.message,
                "params": f.params,
            }
            for f in stored
        )
        if submission.on_behalf_of:
            await _credit_for_filing(session, report, submission, stored)
        audit_rows.append(
            entry_values(
                filings[index].actor,
                action="report.submit",
                object_type="execution_report",
                object_id=f"{permit.number}/{report.kind}/{report.period}",
                enterprise_id=permit.enterprise_id,
                after={
                    "version": submission.version,
                    "receipt": submission.receipt_number,
                    "hash": submission.content_hash,
                    "errors": submission.error_count,
                    "attachments": [a["sha256"] for a in submission.attachments],
                },
            )
        )
        changed.append({ObjectType.REPORT_SUBMISSION: submission.id, ObjectType.EXECUTION_REPORT: report.id})
        result = SubmissionResult(report, submission, stored, replayed=False, permit=permit)
        outcomes[index] = results[(submission.report_id, submission.idempotency_key)] = result
    await insert_rows(session, FINDINGS, finding_rows)
    await record_many(session, audit_rows, changed)
    # Read once for the batch: each department's people (one statement for all departments and
    # regions; the units' names came with the permits); the notices written together (two statements).
    people = await notices.departments_people(
        session,
        {
            (department, p.region_code)
            for _i, r, _s, _f, p in new
            for department in department_sections(r.kind)
        },
    )
    told: list[Notice] = []
    for _index, report, submission, _findings, permit in new:
        told += await _department_notices(session, report, submission, permit, people, names)
    await tell_many(session, told)
    if replays:
        found = await _findings_of_many(session, [submission.id for _i, _r, submission, _p in replays])
        for index, report, submission, permit in replays:
            assert submission.id is not None
            outcomes[index] = SubmissionResult(
                report, submission, found.get(submission.id, []), replayed=True, permit=permit
            )
    for index in standing:  # the second of two identical filings in one batch: the first's result
        if outcomes[index] is None:
            first = results[(reports[report_key(index)].id or 0, targets[index].key)]
            outcomes[index] = replace(first, replayed=True)
    assert all(outcome is not None for outcome in outcomes)
    return [outcome for outcome in outcomes if outcome is not None]


async def _write_reports(session: AsyncSession, reports: list[ExecutionReport]) -> None:
    """Write what the new versions changed on their reports, in one statement for the batch, and tell the
    ORM the loaded reports are what is stored (so its flush does not write them again one by one). The
    filing rollup hears of first filings here, as its flush listener would have."""
    unique = {report.id: report for report in reports}
    mark_reports_written(session, list(unique.values()))
    await update_rows(
        session,
        REPORTS,
        [
            {"id": report_id, **{name: getattr(report, name) for name in FILED_COLUMNS}}
            for report_id, report in sorted(unique.items(), key=lambda item: item[0] or 0)
        ],
    )
    for report in unique.values():
        for name in FILED_COLUMNS:
            set_committed_value(report, name, getattr(report, name))


async def _lock_reports(
    session: AsyncSession, keys: set[ReportKey]
) -> tuple[dict[ReportKey, ExecutionReport], set[int]]:
    """The reports with these keys, locked (FOR UPDATE) in the order of their ids, and which of them have
    files on their draft (asked in the same statement: most have none, and then none are read)."""
    if not keys:
        return {}, set()
    rows = (await session.exec(_statements().lock, params={"keys": sorted(keys)})).all()  # type: ignore[call-overload]
    return (
        {(r.permit_id, r.kind, r.period): r for r, _files in rows},
        {r.id for r, has_files in rows if has_files and r.id is not None},
    )


@dataclass(frozen=True)
class _Statements:
    permits: Any
    lock: Any
    same_keys: Any


@lru_cache(maxsize=1)
def _statements() -> _Statements:
    """The desk's reads, built once and bound per batch (building one cost about as much as running it)."""
    files = (
        sa.exists()
        .where(
            col(ReportAttachment.report_id) == col(ExecutionReport.id),
            col(ReportAttachment.feedback_form_id).is_(None),
            col(ReportAttachment.removed_at).is_(None),
        )
        .label("draft_files")
    )
    key = sa.tuple_(col(ExecutionReport.permit_id), col(ExecutionReport.kind), col(ExecutionReport.period))
    return _Statements(
        # Each permit with its unit's name (the departments' notices name the unit).
        permits=select(Permit, Enterprise.name)
        .join(Enterprise, col(Enterprise.id) == col(Permit.enterprise_id))
        .where(col(Permit.number).in_(sa.bindparam("numbers", expanding=True))),
        lock=select(ExecutionReport, files)
        .where(key.in_(sa.bindparam("keys", expanding=True)))
        .order_by(col(ExecutionReport.id))
        .with_for_update(of=ExecutionReport),  # type: ignore[arg-type]
        same_keys=select(ReportSubmission).where(
            col(ReportSubmission.report_id).in_(sa.bindparam("reports", expanding=True)),
            col(ReportSubmission.idempotency_key).in_(sa.bindparam("keys", expanding=True)),
        ),
    )


async def _findings_of_many(session: AsyncSession, ids: list[int | None]) -> dict[int, list[engine.Finding]]:
    """The stored findings of these submissions, as the rules gave them."""
    found: dict[int, list[engine.Finding]] = defaultdict(list)
    statement = (
        select(AuditFinding)
        .where(col(AuditFinding.submission_id).in_([i for i in ids if i is not None]))
        .order_by(col(AuditFinding.id))
    )
    for row in (await session.exec(statement)).all():
        found[row.submission_id].append(
            engine.Finding(row.rule_code, row.severity, row.field, row.message, dict(row.params))
        )
    return found


async def _credit_for_filing(
    session: AsyncSession,
    report: ExecutionReport,
    submission: ReportSubmission,
    findings: list[engine.Finding],
) -> None:
    """A filing made by an agency moves its credit: each rule finding, and a late first filing."""
    from domain.agencies.service import add_credit_event, agency_of_tag

    agency = await agency_of_tag(session, submission.on_behalf_of)
    if agency is None or agency.id is None:
        return
    for finding in findings:
        kind = "finding_error" if finding.severity == engine.ERROR else "finding_warning"
        await add_credit_event(
            session,
            agency_id=agency.id,
            kind=kind,
            source_type="finding",
            source_id=f"{submission.receipt_number}:{finding.code}:{finding.field}"[:64],
            note=f"{finding.code} {finding.field}",
        )
    if submission.version == 1 and report.on_time is False:
        await add_credit_event(
            session,
            agency_id=agency.id,
            kind="late_filing",
            source_type="submission",
            source_id=submission.receipt_number,
            note=f"{report.kind} {report.period}",
        )


def _submission_values(submission: ReportSubmission) -> dict[str, Any]:
    """The columns of a new submission row (its id comes from the database)."""
    return {
        name: getattr(submission, name)
        for name in SUBMISSIONS.columns.keys()  # noqa: SIM118 (a column collection, not a dict)
        if name != "id"
    }


async def _department_notices(
    session: AsyncSession,
    report: ExecutionReport,
    submission: ReportSubmission,
    permit: Permit,
    people: dict[tuple[str, str], list[User]],
    names: dict[int, str],
) -> list[Notice]:
    """A new version is a new round of review (PT §5): each department of the jurisdiction is told which
    of its sections await it."""
    return await notices.sections_notices(
        session,
        report,
        permit,
        department_sections(report.kind),
        key=f"report-sections:{submission.id}",
        people=people,
        enterprise=names.get(permit.enterprise_id, ""),
    )


@lru_cache(maxsize=32)
def department_sections(kind: str) -> Mapping[str, tuple[str, ...]]:
    """Department -> the sections of a report of this kind it reviews (fixed by the law's sections, so
    worked out once per kind: every filing asks)."""
    waiting: dict[str, list[str]] = {}
    for section, department in rounds.pairs(kind):
        waiting.setdefault(department, []).append(section)
    return MappingProxyType({department: tuple(sections) for department, sections in waiting.items()})


_PLAIN = (str, int, float, bool)  # a tuple: ``str | int | ...`` would be built anew on every call


def _plain(value: Any) -> Any:
    return value if isinstance(value, _PLAIN) or value is None else str(value)


async def _answer_open_feedback(
    session: AsyncSession, report: ExecutionReport, actor: Actor, version: int
) -> None:
    """A resubmission answers the report's open feedback forms (their answer: the new version)."""
    forms = (
        await session.exec(
            select(FeedbackForm).where(FeedbackForm.report_id == report.id, FeedbackForm.status == "open")
        )
    ).all()
    for form in forms:
        form.status = "answered"
        form.responded_at, form.responded_by = utcnow(), actor.username
        form.late = rules.answered_late(form.deadline, today())
        form.response = form.response or f"v{version}"
        session.add(form)
