"""What the linkage pages and queries show (PT §8): the list of a jurisdiction's tasks (or a department's
work queue: the tasks waiting for its step), overdue receivers flagged; one task with its trace; the
transfer sheet. Writes are ``service``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, Role, can, require
from domain.access.sql import TargetColumns, allowed
from domain.clock import today
from domain.errors import N_, FieldError, ValidationFailed
from domain.pagination import Key, Page, Window, keyset_page, sort_order
from domain.permits.models import Permit
from domain.supervision.linkage import rules
from domain.supervision.linkage.models import LinkageReceiver, LinkageStep, LinkageTask
from domain.supervision.linkage.service import load_task, target_of

TARGET_COLUMNS = TargetColumns(
    enterprise_id=col(LinkageTask.enterprise_id), region_code=col(LinkageTask.region_code)
)
VIEWS = ("mine", "open", "overdue", "archived", "all")


@dataclass(frozen=True)
class ReceiverRow:
    department: str
    stage: str
    overdue: bool


@dataclass(frozen=True)
class TaskRow:
    task: LinkageTask
    receivers: list[ReceiverRow]
    permit_number: str

    @property
    def overdue(self) -> bool:
        return any(r.overdue for r in self.receivers)

    @property
    def ready_to_archive(self) -> bool:
        return self.task.archived_at is None and all(r.stage == "fed_back" for r in self.receivers)


def _waiting_on(department: str) -> sa.ColumnElement[bool]:
    """Tasks with a step of ``department`` still to record."""
    return sa.exists(
        select(LinkageReceiver.id).where(
            col(LinkageReceiver.task_id) == col(LinkageTask.id),
            LinkageReceiver.department == department,
            LinkageReceiver.stage != "fed_back",
        )
    )


def _not_fed_back() -> sa.ColumnElement[bool]:
    return sa.exists(
        select(LinkageReceiver.id).where(
            col(LinkageReceiver.task_id) == col(LinkageTask.id), LinkageReceiver.stage != "fed_back"
        )
    )


def view_filter(actor: Actor, view: str, on: date) -> sa.ColumnElement[bool]:
    """The rows of a view: ``mine`` is the actor's department's work queue (its steps to record; for the
    permitting section also the tasks every receiver fed back, to archive), ``open``/``archived`` by the
    archive, ``overdue`` the open tasks with a receiver past the requested date."""
    is_open = col(LinkageTask.archived_at).is_(None)
    if view == "open":
        return is_open
    if view == "archived":
        return col(LinkageTask.archived_at).is_not(None)
    if view == "overdue":
        return sa.and_(is_open, col(LinkageTask.due_on) < on, _not_fed_back())
    if view == "mine":
        if actor.role is None or not actor.is_regulator:
            return sa.and_(is_open, _not_fed_back()) if actor.is_admin else sa.false()
        mine = _waiting_on(actor.role.value)
        if actor.role == Role.PERMITTING:
            mine = sa.or_(mine, sa.not_(_not_fed_back()))
        return sa.and_(is_open, mine)
    return sa.true()


async def _rows(session: AsyncSession, tasks: list[LinkageTask], on: date) -> list[TaskRow]:
    ids = [t.id for t in tasks]
    receivers: dict[int, list[ReceiverRow]] = {}
    by_id = {t.id: t for t in tasks}
    if ids:
        found = await session.exec(
            select(LinkageReceiver)
            .where(col(LinkageReceiver.task_id).in_(ids))
            .order_by(col(LinkageReceiver.id))
        )
        for receiver in found.all():
            task = by_id[receiver.task_id]
            receivers.setdefault(receiver.task_id, []).append(
                ReceiverRow(
                    receiver.department,
                    receiver.stage,
                    task.archived_at is None
                    and rules.is_overdue(stage=receiver.stage, due_on=task.due_on, today=on),
                )
            )
    permit_ids = [t.permit_id for t in tasks if t.permit_id is not None]
    numbers: dict[int, str] = {}
    if permit_ids:
        for permit_id, number in (
            await session.exec(select(Permit.id, Permit.number).where(col(Permit.id).in_(permit_ids)))
        ).all():
            numbers[permit_id or 0] = number or ""
    return [
        TaskRow(
            task,
            receivers.get(task.id or 0, []),  # stored in the bureau's order
            numbers.get(task.permit_id or 0, ""),
        )
        for task in tasks
    ]


async def task_list(
    session: AsyncSession,
    actor: Actor,
    *,
    view: str = "mine",
    first: int = 50,
    offset: int = 0,
    window: Window | None = None,
) -> Page[TaskRow]:
    """Linkage tasks the actor may see (the SQL form of can(LINKAGE_VIEW)) in one view, open ones due
    first, then newest."""
    if not actor.is_authenticated:
        require(actor, Operation.LINKAGE_VIEW)  # the list itself holds only what the reader may see
    if view not in VIEWS:
        raise ValidationFailed([FieldError("view", "unknown_view", N_("Choose one of the lists."))])
    on = today()
    statement = select(LinkageTask).where(
        allowed(actor, Operation.LINKAGE_VIEW, TARGET_COLUMNS), view_filter(actor, view, on)
    )
    total = (await session.exec(select(sa.func.count()).select_from(statement.subquery()))).one()
    # Open tasks first (archived last), by due day, then newest.
    order = (
        Key(col(LinkageTask.archived_at).is_not(None)),
        Key(col(LinkageTask.due_on)),
        Key(col(LinkageTask.id), descending=True),
    )
    if window is not None:
        page = await keyset_page(
            session,
            statement,
            order,
            window,
            lambda t: (t.archived_at is not None, t.due_on, t.id),
            total=int(total),
        )
        return page.mapped(await _rows(session, list(page.items), on))
    tasks = list(
        (await session.exec(statement.order_by(*sort_order(order)).offset(offset).limit(first))).all()
    )
    return Page(await _rows(session, tasks, on), offset, int(total))


@dataclass(frozen=True)
class TaskPage:
    row: TaskRow
    steps: list[LinkageStep]
    # What the reader may do now: the departments whose steps it may record (its own, or all for the
    # administrator) and whether it may archive.
    may_work: bool
    my_department: str | None
    may_archive: bool

    @property
    def task(self) -> LinkageTask:
        return self.row.task

    def steps_of(self, kind: str) -> list[LinkageStep]:
        return [s for s in self.steps if s.kind == kind]

    def my_stage(self) -> str | None:
        for receiver in self.row.receivers:
            if receiver.department == self.my_department:
                return receiver.stage
        return None


async def task_page(session: AsyncSession, actor: Actor, *, task_id: int | str) -> TaskPage:
    """One task with its receivers and every step in order (the page and the printable sheet)."""
    task = await load_task(session, actor, task_id, Operation.LINKAGE_VIEW)
    [row] = await _rows(session, [task], today())
    steps = list(
        (
            await session.exec(
                select(LinkageStep).where(LinkageStep.task_id == task.id).order_by(col(LinkageStep.id))
            )
        ).all()
    )
    return TaskPage(
        row=row,
        steps=steps,
        may_work=can(actor, Operation.LINKAGE_WORK, target_of(task)),
        my_department=actor.role.value if actor.role is not None and actor.is_regulator else None,
        may_archive=can(actor, Operation.LINKAGE_ARCHIVE, target_of(task)),
    )
