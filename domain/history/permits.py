"""Permit versions of a history import: each permit with every version the national platform issued, its
own dates kept (decision, validity), the content of each version stored as the lifecycle stores it.

A permit new here is written from its versions 1…n; a permit already here takes the versions after its
own, in order. A version already here is skipped when it is the same import (same source, dates and
content), refused otherwise: history is never rewritten.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, Target, can
from domain.audit.service import entry_values
from domain.clock import today, utcnow
from domain.db import column_defaults, insert_rows
from domain.enterprises.models import Enterprise, ProductionSite
from domain.enterprises.queries import sites_of
from domain.enterprises.rules import credit_code_error, normalize_credit_code
from domain.enterprises.service import pick_site
from domain.errors import N_, FieldError, ValidationFailed
from domain.history import reading
from domain.permits import rules
from domain.permits.content import PermitContent, parse_content
from domain.permits.models import Permit, PermitEvent, PermitVersion
from domain.permits.register_entry import refresh_permit_entries
from domain.permits.rules import ApplicationKind, PermitStatus
from domain.permits.service.common import basic_info, content_rows
from domain.permits.service.imports import RowError
from domain.reports.rules import canonical_json

REASONS = tuple(kind.value for kind in ApplicationKind)
EVENT_OF_REASON = {"first": "issued", "renewal": "renewed", "replacement": "replaced"}  # else "changed"
MAX_VERSION = 1000


@dataclass
class VersionRow:
    row: int
    number: str
    enterprise: Enterprise
    site: ProductionSite
    version: int
    reason: str
    category: str
    issuing_authority: str
    decision_date: date
    valid_from: date
    valid_until: date
    content: PermitContent


@dataclass
class PermitsOutcome:
    permits: dict[str, Permit] = field(default_factory=dict)  # every permit the file names, by number
    new_permits: int = 0
    versions: int = 0
    skipped: int = 0
    audit: list[dict[str, Any]] = field(default_factory=list)


def in_jurisdiction(actor: Actor, permit: Permit) -> bool:
    """Whether the importing actor may record this permit's history (as the permit import asks)."""
    return can(
        actor,
        Operation.PERMIT_DECIDE,
        Target(enterprise_id=permit.enterprise_id, region_code=permit.region_code),
    )


def permit_of_record(
    actor: Actor, number: str, permits: dict[str, Permit], pending: set[str], errors: list[FieldError]
) -> Permit | None:
    """The permit an application or submission of the file belongs to: stored here or among the file's
    versions, and the importer's to record. None (with the error, unless the permit's own lines already
    carry theirs: ``pending``) otherwise."""
    permit = permits.get(number)
    if permit is None and number not in pending:
        errors.append(
            FieldError(
                "permit_number",
                "not_found",
                N_("No permit with this number, here or among the file's permit versions."),
            )
        )
    elif permit is not None and not in_jurisdiction(actor, permit):
        errors.append(
            FieldError(
                "permit_number", "outside_jurisdiction", N_("This region is outside your jurisdiction.")
            )
        )
        return None
    return permit


def _check(
    actor: Actor,
    record: reading.Record,
    enterprises: dict[str, Enterprise],
    sites: dict[int, list[ProductionSite]],
    problems: list[RowError],
) -> VersionRow | None:
    values = record.values
    errors: list[FieldError] = []
    code = normalize_credit_code(str(values.get("enterprise_credit_code") or ""))
    enterprise: Enterprise | None = None
    problem = credit_code_error(code, "enterprise_credit_code")
    if problem is not None:
        errors.append(problem)
    else:
        enterprise = enterprises.get(code)
        if enterprise is None:
            errors.append(
                FieldError("enterprise_credit_code", "not_found", N_("No enterprise with this credit code."))
            )
        elif not can(
            actor,
            Operation.PERMIT_DECIDE,
            Target(enterprise_id=enterprise.id, region_code=enterprise.region_code),
        ):
            errors.append(
                FieldError(
                    "enterprise_credit_code",
                    "outside_jurisdiction",
                    N_("This region is outside your jurisdiction."),
                )
            )
            enterprise = None
    number = rules.normal_number(str(values.get("permit_number") or ""))
    site: ProductionSite | None = None
    if enterprise is not None:
        number_problem = rules.permit_number_error(number, enterprise.credit_code)
        if number_problem is not None:
            errors.append(
                FieldError(
                    "permit_number", number_problem.code, number_problem.message, number_problem.params
                )
            )
        else:
            try:
                site = pick_site(sites.get(enterprise.id or 0, []), number[18:21], field="permit_number")
            except ValidationFailed as error:
                errors.extend(error.errors)
    version = reading.whole(values, "version", errors, largest=MAX_VERSION)
    reason = reading.choice(values, "reason", errors, REASONS)
    category = reading.choice(values, "category", errors, rules.CATEGORIES)
    authority = reading.text(values, "issuing_authority", errors, limit=rules.AUTHORITY_LIMIT)
    on = today()
    decided = reading.day(values, "decision_date", errors, latest=on)
    valid_from = reading.day(values, "valid_from", errors, latest=date.max)
    valid_until = reading.day(values, "valid_until", errors, latest=date.max)
    if valid_from and valid_until and valid_until < valid_from:
        errors.append(
            FieldError("valid_until", "before_start", N_("The validity cannot end before it begins."))
        )
    if decided and valid_until and valid_until < decided:
        errors.append(
            FieldError("valid_until", "before_decision", N_("The validity cannot end before the decision."))
        )
    content, content_errors = parse_content(values.get("content"), prefix="content.")
    errors.extend(content_errors)
    problems.extend(reading.problem(record.row, error) for error in errors)
    if errors or enterprise is None or site is None or version is None:
        return None
    assert decided and valid_from and valid_until
    return VersionRow(
        record.row,
        number,
        enterprise,
        site,
        version,
        reason,
        category,
        authority,
        decided,
        valid_from,
        valid_until,
        content,
    )


def _same(stored: PermitVersion, row: VersionRow, source: str) -> bool:
    return (
        stored.imported_from == source
        and stored.reason == row.reason
        and stored.category == row.category
        and stored.decision_date == row.decision_date
        and stored.valid_from == row.valid_from
        and stored.valid_until == row.valid_until
        and canonical_json(stored.content) == canonical_json(row.content.to_dict())
    )


async def import_versions(
    session: AsyncSession,
    actor: Actor,
    records: list[reading.Record],
    *,
    source: str,
    batch: int,
    problems: list[RowError],
) -> tuple[PermitsOutcome, list[tuple[VersionRow, Permit]]]:
    """Check every permit version record; when none is wrong, write the new ones (the permits they
    create get ids, so the rest of the file can refer to them). Returns what was written and, for the
    audit entries, each new version with its permit."""
    outcome = PermitsOutcome()
    codes = {normalize_credit_code(str(r.values.get("enterprise_credit_code") or "")) for r in records}
    enterprises = {
        e.credit_code: e
        for e in (await session.exec(select(Enterprise).where(col(Enterprise.credit_code).in_(codes)))).all()
    }
    sites = await sites_of(session, [e.id or 0 for e in enterprises.values()])
    checked = [row for row in (_check(actor, r, enterprises, sites, problems) for r in records) if row]
    numbers = sorted(
        {row.number for row in checked}
        | {rules.normal_number(str(r.values.get("permit_number") or "")) for r in records}
    )
    stored_permits = {
        p.number: p for p in (await session.exec(select(Permit).where(col(Permit.number).in_(numbers)))).all()
    }
    stored_versions: dict[tuple[int, int], PermitVersion] = {
        (v.permit_id, v.version): v
        for v in (
            await session.exec(
                select(PermitVersion).where(
                    col(PermitVersion.permit_id).in_([p.id for p in stored_permits.values()])
                )
            )
        ).all()
    }
    by_number: dict[str, list[VersionRow]] = {}
    for row in checked:
        by_number.setdefault(row.number, []).append(row)
    plan: list[tuple[str, Permit | None, list[VersionRow]]] = []
    for number, rows in by_number.items():
        rows.sort(key=lambda r: r.version)
        permit = stored_permits.get(number)
        fresh: list[VersionRow] = []
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
            if permit is not None and permit.enterprise_id != row.enterprise.id:
                problems.append(
                    RowError(
                        row.row,
                        "permit_number",
                        "other_unit",
                        N_("This permit number belongs to another unit here."),
                        {},
                    )
                )
                continue
            stored = stored_versions.get((permit.id or 0, row.version)) if permit is not None else None
            if stored is not None:
                if _same(stored, row, source):
                    outcome.skipped += 1
                else:
                    problems.append(
                        RowError(
                            row.row,
                            "version",
                            "conflict",
                            N_(
                                "Version {version} of this permit is already recorded here with other "
                                "values; history already recorded is not rewritten."
                            ),
                            {"version": row.version},
                        )
                    )
                continue
            fresh.append(row)
        start = (permit.content_version if permit is not None else 0) + 1
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
        for earlier, later in zip(fresh, fresh[1:], strict=False):
            if later.decision_date < earlier.decision_date:
                problems.append(
                    RowError(
                        later.row,
                        "decision_date",
                        "order",
                        N_("A later version cannot be decided before an earlier one."),
                        {},
                    )
                )
        plan.append((number, permit, fresh))
    outcome.permits = {number: permit for number, permit in stored_permits.items() if number}
    if problems:
        return outcome, []
    written: list[tuple[VersionRow, Permit]] = []
    touched: list[tuple[Permit, list[VersionRow]]] = []
    for number, existing, fresh in plan:
        if not fresh:
            continue
        latest = fresh[-1]
        permit = existing
        if permit is None:
            permit = Permit(
                number=number,
                enterprise_id=latest.enterprise.id or 0,
                site_id=latest.site.id or 0,
                category=latest.category,
                status=PermitStatus.ISSUED.value,
                issuing_authority=latest.issuing_authority,
                region_code=latest.site.region_code,
                industry_code=latest.site.industry_code,
                imported_from=source,
                import_batch_id=batch,
            )
            outcome.new_permits += 1
        permit.category = latest.category
        permit.issuing_authority = latest.issuing_authority
        permit.renewed = any(r.reason == "renewal" for r in fresh) or permit.renewed
        permit.decision_date = latest.decision_date
        permit.valid_from, permit.valid_until = latest.valid_from, latest.valid_until
        permit.content_version = latest.version
        deadline = rules.renewal_deadline(latest.valid_until, latest.decision_date)
        permit.renewal_due, permit.renewal_due_approximate = deadline.date, deadline.approximate
        permit.updated_at = utcnow()
        session.add(permit)
        outcome.permits[number] = permit
        touched.append((permit, fresh))
    await session.flush()  # once for all the permits: their ids
    # The public register lists them as imported (a permit's row, kept by the permits' keeper).
    await refresh_permit_entries(session, [permit for permit, _fresh in touched])
    # The versions, their content rows and events in one statement per table (as the permit import).
    version_defaults, event_defaults = column_defaults(PermitVersion), column_defaults(PermitEvent)
    versions: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    tables: dict[Any, list[dict[str, Any]]] = {}
    for permit, fresh in touched:
        assert permit.id is not None
        for row in fresh:
            versions.append(
                {
                    **version_defaults,
                    "permit_id": permit.id,
                    "version": row.version,
                    "reason": row.reason,
                    "category": row.category,
                    "decision_date": row.decision_date,
                    "valid_from": row.valid_from,
                    "valid_until": row.valid_until,
                    "basic_info": basic_info(row.enterprise, row.site),
                    "content": row.content.to_dict(),
                    "created_by_username": actor.username,
                    "imported_from": source,
                    "import_batch_id": batch,
                }
            )
            for model, values in content_rows(permit.id, row.version, row.content).items():
                tables.setdefault(model, []).extend(values)
            events.append(
                {
                    **event_defaults,
                    "permit_id": permit.id,
                    "kind": EVENT_OF_REASON.get(row.reason, "changed"),
                    "effective_on": row.decision_date,
                    "note": N_("Imported from the national platform"),
                    "actor_username": actor.username,
                }
            )
            outcome.versions += 1
            written.append((row, permit))
    await insert_rows(session, PermitVersion.__table__, versions)  # type: ignore[attr-defined]
    for model, table_rows in tables.items():
        await insert_rows(session, model.__table__, table_rows)
    await insert_rows(session, PermitEvent.__table__, events)  # type: ignore[attr-defined]
    return outcome, written


def version_audit(
    actor: Actor, row: VersionRow, permit: Permit, *, batch: int, source: str, created: bool
) -> dict[str, Any]:
    """The audit entry of an imported version: who imported it (server time), and its own dates apart;
    ``created``: the version that brought the permit here."""
    return entry_values(
        actor,
        action="history.import.permit" if created else "history.import.permit_version",
        object_type="permit",
        object_id=permit.number or f"id:{permit.id}",
        enterprise_id=permit.enterprise_id,
        after={
            "batch": batch,
            "source": source,
            "line": row.row,
            "version": row.version,
            "original": {
                "decision_date": row.decision_date.isoformat(),
                "valid_from": row.valid_from.isoformat(),
                "valid_until": row.valid_until.isoformat(),
            },
        },
    )
