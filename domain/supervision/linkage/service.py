"""Linkage use cases (三监联动, PT §8, annexes 4-5): initiate, receive, execute, feed back, archive.

Every step is a new row (``LinkageStep``) with its department, handler, responsible person, date and
remarks, who entered it, for whom and when; the task itself is never edited. A department records only
its own steps; the permitting section archives a task once every receiver has fed back, and enters what
an offline transfer sheet (线下转办单) records for any department (annex 5 note 4: the sheets are handed
to it at the dispatch meeting).
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, Role, Target, can, require
from domain.audit.service import record
from domain.bounds import parse_id
from domain.clock import today, utcnow
from domain.enterprises.models import Enterprise
from domain.enterprises.queries import find_enterprise
from domain.errors import N_, Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from domain.permits.models import Permit
from domain.permits.queries.register import find_permit
from domain.supervision.departments import department_error, department_label
from domain.supervision.linkage import notices, rules
from domain.supervision.linkage.models import LinkageReceiver, LinkageStep, LinkageTask
from domain.supervision.linkage.rules import PermitFindingInput, StepInput, TaskInput
from domain.supervision.problems import lookup as problem_lookup

STAGE_ORDER = {"sent": 0, "received": 1, "executed": 2, "fed_back": 3}


def target_of(task: LinkageTask) -> Target:
    return Target(enterprise_id=task.enterprise_id, region_code=task.region_code)


async def load_task(
    session: AsyncSession, actor: Actor, task_id: int | str, operation: Operation
) -> LinkageTask:
    """The task, if the actor may do ``operation`` to it; otherwise "not found" (no existence leak) or,
    when the actor may see it, "not allowed"."""
    parsed = parse_id(task_id)
    task = await session.get(LinkageTask, parsed) if parsed is not None else None
    if task is None or not can(actor, Operation.LINKAGE_VIEW, target_of(task)):
        if not actor.is_authenticated:
            require(actor, Operation.LINKAGE_VIEW)
        raise NotFound(N_("No such linkage task."), field="task")
    require(actor, operation, target_of(task))
    return task


async def receivers_of(session: AsyncSession, task_id: int) -> list[LinkageReceiver]:
    statement = (
        select(LinkageReceiver).where(LinkageReceiver.task_id == task_id).order_by(col(LinkageReceiver.id))
    )
    return list((await session.exec(statement)).all())


def may_name_department(actor: Actor) -> bool:
    """Whether the actor names the department it acts for (the administrator; the permitting section, which
    enters the paper sheets of every department); everyone else acts for its own."""
    return actor.is_admin or actor.role == Role.PERMITTING


def _initiating_department(actor: Actor, data: TaskInput) -> tuple[str, list[FieldError]]:
    """A regulator initiates for its own department; the administrator, or the permitting section entering
    a transfer sheet, names the department."""
    named = data.department.strip()
    may_name = actor.is_admin or (data.via_sheet and actor.role == Role.PERMITTING)
    if actor.role is not None and actor.is_regulator and not may_name:
        if named and named != actor.role.value:
            return actor.role.value, [
                FieldError(
                    "department",
                    "not_your_department",
                    N_("You can initiate tasks for your own department only."),
                )
            ]
        return actor.role.value, []
    if not named:
        return "", [FieldError("department", "required", N_("Choose the initiating department."))]
    problem = department_error(named)
    return named, [problem] if problem else []


async def initiate_task(session: AsyncSession, actor: Actor, *, data: TaskInput) -> LinkageTask:
    """Initiate a linkage task (任务发起, PT §8, annex 5) and send it to its receiving departments.

    Contract (both faces and other parts of supervision call this):
    - ``data.receivers``: one or more departments (role codes of ``domain.supervision.departments``),
      none of them the initiating department; ``data.department`` is the initiating department: empty for a
      regulator (its own role), required for the administrator, and any department when the permitting
      section enters an offline sheet (``via_sheet``).
    - The unit: ``credit_code`` of a registered unit, or ``unit_name`` of one that is not (a unit discharging
      without a permit); ``permit_number`` (and ``outlet_code``) where it applies, a permit of that unit. The
      task belongs to the unit's region (the actor's own region when the unit is not registered).
    - ``description`` (问题描述), ``requested_action``, ``handler`` (经办人), ``responsible_person`` (负责人),
      ``initiated_on`` (not in the future) and ``due_on`` (the date to feed back by, not before it) are
      required. ``problem_id`` links the problem the task comes from; ``source_type``/``source_id`` name
      another origin (an inspection record).
    - Access: ``LINKAGE_WORK`` on the task's unit and region (regulators of the jurisdiction).
    - Raises ``ValidationFailed`` with every field error at once (nothing written), ``PermissionDenied``.
    - Writes the task, one receiver row per department, the ``initiate`` step, the audit entry and a notice
      to every person of each receiving department, in the caller's transaction (never commits).
    """
    department, errors = _initiating_department(actor, data)
    errors += rules.task_errors(TaskInput(**{**data.__dict__, "department": department}), today=today())
    enterprise = None
    permit = None
    problem = None
    if data.problem_id is not None:
        try:
            problem = await problem_lookup.problem(session, actor, data.problem_id)
        except NotFound:
            errors.append(FieldError("problem_id", "unknown_problem", N_("No such problem.")))
    credit_code = data.credit_code.strip()
    if credit_code:
        enterprise = await find_enterprise(session, credit_code) if len(credit_code) <= 18 else None
        if enterprise is None:
            errors.append(FieldError("credit_code", "unknown_unit", N_("No unit with this credit code.")))
    if data.permit_number.strip():
        permit = (
            await find_permit(session, data.permit_number) if len(data.permit_number.strip()) <= 22 else None
        )
        if permit is None or (enterprise is not None and permit.enterprise_id != enterprise.id):
            errors.append(
                FieldError("permit_number", "unknown_permit", N_("No permit of this unit has this number."))
            )
            permit = None
        elif enterprise is None and not credit_code:
            enterprise = await session.get(Enterprise, permit.enterprise_id)
    if problem is not None and enterprise is None and not credit_code:
        # A task about a problem concerns the problem's unit (and permit) unless it names them.
        enterprise = await session.get(Enterprise, problem.enterprise_id)
        if permit is None and problem.permit_id is not None and not data.permit_number.strip():
            permit = await session.get(Permit, problem.permit_id)
    if problem is not None and enterprise is not None and problem.enterprise_id != enterprise.id:
        errors.append(FieldError("problem_id", "other_unit", N_("The problem concerns another unit.")))
    if (
        enterprise is None
        and not credit_code
        and not data.unit_name.strip()
        and "permit_number" not in {e.field for e in errors}
    ):
        errors.append(
            FieldError(
                "credit_code",
                "required",
                N_("Name the unit: its credit code, or its name if it is not registered."),
            )
        )
    region = (
        permit.region_code
        if permit is not None
        else enterprise.region_code
        if enterprise is not None
        else actor.region_code
    )
    if region is None and not errors:
        errors.append(
            FieldError(
                "credit_code",
                "required",
                N_("Name the unit: its credit code, or its name if it is not registered."),
            )
        )
    if errors:
        # Access first: someone who may not initiate learns nothing about the input's problems.
        require(
            actor,
            Operation.LINKAGE_WORK,
            Target(enterprise_id=enterprise.id if enterprise else None, region_code=region),
        )
        raise ValidationFailed(errors)
    assert region is not None and data.initiated_on is not None and data.due_on is not None
    require(
        actor,
        Operation.LINKAGE_WORK,
        Target(enterprise_id=enterprise.id if enterprise else None, region_code=region),
    )
    if (
        data.via_sheet
        and department != (actor.role.value if actor.role else "")
        and not (actor.is_admin or can(actor, Operation.LINKAGE_ARCHIVE, Target(region_code=region)))
    ):
        raise PermissionDenied(N_("Only the permitting section enters another department's transfer sheet."))
    task = LinkageTask(
        kind=data.kind,
        region_code=region,
        department=department,
        enterprise_id=enterprise.id if enterprise else None,
        unit_name=enterprise.name if enterprise else data.unit_name.strip(),
        permit_id=permit.id if permit else None,
        outlet_code=data.outlet_code.strip().upper() or (problem.outlet_code or "" if problem else ""),
        problem_id=problem.id if problem else None,
        description=data.description.strip(),
        requested_action=data.requested_action.strip(),
        handler=data.handler.strip(),
        responsible_person=data.responsible_person.strip(),
        initiated_on=data.initiated_on,
        due_on=data.due_on,
        remarks=data.remarks.strip(),
        source_type=data.source_type.strip(),
        source_id=data.source_id.strip(),
        via_sheet=data.via_sheet,
        created_by=actor.username or "",
        on_behalf_of=actor.on_behalf_of,
    )
    session.add(task)
    await session.flush()
    assert task.id is not None
    receivers = rules.departments_in_order(list(data.receivers))
    for receiver in receivers:
        session.add(LinkageReceiver(task_id=task.id, department=receiver))
    session.add(
        LinkageStep(
            task_id=task.id,
            kind="initiate",
            department=department,
            text=task.description,
            handler=task.handler,
            responsible_person=task.responsible_person,
            done_on=task.initiated_on,
            remarks=task.remarks,
            via_sheet=data.via_sheet,
            created_by=actor.username or "",
            on_behalf_of=actor.on_behalf_of,
        )
    )
    await notices.task_sent(session, task, receivers)
    record(
        session,
        actor,
        action="linkage.initiate",
        object_type="linkage_task",
        object_id=task.id,
        enterprise_id=task.enterprise_id,
        after={
            "kind": task.kind,
            "department": department,
            "receivers": receivers,
            "unit": task.unit_name,
            "due_on": task.due_on.isoformat(),
            "via_sheet": data.via_sheet,
        },
    )
    return task


FINDING_DAYS = 15
FINDING_ACTIONS = {
    "unpermitted": N_(
        "The unit discharges without the permit it should hold (应发未发): check and have it apply."
    ),
    "unregistered": N_("The unit should be registered and is not (应登未登): check and have it register."),
    "permit_wrong": N_("The permit does not match what was found on site: check the permit and correct it."),
}


async def refer_permit_finding(
    session: AsyncSession, actor: Actor, *, data: PermitFindingInput
) -> LinkageTask:
    """An enforcement finding that a permit is missing or wrong (应发未发, 应登未登, wrong content) goes back
    to the permitting section as a linkage task (PT §8; AP action 16), due in 15 days unless
    ``due_on`` says otherwise; the inspections part calls this with the record it comes from
    (``source_type="inspection"``, ``source_id``). Same contract, access and errors as ``initiate_task``
    (the finding's kind is refused with field ``kind``)."""
    from domain.i18n import translate

    kind = data.kind if data.kind in FINDING_ACTIONS else "unknown"
    action = translate(FINDING_ACTIONS[kind], "zh_Hans") if kind in FINDING_ACTIONS else "-"
    return await initiate_task(
        session,
        actor,
        data=TaskInput(
            description=data.description,
            requested_action=action,
            receivers=(Role.PERMITTING.value,),
            handler=data.handler,
            responsible_person=data.responsible_person,
            initiated_on=data.found_on,
            due_on=data.due_on or (data.found_on + timedelta(days=FINDING_DAYS) if data.found_on else None),
            credit_code=data.credit_code,
            unit_name=data.unit_name,
            permit_number=data.permit_number,
            outlet_code=data.outlet_code,
            problem_id=data.problem_id,
            kind=kind,
            source_type=data.source_type,
            source_id=data.source_id,
        ),
    )


async def _receiver_for(
    session: AsyncSession, actor: Actor, task: LinkageTask, department: str, *, via_sheet: bool
) -> LinkageReceiver:
    """The receiver whose step the actor records: its own department's, or (the administrator, or the
    permitting section entering a sheet) the one named."""
    named = department.strip()
    if actor.is_admin or (via_sheet and can(actor, Operation.LINKAGE_ARCHIVE, target_of(task))):
        if not named:
            raise ValidationFailed(
                [FieldError("department", "required", N_("Choose the receiving department."))]
            )
    elif via_sheet:
        raise PermissionDenied(N_("Only the permitting section enters another department's transfer sheet."))
    else:
        own = actor.role.value if actor.role else ""
        if named and named != own:
            raise PermissionDenied(N_("You can record your own department's steps only."))
        named = own
    assert task.id is not None
    for receiver in await receivers_of(session, task.id):
        if receiver.department == named:
            return receiver
    raise PermissionDenied(
        N_("This task was not sent to the {department}: only its receiving departments record steps."),
        params={"department": department_label(named) if department_error(named) is None else named},
    )


def _open(task: LinkageTask) -> None:
    if task.archived_at is not None:
        raise Conflict(N_("The task is archived: nothing more can be recorded."), field="task")


def _step(task: LinkageTask, actor: Actor, kind: str, department: str, data: StepInput) -> LinkageStep:
    assert task.id is not None and data.done_on is not None
    return LinkageStep(
        task_id=task.id,
        kind=kind,
        department=department,
        text=data.text.strip(),
        handler=data.handler.strip(),
        responsible_person=data.responsible_person.strip(),
        done_on=data.done_on,
        remarks=data.remarks.strip(),
        via_sheet=data.via_sheet,
        created_by=actor.username or "",
        on_behalf_of=actor.on_behalf_of,
    )


async def receive_task(
    session: AsyncSession, actor: Actor, *, task_id: int | str, department: str = "", data: StepInput
) -> LinkageStep:
    """A receiving department acknowledges the task (任务接收): who took it, under whom, on which day."""
    task = await load_task(session, actor, task_id, Operation.LINKAGE_WORK)
    _open(task)
    receiver = await _receiver_for(session, actor, task, department, via_sheet=data.via_sheet)
    errors = rules.step_errors(
        StepInput(**{**data.__dict__, "text": data.text or "-"}), today=today(), not_before=task.initiated_on
    )
    if errors:
        raise ValidationFailed(errors)
    if receiver.stage != "sent":
        raise Conflict(N_("Your department has already received this task."), field="task")
    step = _step(
        task, actor, "receive", receiver.department, StepInput(**{**data.__dict__, "text": data.text.strip()})
    )
    session.add(step)
    receiver.stage = "received"
    session.add(receiver)
    record(
        session,
        actor,
        action="linkage.receive",
        object_type="linkage_task",
        object_id=task.id or 0,
        enterprise_id=task.enterprise_id,
        after={
            "department": receiver.department,
            "done_on": step.done_on.isoformat(),
            "via_sheet": data.via_sheet,
        },
    )
    return step


async def record_execution(
    session: AsyncSession, actor: Actor, *, task_id: int | str, department: str = "", data: StepInput
) -> LinkageStep:
    """A receiving department records how it executed the task (接收与执行情况, annex 5). A task not yet
    received is received with it (the same person, the same day)."""
    task = await load_task(session, actor, task_id, Operation.LINKAGE_WORK)
    _open(task)
    receiver = await _receiver_for(session, actor, task, department, via_sheet=data.via_sheet)
    errors = rules.step_errors(data, today=today(), not_before=task.initiated_on)
    if errors:
        raise ValidationFailed(errors)
    if STAGE_ORDER[receiver.stage] >= STAGE_ORDER["executed"]:
        raise Conflict(N_("Your department has already recorded its execution of this task."), field="task")
    if receiver.stage == "sent":
        session.add(
            _step(
                task,
                actor,
                "receive",
                receiver.department,
                StepInput(**{**data.__dict__, "text": "", "remarks": ""}),
            )
        )
    step = _step(task, actor, "execute", receiver.department, data)
    session.add(step)
    receiver.stage = "executed"
    session.add(receiver)
    record(
        session,
        actor,
        action="linkage.execute",
        object_type="linkage_task",
        object_id=task.id or 0,
        enterprise_id=task.enterprise_id,
        after={
            "department": receiver.department,
            "done_on": step.done_on.isoformat(),
            "via_sheet": data.via_sheet,
        },
    )
    return step


async def feed_back(
    session: AsyncSession, actor: Actor, *, task_id: int | str, department: str = "", data: StepInput
) -> LinkageStep:
    """A receiving department feeds the result back to the initiator (结果反馈, annex 5 note 3), after
    recording its execution. The initiating department is told; when this was the last receiver, the
    permitting section is told the task waits for its archive."""
    task = await load_task(session, actor, task_id, Operation.LINKAGE_WORK)
    _open(task)
    receiver = await _receiver_for(session, actor, task, department, via_sheet=data.via_sheet)
    errors = rules.step_errors(data, today=today(), not_before=task.initiated_on)
    if errors:
        raise ValidationFailed(errors)
    if receiver.stage == "fed_back":
        raise Conflict(N_("Your department has already fed back on this task."), field="task")
    if receiver.stage != "executed":
        raise Conflict(N_("Record how the task was executed before feeding back."), field="task")
    step = _step(task, actor, "feedback", receiver.department, data)
    session.add(step)
    receiver.stage = "fed_back"
    session.add(receiver)
    await session.flush()
    await notices.fed_back(session, task, receiver.department, step.text)
    assert task.id is not None
    if all(r.stage == "fed_back" for r in await receivers_of(session, task.id)):
        await notices.ready_to_archive(session, task)
    record(
        session,
        actor,
        action="linkage.feedback",
        object_type="linkage_task",
        object_id=task.id,
        enterprise_id=task.enterprise_id,
        after={
            "department": receiver.department,
            "done_on": step.done_on.isoformat(),
            "via_sheet": data.via_sheet,
        },
    )
    return step


async def archive_task(
    session: AsyncSession, actor: Actor, *, task_id: int | str, data: StepInput
) -> LinkageTask:
    """The permitting section archives a task once every receiving department has fed back (归档整理,
    annex 5 note 4); ``data.text`` is the archive note. The departments concerned are told."""
    task = await load_task(session, actor, task_id, Operation.LINKAGE_ARCHIVE)
    _open(task)
    errors = rules.step_errors(data, today=today(), not_before=task.initiated_on)
    if errors:
        raise ValidationFailed(errors)
    assert task.id is not None
    receivers = await receivers_of(session, task.id)
    waiting = [r.department for r in receivers if r.stage != "fed_back"]
    if waiting:
        raise Conflict(
            N_("Not every department has fed back yet: {departments}."),
            field="task",
            params={"departments": "、".join(department_label(d) for d in waiting)},
        )
    session.add(_step(task, actor, "archive", Role.PERMITTING.value, data))
    task.archived_at = utcnow()
    session.add(task)
    await notices.archived(session, task, [r.department for r in receivers])
    record(
        session,
        actor,
        action="linkage.archive",
        object_type="linkage_task",
        object_id=task.id,
        enterprise_id=task.enterprise_id,
        after={"done_on": data.done_on.isoformat() if data.done_on else None, "via_sheet": data.via_sheet},
    )
    return task
