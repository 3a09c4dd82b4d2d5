"""Applications of a history import: closed procedures with their own dates (received, accepted, decided,
issued), their time limits counted from those dates with the working-day calendar of their year, so a
limit that straddles a past holiday (the Spring Festival, National Day) is judged as it was then.

An application is recognised by its number on the national platform (申请编号) and the source: the same
again is skipped, the same number with other values refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor
from domain.audit.service import entry_values
from domain.clock import today
from domain.errors import N_, FieldError
from domain.history import reading
from domain.history.permits import permit_of_record
from domain.permits import law, rules
from domain.permits.models import Permit, PermitApplication
from domain.permits.rules import ApplicationKind, ApplicationStatus
from domain.permits.service.imports import RowError

KINDS = tuple(kind.value for kind in ApplicationKind)
# Only closed procedures: one still open on the platform is filed here anew, where its steps are taken.
OUTCOMES = (
    ApplicationStatus.NOT_ACCEPTED.value,
    ApplicationStatus.REFUSED.value,
    ApplicationStatus.COMPLETED.value,
)
PLATFORM_ID_LIMIT = 64
COMPARED = ("kind", "status", "received_on", "accepted_on", "decided_on", "completed_on", "proposed_category")


@dataclass
class ApplicationRow:
    row: int
    permit: Permit
    values: dict[str, Any]  # the application's columns


def _check(
    actor: Actor,
    record: reading.Record,
    permits: dict[str, Permit],
    pending: set[str],
    problems: list[RowError],
) -> ApplicationRow | None:
    values = record.values
    errors: list[FieldError] = []
    platform_id = reading.text(values, "platform_id", errors, limit=PLATFORM_ID_LIMIT)
    number = rules.normal_number(str(values.get("permit_number") or ""))
    permit = permit_of_record(actor, number, permits, pending, errors)
    kind = reading.choice(values, "kind", errors, KINDS)
    status = reading.choice(values, "status", errors, OUTCOMES)
    category = values.get("category") or (permit.category if permit else None)
    if category not in (None, *rules.CATEGORIES):
        errors.append(FieldError("category", "choice", N_("Choose key management or simplified management.")))
    on = today()
    received = reading.day(values, "received_on", errors, latest=on)
    accepted = reading.day(values, "accepted_on", errors, latest=on, required=False)
    decided = reading.day(values, "decided_on", errors, latest=on, required=False)
    completed = reading.day(values, "completed_on", errors, latest=on, required=False)
    needs = {
        "not_accepted": ("decided_on",),
        "refused": ("accepted_on", "decided_on"),
        "completed": ("decided_on", "completed_on")
        if kind == "replacement"
        else ("accepted_on", "decided_on", "completed_on"),
    }.get(status, ())
    given = {"accepted_on": accepted, "decided_on": decided, "completed_on": completed}
    for name in needs:
        if given[name] is None and not any(e.field == name for e in errors):
            errors.append(FieldError(name, "required", N_("This field is required for this outcome.")))
    if status == "not_accepted" and accepted is not None:
        errors.append(
            FieldError(
                "accepted_on", "not_expected", N_("An application not accepted has no acceptance date.")
            )
        )
    steps = [
        ("received_on", received),
        ("accepted_on", accepted),
        ("decided_on", decided),
        ("completed_on", completed),
    ]
    known = [(name, day) for name, day in steps if day is not None]
    for (_before, earlier), (name, later) in zip(known, known[1:], strict=False):
        if later < earlier:
            errors.append(FieldError(name, "order", N_("This date is before the step it follows.")))
    problems.extend(reading.problem(record.row, error) for error in errors)
    if errors or permit is None or received is None:
        return None
    assert permit.id is not None
    columns: dict[str, Any] = {
        "permit_id": permit.id,
        "platform_id": platform_id,
        "kind": kind,
        "status": status,
        "received_on": received,
        "accepted_on": accepted,
        "decided_on": decided,
        "completed_on": completed,
        "proposed_category": category,
    }
    if kind == ApplicationKind.REPLACEMENT:
        due = law.replacement_issue_due(received)
        columns |= {
            "accept_due": received,
            "accepted_on": received,
            "issue_due": due.date,
            "issue_due_approximate": due.approximate,
        }
    else:
        accept = law.acceptance_due(received)
        columns |= {"accept_due": accept.date, "accept_due_approximate": accept.approximate}
        if accepted is not None:
            decision = law.decision_due(received, accepted, kind, category)
            columns |= {"decision_due": decision.date, "decision_due_approximate": decision.approximate}
        if decided is not None and status == "completed":
            issue = law.issue_due(received, decided)
            columns |= {"issue_due": issue.date, "issue_due_approximate": issue.approximate}
    return ApplicationRow(record.row, permit, columns)


def _same(stored: PermitApplication, row: ApplicationRow) -> bool:
    return stored.permit_id == row.permit.id and all(
        getattr(stored, name) == row.values[name] for name in COMPARED
    )


async def import_applications(
    session: AsyncSession,
    actor: Actor,
    records: list[reading.Record],
    *,
    permits: dict[str, Permit],
    pending: set[str],
    source: str,
    batch: int,
    problems: list[RowError],
) -> tuple[list[tuple[ApplicationRow, PermitApplication]], int]:
    """Check every application record; when none is wrong, write the new ones. Returns the new ones and
    how many were already here as imported."""
    numbers = sorted(
        {rules.normal_number(str(r.values.get("permit_number") or "")) for r in records} - set(permits)
    )
    if numbers:
        permits = permits | {
            p.number: p
            for p in (await session.exec(select(Permit).where(col(Permit.number).in_(numbers)))).all()
            if p.number
        }
    checked = [row for row in (_check(actor, r, permits, pending, problems) for r in records) if row]
    ids = [row.values["platform_id"] for row in checked]
    stored = {
        a.platform_id: a
        for a in (
            await session.exec(
                select(PermitApplication).where(
                    PermitApplication.imported_from == source, col(PermitApplication.platform_id).in_(ids)
                )
            )
        ).all()
    }
    fresh: list[ApplicationRow] = []
    seen: set[str] = set()
    skipped = 0
    for row in checked:
        platform_id = row.values["platform_id"]
        if platform_id in seen:
            problems.append(
                RowError(
                    row.row, "platform_id", "duplicate", N_("This application appears twice in the file."), {}
                )
            )
            continue
        seen.add(platform_id)
        earlier = stored.get(platform_id)
        if earlier is None:
            fresh.append(row)
        elif _same(earlier, row):
            skipped += 1
        else:
            problems.append(
                RowError(
                    row.row,
                    "platform_id",
                    "conflict",
                    N_(
                        "This application was imported from this source before with other values; history "
                        "already recorded is not rewritten."
                    ),
                    {},
                )
            )
    if problems:
        return [], skipped
    written = []
    for row in fresh:
        application = PermitApplication(
            **row.values,
            submitted_by_username=actor.username,
            imported_from=source,
            import_batch_id=batch,
        )
        session.add(application)
        written.append((row, application))
    await session.flush()
    return written, skipped


def application_audit(
    actor: Actor, row: ApplicationRow, application: PermitApplication, *, batch: int, source: str
) -> dict[str, Any]:
    def iso(value: date | None) -> str | None:
        return value.isoformat() if value else None

    return entry_values(
        actor,
        action="history.import.application",
        object_type="permit_application",
        object_id=application.id or 0,
        enterprise_id=row.permit.enterprise_id,
        after={
            "batch": batch,
            "source": source,
            "line": row.row,
            "permit": row.permit.number,
            "platform_id": application.platform_id,
            "status": application.status,
            "original": {
                "received_on": iso(application.received_on),
                "accepted_on": iso(application.accepted_on),
                "decided_on": iso(application.decided_on),
                "completed_on": iso(application.completed_on),
            },
        },
    )
