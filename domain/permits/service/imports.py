"""Import of permits already issued on the national platform: records (from GraphQL, or read from a JSON
or XLSX file by ``domain.permits.files``), all of them or none, each problem naming its row and field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, Target, can, require
from domain.audit.service import record_many
from domain.changes.kinds import ObjectType
from domain.clock import today
from domain.db import column_defaults, insert_rows
from domain.enterprises.models import Enterprise, ProductionSite
from domain.enterprises.queries import sites_of
from domain.enterprises.rules import normalize_credit_code
from domain.enterprises.service import pick_site
from domain.errors import N_, FieldError, ValidationFailed
from domain.permits import rules
from domain.permits.content import PermitContent, parse_content
from domain.permits.files.layout import MAX_PROBLEMS, FileProblem, PermitFileRejected
from domain.permits.files.reading import PermitFile, open_permit_file
from domain.permits.models import Permit, PermitEvent, PermitVersion
from domain.permits.register_entry import refresh_permit_entries
from domain.permits.rules import PermitStatus
from domain.permits.service.common import audit_values, basic_info, content_rows, event_values
from domain.permits.written import bulk_written

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    code: str
    message: str
    params: dict[str, Any]


class ImportFailed(ValidationFailed):
    """Some rows are wrong: nothing was imported. Each error names its row and field."""

    code = "import_failed"

    def __init__(self, rows: list[RowError]) -> None:
        super().__init__([FieldError(f"rows[{e.row}].{e.field}", e.code, e.message, e.params) for e in rows])
        self.rows = rows


IMPORT_BATCH = 200


def may_import(actor: Actor) -> bool:
    """Who may load permits from the national platform: the permitting section, the administrator."""
    return can(actor, Operation.PERMIT_DECIDE, Target(region_code=actor.region_code))


def require_may_import(actor: Actor) -> None:
    # Asked before anything about the file is looked at, so others learn nothing from it.
    require(actor, Operation.PERMIT_DECIDE, Target(region_code=actor.region_code))


def _date(value: Any, name: str, problems: list[FieldError], *, required: bool = True) -> date | None:
    if value in (None, ""):
        if required:
            problems.append(FieldError(name, "required", N_("This field is required.")))
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        problems.append(FieldError(name, "date", N_("Expected a date as YYYY-MM-DD.")))
        return None


async def import_permits(
    session: AsyncSession, actor: Actor, *, records: list[dict[str, Any]]
) -> list[Permit]:
    """Load permits already issued on the national platform. All rows or none (row numbers start at 1).

    Only the permitting section and the administrator import (asked before anything in the records is
    looked at); each row's unit must be in the actor's jurisdiction. The rows' units, sites and numbers
    are read in one query each, and the permits are written in one statement per table, so a file of
    thousands of permits (or ``permitwatch demo --enterprises``) imports in seconds."""
    require_may_import(actor)
    if not isinstance(records, list) or not records:
        raise ValidationFailed([FieldError("rows", "required", N_("The file contains no permits."))])
    row_errors: list[RowError] = []
    prepared: list[tuple[dict[str, Any], Enterprise, ProductionSite, PermitContent, date, date | None]] = []
    rows = [raw for raw in records if isinstance(raw, dict)]
    codes = {normalize_credit_code(str(raw.get("enterprise_credit_code", ""))) for raw in rows}
    enterprises = {
        enterprise.credit_code: enterprise
        for enterprise in (
            await session.exec(select(Enterprise).where(col(Enterprise.credit_code).in_(codes)))
        ).all()
    }
    sites = await sites_of(session, [enterprise.id or 0 for enterprise in enterprises.values()])
    numbers = {rules.normal_number(str(raw.get("number", ""))) for raw in rows}
    seen_numbers = set(
        (await session.exec(select(Permit.number).where(col(Permit.number).in_(numbers)))).all()
    )
    on = today()
    for row_number, raw in enumerate(records, start=1):
        problems: list[FieldError] = []
        if not isinstance(raw, dict):
            row_errors.append(
                RowError(row_number, "row", "type", N_("Expected the permit content as an object."), {})
            )
            continue
        enterprise = enterprises.get(normalize_credit_code(str(raw.get("enterprise_credit_code", ""))))
        if enterprise is None:
            problems.append(
                FieldError("enterprise_credit_code", "not_found", N_("No enterprise with this credit code."))
            )
        elif not can(
            actor,
            Operation.PERMIT_DECIDE,
            Target(enterprise_id=enterprise.id, region_code=enterprise.region_code),
        ):
            problems.append(
                FieldError(
                    "enterprise_credit_code",
                    "outside_jurisdiction",
                    N_("This region is outside your jurisdiction."),
                )
            )
        number = rules.normal_number(str(raw.get("number", "")))
        site: ProductionSite | None = None
        if enterprise is not None:
            problem = rules.permit_number_error(number, enterprise.credit_code)
            if problem:
                problems.append(problem)
            else:
                # The number names the production site (Reg art. 6 ¶2): it must be one of the unit's sites.
                try:
                    site = pick_site(sites[enterprise.id or 0], number[18:21], field="number")
                except ValidationFailed as error:
                    problems.extend(error.errors)
        if number in seen_numbers:  # imported before, or in an earlier row
            problems.append(FieldError("number", "duplicate", N_("This permit number is already in use.")))
        seen_numbers.add(number)
        if raw.get("category") not in ("key", "simplified"):
            problems.append(
                FieldError("category", "choice", N_("Choose key management or simplified management."))
            )
        for problem in (
            rules.text_error(
                str(raw.get("issuing_authority") or ""), "issuing_authority", limit=rules.AUTHORITY_LIMIT
            ),
            rules.text_error(
                str(raw.get("validity_cut_reason") or ""),
                "validity_cut_reason",
                limit=rules.CUT_REASON_LIMIT,
                required=False,
            ),
        ):
            if problem is not None:
                problems.append(problem)
        decision = _date(raw.get("decision_date"), "decision_date", problems)
        cut_to = _date(raw.get("valid_until"), "valid_until", problems, required=False)
        if decision and decision > on:
            problems.append(FieldError("decision_date", "future", N_("This date is in the future.")))
        if decision and cut_to and cut_to < decision:
            problems.append(
                FieldError(
                    "valid_until", "before_decision", N_("The validity cannot end before the decision.")
                )
            )
        if raw.get("renewed") not in (None, True, False):
            problems.append(FieldError("renewed", "type", N_("Expected true or false.")))
        content, content_errors = parse_content(raw.get("content"), prefix="content.")
        problems.extend(content_errors)
        for problem in problems:
            row_errors.append(
                RowError(row_number, problem.field or "row", problem.code, problem.message, problem.params)
            )
        if not problems and enterprise is not None and site is not None and decision is not None:
            prepared.append((raw, enterprise, site, content, decision, cut_to))
    if row_errors:
        raise ImportFailed(row_errors)
    return await _write_imported(session, actor, prepared)


async def _write_imported(
    session: AsyncSession,
    actor: Actor,
    prepared: list[tuple[dict[str, Any], Enterprise, ProductionSite, PermitContent, date, date | None]],
) -> list[Permit]:
    """Each checked row as an issued permit with its version 1, content rows, public event and audit
    entry: what the lifecycle's use cases write for one permit, in one statement per table."""
    defaults = column_defaults(Permit)
    permit_rows = []
    for raw, enterprise, site, _content, decision, cut_to in prepared:
        renewed = bool(raw.get("renewed"))
        valid_until = rules.validity_end(decision, rules.term_years(decision, renewed), cut_to)
        deadline = rules.renewal_deadline(valid_until, decision)
        permit_rows.append(
            {
                **defaults,
                "number": rules.normal_number(str(raw["number"])),
                "enterprise_id": enterprise.id,
                "site_id": site.id,
                "category": raw["category"],
                "status": PermitStatus.ISSUED.value,
                "issuing_authority": str(raw["issuing_authority"]).strip(),
                "region_code": site.region_code,
                "industry_code": site.industry_code,
                "renewed": renewed,
                "decision_date": decision,
                "valid_from": decision,
                "valid_until": valid_until,
                "validity_cut_reason": str(raw.get("validity_cut_reason") or "").strip() if cut_to else "",
                "renewal_due": deadline.date,
                "renewal_due_approximate": deadline.approximate,
                "content_version": 1,
            }
        )
    written = await insert_rows(session, Permit.__table__, permit_rows, returning=("id", "number"))  # type: ignore[attr-defined]
    ids = {number: permit_id for permit_id, number in written}
    stored = {
        permit.id: permit
        for permit in (await session.exec(select(Permit).where(col(Permit.id).in_(list(ids.values()))))).all()
    }
    permits = [stored[ids[row["number"]]] for row in permit_rows]
    version_defaults, event_defaults = column_defaults(PermitVersion), column_defaults(PermitEvent)
    versions, events, entries = [], [], []
    tables: dict[Any, list[dict[str, Any]]] = {}
    for permit, (_raw, enterprise, site, content, decision, _cut_to) in zip(permits, prepared, strict=True):
        assert permit.id is not None
        versions.append(
            {
                **version_defaults,
                "permit_id": permit.id,
                "version": 1,
                "reason": "imported",
                "category": permit.category,
                "decision_date": decision,
                "valid_from": permit.valid_from,
                "valid_until": permit.valid_until,
                "basic_info": basic_info(enterprise, site),
                "content": content.to_dict(),
                "created_by_username": actor.username,
            }
        )
        for model, rows in content_rows(permit.id, 1, content).items():
            tables.setdefault(model, []).extend(rows)
        events.append(
            {
                **event_defaults,
                **event_values(
                    actor, permit, "issued", on=decision, note=N_("Imported from the national platform")
                ),
            }
        )
        entries.append(audit_values(actor, permit, "permit.import", None))
    await insert_rows(session, PermitVersion.__table__, versions)  # type: ignore[attr-defined]
    for model, rows in tables.items():
        await insert_rows(session, model.__table__, rows)
    await insert_rows(session, PermitEvent.__table__, events)  # type: ignore[attr-defined]
    await record_many(session, entries, [{ObjectType.PERMIT: permit.id} for permit in permits])
    await bulk_written(session, (permit.region_code for permit in permits))  # the filing rollup's marks
    await refresh_permit_entries(session, permits)  # the public register lists them
    return permits


async def import_permit_file(
    session: AsyncSession,
    actor: Actor,
    *,
    name: str,
    data: bytes,
    progress: Progress | None = None,
) -> list[Permit]:
    """Read a JSON or XLSX file and import its permits: all of them or, on any problem, none."""
    require_may_import(actor)
    permit_file = open_permit_file(name, data)
    return await import_permit_records(session, actor, permit_file=permit_file, progress=progress)


async def import_permit_records(
    session: AsyncSession,
    actor: Actor,
    *,
    permit_file: PermitFile,
    progress: Progress | None = None,
    batch_size: int = IMPORT_BATCH,
) -> list[Permit]:
    """Import what ``open_permit_file`` read, in batches (for progress), all or nothing.

    Every batch is checked even after one failed, so the file's problems are all reported at
    once; then everything is rolled back to where it started and ``PermitFileRejected`` says
    where each problem is in the file.
    """
    require_may_import(actor)
    records = permit_file.records
    total = len(records)
    problems: list[FileProblem] = []
    imported: list[Permit] = []
    savepoint = await session.begin_nested()
    try:
        for start in range(0, total, batch_size):
            batch = records[start : start + batch_size]
            try:
                imported.extend(await import_permits(session, actor, records=batch))
            except ImportFailed as failure:
                for row_error in failure.rows:
                    index = start + row_error.row - 1
                    error = FieldError(row_error.field, row_error.code, row_error.message, row_error.params)
                    problems.append(permit_file.locate(index, row_error.field, error))
            if progress is not None:
                progress(min(start + batch_size, total), total)
            if len(problems) >= MAX_PROBLEMS:
                break
        if problems:
            raise PermitFileRejected(problems[:MAX_PROBLEMS], total=len(problems))
    except BaseException:
        await savepoint.rollback()
        raise
    await savepoint.commit()
    return imported
