"""Use cases of problems and rectification (AP (5), actions 16-18; PT §5-8; JN): the only writers.

Each step of the closed loop is one use case and one append-only ``RectificationStep`` (who, for whom,
server time); the item's state is moved by ``rules.next_state`` and an illegal step is refused with a
clear error. Every use case checks access, names every field error at once, records the audit trail and
tells who must know, in the caller's transaction; none commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain import uploads
from domain.access import Actor, Operation, Target, require
from domain.audit.service import record
from domain.bounds import MAX_ID
from domain.clock import today, utcnow
from domain.enterprises.models import Enterprise
from domain.errors import N_, Conflict, FieldError, ValidationFailed
from domain.permits.models import Permit, PermitOutlet
from domain.supervision.departments import department_error
from domain.supervision.problems import lookup, notices, rules
from domain.supervision.problems.models import (
    Problem,
    RectificationAttachment,
    RectificationItem,
    RectificationStep,
)
from domain.supervision.problems.rules import (
    AttachmentInput,
    ProblemInput,
    ProgressInput,
    RectificationInput,
)


def _department_of(actor: Actor) -> str | None:
    return actor.role.value if actor.is_regulator and actor.role is not None else None


async def _place(
    session: AsyncSession, data: ProblemInput
) -> tuple[Enterprise | None, Permit | None, list[FieldError]]:
    """The unit and permit a problem names, and what is wrong with them (a permit of another unit, an
    outlet the permit does not have)."""
    errors: list[FieldError] = []
    enterprise = (
        await session.get(Enterprise, data.enterprise_id) if 0 < data.enterprise_id <= MAX_ID else None
    )
    if enterprise is None:
        errors.append(FieldError("enterprise_id", "not_found", N_("No such unit.")))
    permit = None
    if data.permit_id is not None:
        permit = await session.get(Permit, data.permit_id) if 0 < data.permit_id <= MAX_ID else None
        if permit is None or (enterprise is not None and permit.enterprise_id != enterprise.id):
            errors.append(FieldError("permit_id", "not_found", N_("No such permit of this unit.")))
            permit = None
    outlet = (data.outlet_code or "").strip().upper()
    if outlet and permit is not None:
        known = (
            await session.exec(
                select(PermitOutlet.id).where(
                    PermitOutlet.permit_id == permit.id, PermitOutlet.code == outlet
                )
            )
        ).first()
        if known is None:
            errors.append(FieldError("outlet_code", "not_found", N_("The permit has no such outlet.")))
    elif outlet and data.permit_id is None:
        errors.append(FieldError("outlet_code", "permit_required", N_("Name the permit the outlet is on.")))
    return enterprise, permit, errors


async def _existing(session: AsyncSession, source_kind: str, source_ref: str) -> Problem | None:
    return (
        await session.exec(
            select(Problem).where(Problem.source_kind == source_kind, Problem.source_ref == source_ref)
        )
    ).first()


async def raise_problem(session: AsyncSession, actor: Actor, *, data: ProblemInput) -> Problem:
    """Record a problem found by any source (audit finding, feedback item, exceedance, inspection,
    monitoring, linkage task, complaint, a regulator's own entry, permit-quality audit) and, when
    ``data.rectification`` is given, require its rectification at once (``require_rectification``).

    Contract for every source (docs/supervision.md):
    - Access: ``Operation.PROBLEM_RAISE`` on the unit (and the permit's region): regulators of the
      jurisdiction, the administrator, and the system worker's operator actor.
    - Idempotent per ``(source_kind, source_ref)``: raising the same source again returns the problem it
      raised before and writes nothing (whatever else the second call says).
    - Every fault at once as ``ValidationFailed`` (fields named as in ``ProblemInput``; the
      rectification's as ``rectification.measures`` …); nothing is written then.
    - Writes the problem (and the item with its first step), the audit entry, the owning department's
      notice and, with a rectification, the unit's; never commits.
    """
    source_ref = (data.source_ref or "").strip()
    existing = await _existing(session, data.source_kind, source_ref) if source_ref else None
    if existing is not None:
        require(actor, Operation.PROBLEM_RAISE, lookup.target_of(existing))
        return existing
    enterprise, permit, errors = await _place(session, data)
    if enterprise is not None:
        region = permit.region_code if permit is not None else enterprise.region_code
        require(actor, Operation.PROBLEM_RAISE, Target(enterprise_id=enterprise.id, region_code=region))
    else:
        require(actor, Operation.PROBLEM_RAISE)
    errors = [*rules.problem_errors(data, on=today()), *errors]
    department = department_error(data.department)
    if department is not None:
        errors.append(department)
    if errors:
        raise ValidationFailed(errors)
    assert enterprise is not None and enterprise.id is not None
    problem = Problem(
        enterprise_id=enterprise.id,
        permit_id=permit.id if permit is not None else None,
        region_code=permit.region_code if permit is not None else enterprise.region_code,
        industry_code=permit.industry_code if permit is not None else enterprise.industry_code,
        outlet_code=(data.outlet_code or "").strip().upper() or None,
        source_kind=data.source_kind,
        source_ref=source_ref,
        title=data.title.strip(),
        description=data.description.strip(),
        legal_basis=data.legal_basis.strip(),
        evidence=data.evidence.strip(),
        department=data.department,
        raised_at=utcnow(),
        raised_by=actor.username or "system",
        on_behalf_of=actor.on_behalf_of,
    )
    try:
        async with session.begin_nested():
            session.add(problem)
    except IntegrityError:  # the same source raised a moment ago by a concurrent call
        existing = await _existing(session, data.source_kind, source_ref)
        if existing is None:
            raise
        return existing
    assert problem.id is not None
    record(
        session,
        actor,
        action="problem.raise",
        object_type="problem",
        object_id=problem.id,
        enterprise_id=problem.enterprise_id,
        after={
            "enterprise_id": problem.enterprise_id,
            "source": f"{problem.source_kind}:{problem.source_ref}",
            "department": problem.department,
            "title": problem.title,
        },
    )
    await notices.problem_raised(session, problem, by_user_id=actor.user_id)
    if data.rectification is not None:
        await _require(session, actor, problem, data.rectification)
    return problem


async def _step(
    session: AsyncSession,
    actor: Actor,
    item: RectificationItem,
    problem: Problem,
    kind: str,
    *,
    outcome: str | None = None,
    **values: object,
) -> RectificationStep:
    """Append the step and move the item (and its problem) to the state it leads to."""
    state = rules.next_state(item.state, kind, outcome)
    if state is None:
        raise Conflict(rules.refusal(kind, item.state), code="state")
    now = utcnow()
    assert item.id is not None
    step = RectificationStep(
        item_id=item.id,
        kind=kind,
        at=now,
        actor=actor.username or "system",
        on_behalf_of=actor.on_behalf_of,
        department=_department_of(actor),
        outcome=outcome,
        state_after=state,
        **values,  # type: ignore[arg-type]
    )
    session.add(step)
    item.state = state
    problem.state = state
    match kind:
        case rules.PROGRESS:
            item.last_progress_at = now
        case rules.VERIFICATION if state == rules.VERIFIED:
            item.verified_at = now
        case rules.RECHECK:
            item.rechecked_at = now
        case rules.CLOSURE:
            item.closed_at = problem.closed_at = now
    if state != rules.CLOSED:
        item.closed_at = problem.closed_at = None
    if state == rules.RECTIFYING:
        item.verified_at = None
    session.add(item)
    session.add(problem)
    await session.flush()
    return step


async def _require(
    session: AsyncSession, actor: Actor, problem: Problem, data: RectificationInput
) -> RectificationItem:
    assert problem.id is not None and data.deadline is not None
    item = RectificationItem(
        problem_id=problem.id,
        measures=data.measures.strip(),
        deadline=data.deadline,
        responsible_person=data.responsible_person.strip(),
        created_by=actor.username or "system",
    )
    session.add(item)
    await session.flush()
    assert item.id is not None
    step = RectificationStep(
        item_id=item.id,
        kind=rules.REQUIRED,
        actor=actor.username or "system",
        on_behalf_of=actor.on_behalf_of,
        department=_department_of(actor),
        deadline=item.deadline,
        measures=item.measures,
        responsible_person=item.responsible_person,
        state_after=rules.RECTIFYING,
    )
    session.add(step)
    problem.state = rules.RECTIFYING
    session.add(problem)
    await session.flush()
    record(
        session,
        actor,
        action="rectification.require",
        object_type="rectification_item",
        object_id=item.id,
        enterprise_id=problem.enterprise_id,
        after={
            "problem_id": problem.id,
            "deadline": item.deadline.isoformat(),
            "responsible_person": item.responsible_person,
        },
    )
    await notices.rectification_required(session, problem, item, step)
    return item


async def require_rectification(
    session: AsyncSession, actor: Actor, *, problem_id: int, data: RectificationInput
) -> RectificationItem:
    """Turn a problem into a rectification item: measures, a deadline (not past, at most two years
    away) and the responsible person at the unit (AP (5)). A problem has at most one item: once it has
    one, this is refused (a replay writes nothing)."""
    problem = await lookup.problem(session, actor, problem_id, lock=True)
    require(actor, Operation.PROBLEM_RAISE, lookup.target_of(problem))
    errors = rules.rectification_errors(data, on=today())
    if errors:
        raise ValidationFailed(errors)
    if await lookup.item_of(session, problem_id) is not None:
        raise Conflict(N_("This problem already has a rectification item."), code="exists")
    return await _require(session, actor, problem, data)


def _same_progress(step: RectificationStep, actor: Actor, data: ProgressInput, month: str) -> bool:
    return (
        step.kind == rules.PROGRESS
        and step.actor == (actor.username or "system")
        and step.month == month
        and step.note == data.text.strip()
        and step.figures == _figures(data)
    )


def _figures(data: ProgressInput) -> list[dict[str, object]]:
    return [{"name": f.name.strip(), "value": f.value, "unit": f.unit.strip()} for f in data.figures]


async def report_progress(
    session: AsyncSession, actor: Actor, *, item_id: int, data: ProgressInput
) -> RectificationStep:
    """The unit (or the agency authorised for its reports) reports the month's progress (AP action 18):
    what was done, figures, and PDF/JPG/PNG files (at most 4, 10 MB each, kept with their SHA-256). Only
    an item being rectified takes progress; the same report sent twice in a row is written once."""
    item, problem = await lookup.item(session, actor, item_id, lock=True)
    require(actor, Operation.RECTIFICATION_REPORT, lookup.target_of(problem))
    errors = rules.progress_errors(data)
    if errors:
        raise ValidationFailed(errors)
    month = rules.month_of(today())
    last = (
        await session.exec(
            select(RectificationStep)
            .where(RectificationStep.item_id == item.id)
            .order_by(col(RectificationStep.id).desc())
            .limit(1)
        )
    ).first()
    if last is not None and _same_progress(last, actor, data, month):
        return last  # a replayed request
    step = await _step(
        session,
        actor,
        item,
        problem,
        rules.PROGRESS,
        note=data.text.strip(),
        month=month,
        figures=_figures(data),
    )
    assert step.id is not None and item.id is not None
    await _attach(session, actor, item.id, step.id, data.attachments)
    record(
        session,
        actor,
        action="rectification.progress",
        object_type="rectification_item",
        object_id=item.id,
        enterprise_id=problem.enterprise_id,
        after={"month": month, "figures": len(data.figures), "attachments": len(data.attachments)},
    )
    await notices.progress_reported(session, problem, step)
    return step


async def _attach(
    session: AsyncSession, actor: Actor, item_id: int, step_id: int, files: Sequence[AttachmentInput]
) -> None:
    """The checked files go to the file store (domain/uploads.py); the rows keep name, type, size, hash."""
    checked, _errors = uploads.check(files, rules.ATTACHMENTS)  # checked before: no errors here
    uploads.store(checked)
    for upload in checked:
        session.add(
            RectificationAttachment(
                step_id=step_id,
                item_id=item_id,
                file_name=upload.file_name,
                media_type=upload.media_type,
                size=upload.size,
                sha256=upload.sha256,
                content=b"",
                uploaded_by=actor.username or "system",
            )
        )


def _choice(field: str, value: str, choices: tuple[str, ...]) -> list[FieldError]:
    if value in choices:
        return []
    return [FieldError(field, "choice", N_("Choose one of the listed options."))]


def _note(field: str, value: str, limit: int, *, required: bool) -> list[FieldError]:
    text = (value or "").strip()
    if not text:
        return [FieldError(field, "required", N_("This field is required."))] if required else []
    if len(text) > limit:
        return [
            FieldError(
                field,
                "too_long",
                N_("At most {limit} characters (got {length})."),
                {"limit": limit, "length": len(text)},
            )
        ]
    return []


async def _regulator_step(
    session: AsyncSession, actor: Actor, item_id: int, kind: str, errors: list[FieldError]
) -> tuple[RectificationItem, Problem]:
    item, problem = await lookup.item(session, actor, item_id, lock=True)
    require(actor, Operation.RECTIFICATION_VERIFY, lookup.target_of(problem))
    if errors:
        raise ValidationFailed(errors)
    if rules.next_state(item.state, kind, rules.PASSED) is None:
        raise Conflict(rules.refusal(kind, item.state), code="state")
    return item, problem


async def _after_regulator_step(
    session: AsyncSession, actor: Actor, problem: Problem, item: RectificationItem, step: RectificationStep
) -> None:
    assert item.id is not None
    record(
        session,
        actor,
        action=f"rectification.{step.kind}",
        object_type="rectification_item",
        object_id=item.id,
        enterprise_id=problem.enterprise_id,
        after={
            "outcome": step.outcome,
            "method": step.method,
            "state": step.state_after,
            "note": step.note[:500],
        },
    )
    await notices.step_taken(session, problem, step)


async def verify_rectification(
    session: AsyncSession, actor: Actor, *, item_id: int, method: str, outcome: str, note: str
) -> RectificationStep:
    """The regulator verifies the rectification on site or on paper (JN: 现场核查 / 非现场核查), with a
    note; passed, the item awaits closure; not passed, the unit rectifies on."""
    errors = [
        *_choice("method", method, rules.VERIFY_METHODS),
        *_choice("outcome", outcome, rules.OUTCOMES),
        *_note("note", note, rules.NOTE_MAX, required=True),
    ]
    item, problem = await _regulator_step(session, actor, item_id, rules.VERIFICATION, errors)
    step = await _step(
        session, actor, item, problem, rules.VERIFICATION, outcome=outcome, method=method, note=note.strip()
    )
    await _after_regulator_step(session, actor, problem, item, step)
    return step


async def recheck_rectification(
    session: AsyncSession, actor: Actor, *, item_id: int, sample: str, outcome: str, note: str
) -> RectificationStep:
    """A spot re-check (抽查复核) of a verified or closed item: what was sampled and the outcome. A failed
    re-check is followed by the regulator's reopening, with a new deadline (``reopen_rectification``)."""
    errors = [
        *_note("sample", sample, rules.SAMPLE_MAX, required=True),
        *_choice("outcome", outcome, rules.OUTCOMES),
        *_note("note", note, rules.NOTE_MAX, required=False),
    ]
    item, problem = await _regulator_step(session, actor, item_id, rules.RECHECK, errors)
    step = await _step(
        session,
        actor,
        item,
        problem,
        rules.RECHECK,
        outcome=outcome,
        sample=sample.strip(),
        note=note.strip(),
    )
    await _after_regulator_step(session, actor, problem, item, step)
    return step


async def close_rectification(
    session: AsyncSession, actor: Actor, *, item_id: int, note: str
) -> RectificationStep:
    """Close the item (销号, AP (5) 挂单销号): only once it has been verified."""
    errors = _note("note", note, rules.NOTE_MAX, required=False)
    item, problem = await _regulator_step(session, actor, item_id, rules.CLOSURE, errors)
    step = await _step(session, actor, item, problem, rules.CLOSURE, note=note.strip())
    await _after_regulator_step(session, actor, problem, item, step)
    return step


async def reopen_rectification(
    session: AsyncSession, actor: Actor, *, item_id: int, reason: str, deadline: date | None
) -> RectificationStep:
    """Reopen a verified or closed item with the reason and a new deadline; the unit is told again."""
    day = deadline
    errors = [
        *_note("reason", reason, rules.NOTE_MAX, required=True),
        *rules.deadline_errors(day, on=today()),
    ]
    item, problem = await _regulator_step(session, actor, item_id, rules.REOPENING, errors)
    assert day is not None
    item.deadline = day
    step = await _step(session, actor, item, problem, rules.REOPENING, note=reason.strip(), deadline=day)
    assert item.id is not None
    record(
        session,
        actor,
        action="rectification.reopening",
        object_type="rectification_item",
        object_id=item.id,
        enterprise_id=problem.enterprise_id,
        after={"deadline": day.isoformat(), "reason": reason.strip()[:500]},
    )
    await notices.rectification_required(session, problem, item, step, reopened=True)
    return step


async def dismiss_problem(session: AsyncSession, actor: Actor, *, problem_id: int, reason: str) -> Problem:
    """Dismiss a problem found unfounded (a complaint not borne out, a reading explained by a fault of the
    instrument, a finding the unit's records answer), with the reason; only before any rectification is
    ordered — once the unit has been ordered to rectify, the item runs to its closure (销号) instead.
    The problem leaves the open count (board, lists, statistics) but is not counted as a rectification
    closed. The owning department and the unit are told; a replay is refused, writing nothing."""
    problem = await lookup.problem(session, actor, problem_id, lock=True)
    require(actor, Operation.PROBLEM_RAISE, lookup.target_of(problem))
    errors = _note("reason", reason, rules.DISMISSAL_MAX, required=True)
    if errors:
        raise ValidationFailed(errors)
    if problem.state != rules.OPEN:
        raise Conflict(
            N_(
                "Only a problem with no rectification ordered can be dismissed; a rectification runs to "
                "its closure."
            ),
            code="state",
        )
    problem.state = rules.DISMISSED
    problem.closed_at = utcnow()
    problem.dismissal_reason = reason.strip()
    problem.dismissed_by = actor.username or "system"
    session.add(problem)
    await session.flush()
    assert problem.id is not None
    record(
        session,
        actor,
        action="problem.dismiss",
        object_type="problem",
        object_id=problem.id,
        enterprise_id=problem.enterprise_id,
        before={"state": rules.OPEN},
        after={"state": rules.DISMISSED, "reason": problem.dismissal_reason[:500]},
    )
    await notices.problem_dismissed(session, problem, by_user_id=actor.user_id)
    return problem
