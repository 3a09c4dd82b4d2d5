"""Importing a unit's history from the national platform (docs/integrators.md, "History from the national
platform"): permits with their versions, closed applications, report submissions, each with its own
dates and times, each marked with its source and the import's batch.

One file, all or nothing: every problem of every line is listed (line and field) and nothing is written
when there is any. Importing the same file again writes nothing (each record already here under the same
source and values is skipped); a record that contradicts what is here is refused. The audit trail names
the importing actor and the server's time; the original dates are kept apart in each entry.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor
from domain.audit.service import entry_values, record_many
from domain.changes.events import ChangedIds
from domain.changes.kinds import ObjectType
from domain.errors import N_, Conflict, FieldError, ValidationFailed
from domain.history import applications, permits, reading, submissions
from domain.history.models import DEFAULT_SOURCE, SOURCE_LIMIT, HistoryImport
from domain.permits.rules import normal_number
from domain.permits.service.imports import ImportFailed, RowError, require_may_import

FILE_NAME_LIMIT = 200


@dataclass
class HistoryResult:
    batch: HistoryImport | None  # None when the file held nothing new
    permits: int = 0  # permits new here
    versions: int = 0
    applications: int = 0
    submissions: int = 0
    skipped: int = 0  # records already imported with the same values
    late_reports: list[str] = field(default_factory=list)  # "number/kind/period" judged late on their time

    @property
    def written(self) -> int:
        return self.versions + self.applications + self.submissions


class HistoryRejected(ImportFailed):
    """Lines of the file are wrong: nothing was imported. ``rows`` lists each problem (line 0: the file)."""

    code = "history_rejected"

    def __init__(self, rows: list[RowError], *, total: int) -> None:
        super().__init__(rows)
        self.total = total


def _source(source: str) -> str:
    value = (source or "").strip()
    problem: str | None = None
    if not value:
        problem = N_("This field is required.")
    elif len(value) > SOURCE_LIMIT or "\x00" in value or value.startswith("="):
        problem = N_("Name the source in at most {limit} characters of plain text.")
    if problem:
        raise ValidationFailed([FieldError("source", "source", problem, {"limit": SOURCE_LIMIT})])
    return value


async def import_history(
    session: AsyncSession, actor: Actor, *, file_name: str, data: bytes, source: str = DEFAULT_SOURCE
) -> HistoryResult:
    """Import a history file (JSON Lines). Only who may import permits may (asked before the file is
    read); every unit the file names must be in the actor's jurisdiction. Raises ``HistoryRejected`` with
    every problem, nothing written; returns what was written and what was already here."""
    require_may_import(actor)
    source = _source(source)
    records, problems = reading.read_records(data)
    by_kind: dict[str, list[reading.Record]] = {kind: [] for kind in reading.KINDS}
    for record in records:
        by_kind[record.kind].append(record)
    savepoint = await session.begin_nested()
    try:
        batch = HistoryImport(
            source=source,
            file_name=(file_name or "")[:FILE_NAME_LIMIT],
            file_sha256=hashlib.sha256(data).hexdigest(),
            imported_by=actor.username or "",
            on_behalf_of=actor.on_behalf_of,
        )
        session.add(batch)
        await session.flush()
        assert batch.id is not None
        outcome, versions = await permits.import_versions(
            session, actor, by_kind["permit_version"], source=source, batch=batch.id, problems=problems
        )
        known = outcome.permits
        pending = {normal_number(str(r.values.get("permit_number") or "")) for r in by_kind["permit_version"]}
        new_applications, skipped_applications = await applications.import_applications(
            session,
            actor,
            by_kind["application"],
            permits=known,
            pending=pending,
            source=source,
            batch=batch.id,
            problems=problems,
        )
        new_submissions, skipped_submissions = await submissions.import_submissions(
            session,
            actor,
            by_kind["submission"],
            permits=known,
            pending=pending,
            source=source,
            batch=batch.id,
            problems=problems,
        )
        if problems:
            problems.sort(key=lambda p: (p.row, p.field))
            raise HistoryRejected(problems[: reading.MAX_PROBLEMS], total=len(problems))
        result = HistoryResult(
            batch=batch,
            permits=outcome.new_permits,
            versions=outcome.versions,
            applications=len(new_applications),
            submissions=len(new_submissions),
            skipped=outcome.skipped + skipped_applications + skipped_submissions,
        )
        if not result.written:
            await savepoint.rollback()  # nothing new: not even the batch is kept
            result.batch = None
            return result
        batch.permits, batch.versions = result.permits, result.versions
        batch.applications, batch.submissions = result.applications, result.submissions
        session.add(batch)
        entries = [
            entry_values(
                actor,
                action="history.import",
                object_type="history_import",
                object_id=batch.id,
                enterprise_id=None,
                after={
                    "source": source,
                    "file": batch.file_name,
                    "sha256": batch.file_sha256,
                    "permits": result.permits,
                    "versions": result.versions,
                    "applications": result.applications,
                    "submissions": result.submissions,
                    "skipped": result.skipped,
                },
            )
        ]
        changed: list[ChangedIds | None] = [None]
        created: set[str] = set()
        for version_row, permit in versions:
            first = permit.import_batch_id == batch.id and permit.number not in created
            created.add(permit.number or "")
            entries.append(
                permits.version_audit(
                    actor, version_row, permit, batch=batch.id, source=source, created=first
                )
            )
            changed.append({ObjectType.PERMIT: permit.id})
        for application_row, application in new_applications:
            entries.append(
                applications.application_audit(
                    actor, application_row, application, batch=batch.id, source=source
                )
            )
            changed.append({ObjectType.PERMIT_APPLICATION: application.id})
        seen_late: set[str] = set()
        for submission_row, report, submission in new_submissions:
            entries.append(
                submissions.submission_audit(
                    actor, submission_row, report, submission, batch=batch.id, source=source
                )
            )
            changed.append(
                {ObjectType.REPORT_SUBMISSION: submission.id, ObjectType.EXECUTION_REPORT: report.id}
            )
            key = f"{submission_row.permit.number}/{report.kind}/{report.period}"
            if report.on_time is False and key not in seen_late:
                seen_late.add(key)
                result.late_reports.append(key)
        await record_many(session, entries, changed)
        await session.flush()
    except IntegrityError:
        # Only when another import wrote the same records between our reads and our writes; the failed
        # flush left the savepoint inactive, still to be rolled back.
        await savepoint.rollback()
        raise Conflict(
            N_("Another import of the same history arrived at the same moment; import the file again."),
            field="file",
        ) from None
    except BaseException:
        if savepoint.is_active:
            await savepoint.rollback()
        raise
    await savepoint.commit()
    return result
