"""First filings in bulk, each stamped with the moment it was received: what ``submit_reports`` writes for
a unit's first filing of a report, made by the same functions and written a few thousand reports a
statement. For loading a history that is not the national platform's (the province generator, ``permitwatch
demo --scale province``: three years of a province's filings, issue 19); the national platform's history
comes in through ``domain.history`` with its source marked.

``submit_reports`` files the reports that arrive together (one moment) in about a dozen statements; a
province's history is millions of first filings spread over a thousand days, so calling it a moment at a
time is statements per filing, and weeks. Here a chunk of filings of any moments is written at once:

- each report's row as ``checks.new_report`` opens it (its period and due date from the permit's
  schedule), with what the filing sets on it: version 1, the chain's head, state ``submitted``, the draft
  (the content), the first submission time and the on-time judgement (``rules.on_time``);
- each submission, chained from the genesis by ``rules.submission_hash`` (so the chain check,
  ``domain.reports.queries.chain.verify_chain``, finds every link intact), its receipt number
  (``rules.receipt_number``) and the findings of the audit rules (``ruleset.run`` on ``facts.rule_context``
  against the period's ledger, ``facts.ledger_facts_many``), run for each filing: remembering the findings
  of contexts seen before (compared whole) saved one run in 200 here, for memory growing with every filing;
- the audit entries and change events (``record_many``, as ``submit_reports``), the notices to the
  reviewing departments (``notices.sections_notices``, written by ``tell_many`` as ``submit_reports``
  writes them, each stamped with its filing's moment);
- every filing is first held to what ``checks.filing_target`` asks of one: the filer sees the permit and may
  write its reports (``Operation.REPORT_WRITE``), the permit is issued, the content has its shape and the
  idempotency key is well formed; one refused filing refuses the batch (nothing written).

No trigger is passed by: PostgreSQL's triggers on these tables refuse updates and deletes (append-only),
and the inserts are plain INSERTs. Only first filings are made (a unit's later versions and agencies'
filings, which move credit, go through ``submit_reports``); the tests hold the rows to the chain check
and the findings to a run of the rules.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, require
from domain.accounts.models import User
from domain.audit.service import entry_values, record_many
from domain.audit_rules import engine, ruleset
from domain.changes.events import ChangedIds
from domain.changes.kinds import ObjectType
from domain.clock import history_at
from domain.db import insert_rows
from domain.enterprises.models import Enterprise
from domain.errors import ValidationFailed
from domain.notifications.notices import Notice, tell_many
from domain.permits.models import Permit
from domain.permits.state import target_of
from domain.reports import checks, facts, lookup, notices, rules
from domain.reports import content as report_content
from domain.reports.awaiting import refresh_review_flags
from domain.reports.models import AuditFinding, ExecutionReport, ReportSubmission
from domain.reports.service.submission import department_sections

REPORTS: sa.Table = ExecutionReport.__table__  # type: ignore[attr-defined]
SUBMISSIONS: sa.Table = ReportSubmission.__table__  # type: ignore[attr-defined]
FINDINGS: sa.Table = AuditFinding.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class FirstFiling:
    """A unit's first filing of one report, at the moment it was received."""

    actor: Actor
    permit: Permit
    planned: rules.PlannedPeriod  # the period as the permit's schedule has it, with its due date
    content: dict[str, Any]
    key: str  # its idempotency key
    received_at: datetime


# A finding's parameters as JSON holds them (others as text). A tuple: ``str | int | ...`` would be built
# anew on every call.
_PLAIN = (str, int, float, bool)


async def file_first_reports(session: AsyncSession, filings: Sequence[FirstFiling]) -> int:
    """Write these first filings (of reports not opened yet) in the caller's transaction; returns how
    many. Raises what ``submit_reports`` would answer a refused filing with (access, permit state, the
    content's shape, the key), before anything is written."""
    for filing in filings:
        permit = lookup.visible(filing.actor, filing.permit)
        require(filing.actor, Operation.REPORT_WRITE, target_of(permit))
        checks.check_issued(permit)
        problems = report_content.check_shape(filing.planned.kind, filing.content) + checks.key_errors(
            filing.key
        )
        if problems:
            raise ValidationFailed(problems)
    ledger = await facts.ledger_facts_many(session, [(f.permit, f.planned.period) for f in filings])
    report_rows: list[dict[str, Any]] = []
    for filing in filings:
        row = checks.new_report(filing.permit, filing.planned.kind, filing.planned.period, filing.planned)
        digest = rules.submission_hash(
            report_key=f"{filing.permit.number}/{row['kind']}/{row['period']}",
            version=1,
            received_at=filing.received_at,
            submitted_by=filing.actor.username or "",
            on_behalf_of=filing.actor.on_behalf_of,
            content=filing.content,
            previous_hash=rules.GENESIS,
        )
        row.update(
            state="submitted",
            first_submitted_at=filing.received_at,
            on_time=rules.on_time(filing.received_at, row["due_date"]),
            latest_version=1,
            head_hash=digest,
            draft=filing.content,
            created_at=filing.received_at,
        )
        report_rows.append(row)
    ids = {
        (permit_id, kind, period): report_id
        for report_id, permit_id, kind, period in await insert_rows(
            session, REPORTS, report_rows, returning=("id", "permit_id", "kind", "period")
        )
    }
    submission_rows: list[dict[str, Any]] = []
    judged: list[list[engine.Finding]] = []
    for filing, row in zip(filings, report_rows, strict=True):
        assert filing.permit.id is not None
        report_id = ids[(filing.permit.id, row["kind"], row["period"])]
        row["id"] = report_id
        period = filing.planned.period
        findings = ruleset.run(
            facts.rule_context(
                filing.permit,
                row["kind"],
                period,
                filing.content,
                ledger[(filing.permit.id, period.start, period.end)],
            )
        )
        judged.append(findings)
        submission_rows.append(
            {
                "report_id": report_id,
                "version": 1,
                "received_at": filing.received_at,
                "submitted_by": filing.actor.username or "",
                "on_behalf_of": filing.actor.on_behalf_of,
                "content": filing.content,
                "content_hash": row["head_hash"],
                "previous_hash": rules.GENESIS,
                "receipt_number": rules.receipt_number(report_id, 1, filing.received_at),
                "idempotency_key": filing.key,
                "error_count": sum(1 for f in findings if f.severity == engine.ERROR),
                "warning_count": sum(1 for f in findings if f.severity == engine.WARNING),
                "attachments": [],
                "imported_from": None,
                "import_batch_id": None,
            }
        )
    submission_ids = {
        report_id: submission_id
        for submission_id, report_id in await insert_rows(
            session, SUBMISSIONS, submission_rows, returning=("id", "report_id")
        )
    }
    finding_rows: list[dict[str, Any]] = []
    audit_rows: list[dict[str, Any]] = []
    changed: list[ChangedIds | None] = []
    for filing, row, submission, findings in zip(filings, report_rows, submission_rows, judged, strict=True):
        submission_id = submission_ids[row["id"]]
        for f in findings:
            finding_rows.append(
                {
                    "submission_id": submission_id,
                    "rule_code": f.code,
                    "severity": f.severity,
                    "field": f.field[:200],
                    "message": f.message[:500],
                    "params": {
                        k: v if v is None or isinstance(v, _PLAIN) else str(v) for k, v in f.params.items()
                    },
                }
            )
        entry = entry_values(
            filing.actor,
            action="report.submit",
            object_type="execution_report",
            object_id=f"{filing.permit.number}/{row['kind']}/{row['period']}",
            enterprise_id=filing.permit.enterprise_id,
            after={
                "version": 1,
                "receipt": submission["receipt_number"],
                "hash": submission["content_hash"],
                "errors": submission["error_count"],
                "attachments": [],
            },
        )
        audit_rows.append({**entry, "occurred_at": filing.received_at})
        changed.append({ObjectType.REPORT_SUBMISSION: submission_id, ObjectType.EXECUTION_REPORT: row["id"]})
    await insert_rows(session, FINDINGS, finding_rows)
    await record_many(session, audit_rows, changed)
    # The reports' stored review flags and error count, for the review queue (two statements).
    await refresh_review_flags(session, [row["id"] for row in report_rows])
    # The units' names, read once for the notices of every filing.
    units = (
        await session.exec(
            select(Enterprise).where(col(Enterprise.id).in_({f.permit.enterprise_id for f in filings}))
        )
    ).all()
    names = {unit.id: unit.name for unit in units}
    people: dict[tuple[str, str], list[User]] = {}
    by_moment: dict[datetime, list[Notice]] = defaultdict(list)
    for filing, row in zip(filings, report_rows, strict=True):
        by_moment[filing.received_at] += await notices.sections_notices(
            session,
            # The report as written (the notice reads its kind, period, version and id): its row made
            # an object without the ORM's bookkeeping, a tenth of the cost (the row was made by the
            # model; table models are not validated either way).
            ExecutionReport.model_construct(**row),
            filing.permit,
            department_sections(row["kind"]),
            key=f"report-sections:{submission_ids[row['id']]}",
            people=people,
            enterprise=names.get(filing.permit.enterprise_id, ""),
        )
    for moment, told in by_moment.items():
        with history_at(moment):  # told when filed
            await tell_many(session, told)
    assert units or not filings
    return len(filings)
