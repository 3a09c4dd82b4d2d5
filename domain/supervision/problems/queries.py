"""Problems and rectification as people read them: the regulators' problem list, the unit's
rectification items (what is due first), one problem with its whole history, the "clear to zero" board
(清零, AP (5)) and the progress reports' files.

Read side: no writes. Lists and the board filter, count and page with the SQL form of ``can()``
(``domain.access.sql.allowed``), checked against ``can()`` row by row by ``tests/access/test_lists.py``."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain import uploads
from domain.access import Actor, Operation, Target, can, require
from domain.access.sql import allowed
from domain.bounds import MAX_ID
from domain.clock import as_utc, china_midnight, today
from domain.enterprises.models import Enterprise
from domain.enterprises.rules import industry_name
from domain.errors import N_, FieldError, NotFound, ValidationFailed
from domain.pagination import Key, Page, Window, check_page_size, keyset_page, sort_order
from domain.permits.models import Permit
from domain.regions import region_name
from domain.supervision.departments import DEPARTMENTS, department_label
from domain.supervision.problems import lookup, rules
from domain.supervision.problems.models import (
    Problem,
    RectificationAttachment,
    RectificationItem,
    RectificationStep,
)

# What the list's state filter offers: every problem not closed, or one state.
LIST_STATES = ("unclosed", rules.OPEN, *rules.STATES, rules.DISMISSED)
BOARD_DIMENSIONS = ("region", "department", "industry")


@dataclass(frozen=True)
class ProblemRow:
    problem: Problem
    enterprise_name: str
    permit_number: str | None
    deadline: date | None
    item_id: int | None
    overdue: bool
    item: RectificationItem | None = None


def _reader(actor: Actor) -> None:
    """Lists and the board are for signed-in people; each holds only what its reader may see (an agency
    with no authorisation in force sees an empty list, not a refusal)."""
    if not actor.is_authenticated:
        require(actor, Operation.PROBLEM_VIEW, Target(enterprise_id=0, region_code=""))


def _choice(name: str, value: str, choices: tuple[str, ...]) -> FieldError | None:
    if value in ("", *choices):
        return None
    return FieldError(name, "choice", N_("Choose one of: {choices}."), {"choices": ", ".join(choices)})


def _rows(
    found: list[tuple[Problem, str, str | None, RectificationItem | None]], on: date
) -> list[ProblemRow]:
    return [
        ProblemRow(
            problem=problem,
            enterprise_name=name,
            permit_number=number,
            deadline=item.deadline if item else None,
            item_id=item.id if item else None,
            overdue=bool(item and rules.overdue(item.state, item.deadline, on)),
            item=item,
        )
        for problem, name, number, item in found
    ]


def _listing() -> Any:
    return (
        select(Problem, Enterprise.name, Permit.number, RectificationItem)
        .join(Enterprise, col(Enterprise.id) == col(Problem.enterprise_id))
        .join(Permit, col(Permit.id) == col(Problem.permit_id), isouter=True)
        .join(RectificationItem, col(RectificationItem.problem_id) == col(Problem.id), isouter=True)
    )


async def _page(
    session: AsyncSession,
    statement: Any,
    order: tuple[Key, ...],
    key_of: Any,
    first: int,
    offset: int,
    window: Window | None,
) -> Page[ProblemRow]:
    total = (await session.exec(select(sa.func.count()).select_from(statement.subquery()))).one()
    if window is not None:
        page = await keyset_page(session, statement, order, window, key_of, total=int(total))
        return page.mapped(_rows([tuple(r) for r in page.items], today()))
    found = (await session.exec(statement.order_by(*sort_order(order)).offset(offset).limit(first))).all()
    return Page(items=_rows([tuple(r) for r in found], today()), offset=offset, total=int(total))


async def problems(
    session: AsyncSession,
    actor: Actor,
    *,
    state: str = "unclosed",
    department: str = "",
    source_kind: str = "",
    overdue: bool = False,
    enterprise: str = "",
    first: int = 50,
    offset: int = 0,
    window: Window | None = None,
) -> Page[ProblemRow]:
    """The problems the actor may see (a regulator's jurisdiction, a unit its own), filtered by state,
    owning department, source, overdue only and the unit's name or credit code; overdue first, then by
    deadline, newest raised last."""
    _reader(actor)
    check_page_size(first)
    errors = [
        e
        for e in (
            _choice("state", state, LIST_STATES),
            _choice("department", department, tuple(d.value for d in DEPARTMENTS)),
            _choice("source_kind", source_kind, rules.SOURCE_KINDS),
        )
        if e is not None
    ]
    if errors:
        raise ValidationFailed(errors)
    on = today()
    statement = _listing().where(allowed(actor, Operation.PROBLEM_VIEW, lookup.TARGET_COLUMNS))
    if state == "unclosed":
        statement = statement.where(col(Problem.state).not_in(rules.ENDED))
    elif state:
        statement = statement.where(Problem.state == state)
    if department:
        statement = statement.where(Problem.department == department)
    if source_kind:
        statement = statement.where(Problem.source_kind == source_kind)
    if overdue:
        statement = statement.where(
            RectificationItem.state == rules.RECTIFYING, col(RectificationItem.deadline) < on
        )
    term = enterprise.strip()
    if term:
        statement = statement.where(
            sa.or_(
                col(Enterprise.name).contains(term, autoescape=True),
                col(Enterprise.credit_code) == term.upper(),
            )
        )
    overdue_first = sa.case(
        (sa.and_(col(RectificationItem.state) == rules.RECTIFYING, col(RectificationItem.deadline) < on), 0),
        else_=1,
    )
    order = (
        Key(overdue_first),
        Key(col(RectificationItem.deadline), nullable=True, nulls_first=True),
        Key(col(Problem.id), descending=True),
    )

    def key_of(row: Any) -> tuple[Any, ...]:
        problem, _name, _number, item = row
        late = (
            item is not None
            and item.state == rules.RECTIFYING
            and item.deadline is not None
            and item.deadline < on
        )
        return (0 if late else 1, item.deadline if item else None, problem.id)

    return await _page(session, statement, order, key_of, first, offset, window)


async def rectification_items(
    session: AsyncSession,
    actor: Actor,
    *,
    include_closed: bool = False,
    first: int = 50,
    offset: int = 0,
    window: Window | None = None,
) -> Page[ProblemRow]:
    """ "My rectification items": the rectification items of what the actor may see (a unit its own, an
    agency its clients' for reports), what is due first: being rectified by deadline, then verified, then
    (on request) closed."""
    _reader(actor)
    check_page_size(first)
    statement = _listing().where(
        col(RectificationItem.id).is_not(None), allowed(actor, Operation.PROBLEM_VIEW, lookup.TARGET_COLUMNS)
    )
    if not include_closed:
        statement = statement.where(RectificationItem.state != rules.CLOSED)
    rank = sa.case(
        (col(RectificationItem.state) == rules.RECTIFYING, 0),
        (col(RectificationItem.state) == rules.VERIFIED, 1),
        else_=2,
    )
    order = (
        Key(rank),
        Key(col(RectificationItem.deadline)),
        Key(col(RectificationItem.id)),
    )
    ranks = {rules.RECTIFYING: 0, rules.VERIFIED: 1}

    def key_of(row: Any) -> tuple[Any, ...]:
        item = row[3]
        return (ranks.get(item.state, 2), item.deadline, item.id)

    return await _page(session, statement, order, key_of, first, offset, window)


@dataclass(frozen=True)
class StepView:
    step: RectificationStep
    attachments: list[RectificationAttachment]


@dataclass(frozen=True)
class ProblemPage:
    problem: Problem
    enterprise: Enterprise
    permit_number: str | None
    item: RectificationItem | None
    steps: list[StepView]
    overdue: bool
    may_raise: bool  # require rectification
    may_report: bool  # report progress (the unit, its agency)
    may_verify: bool  # verify, re-check, close, reopen


async def problem_page(session: AsyncSession, actor: Actor, *, problem_id: int) -> ProblemPage:
    """One problem with its rectification item, every step in order with its files, and what the reader
    may do next."""
    problem = await lookup.problem(session, actor, problem_id)
    enterprise = await session.get(Enterprise, problem.enterprise_id)
    assert enterprise is not None
    permit = await session.get(Permit, problem.permit_id) if problem.permit_id else None
    item = await lookup.item_of(session, problem_id)
    steps: list[StepView] = []
    if item is not None:
        rows = (
            await session.exec(
                select(RectificationStep)
                .where(RectificationStep.item_id == item.id)
                .order_by(col(RectificationStep.at), col(RectificationStep.id))
            )
        ).all()
        files: dict[int, list[RectificationAttachment]] = defaultdict(list)
        for attached in (
            await session.exec(
                select(RectificationAttachment)
                .where(RectificationAttachment.item_id == item.id)
                .order_by(col(RectificationAttachment.id))
            )
        ).all():
            files[attached.step_id].append(attached)
        steps = [StepView(step, files.get(step.id or 0, [])) for step in rows]
    target = lookup.target_of(problem)
    return ProblemPage(
        problem=problem,
        enterprise=enterprise,
        permit_number=permit.number if permit else None,
        item=item,
        steps=steps,
        overdue=bool(item and rules.overdue(item.state, item.deadline, today())),
        may_raise=can(actor, Operation.PROBLEM_RAISE, target),
        may_report=can(actor, Operation.RECTIFICATION_REPORT, target),
        may_verify=can(actor, Operation.RECTIFICATION_VERIFY, target),
    )


async def problem_of_item(session: AsyncSession, actor: Actor, *, item_id: int) -> int:
    """The problem a rectification item fixes (the item must be the actor's to see)."""
    _item, problem = await lookup.item(session, actor, item_id)
    assert problem.id is not None
    return problem.id


async def attachment(session: AsyncSession, actor: Actor, *, attachment_id: int) -> RectificationAttachment:
    """A progress report's file, only to whoever may see its problem."""
    found = await session.get(RectificationAttachment, attachment_id) if 0 < attachment_id <= MAX_ID else None
    if found is not None:
        try:
            await lookup.item(session, actor, found.item_id)
        except NotFound:
            found = None
    if found is None:
        raise NotFound(N_("No such file."), field="attachment")
    return found


def attachment_content(found: RectificationAttachment) -> bytes:
    """A file's bytes: from the file store (domain/uploads.py), or the row for files kept there before."""
    return found.content or uploads.file_store().get(found.sha256)


@dataclass
class BoardRow:
    key: str
    label: str
    open: int = 0
    overdue: int = 0
    closed_this_month: int = 0
    closed: int = 0
    days_to_close: list[float] = field(default_factory=list)

    @property
    def average_days_to_close(self) -> float | None:
        if not self.days_to_close:
            return None
        return round(sum(self.days_to_close) / len(self.days_to_close), 1)


@dataclass(frozen=True)
class Board:
    by: str
    rows: list[BoardRow]
    total: BoardRow
    month_start: date


def _label(by: str, key: str, locale: str) -> str:
    if by == "department":
        return department_label(key, locale)
    if by == "industry":
        return industry_name(key, locale)
    return region_name(key, locale)


async def board(
    session: AsyncSession,
    actor: Actor,
    *,
    by: str = "region",
    enterprise_id: int | None = None,
    locale: str = "zh_Hans",
) -> Board:
    """The "clear to zero" board (清零行动, AP (5), action 16-18): per district, department or industry,
    the problems still open, the overdue rectification items, those closed this month, and the average
    days from raising to closure. A regulator sees their jurisdiction, a unit its own (the SQL form of
    PROBLEM_VIEW); ``enterprise_id`` narrows it to one unit."""
    _reader(actor)
    error = _choice("by", by, BOARD_DIMENSIONS)
    if error is not None or by == "":
        raise ValidationFailed([error or FieldError("by", "required", N_("This field is required."))])
    column: Any = {
        "region": Problem.region_code,
        "department": Problem.department,
        "industry": Problem.industry_code,
    }[by]
    on = today()
    month_start = on.replace(day=1)
    since = china_midnight(month_start)
    statement: Any = (
        sa.select(
            col(column),
            col(Problem.state),
            col(RectificationItem.state),
            col(RectificationItem.deadline),
            col(Problem.raised_at),
            col(Problem.closed_at),
        )
        .join(RectificationItem, col(RectificationItem.problem_id) == col(Problem.id), isouter=True)
        .where(allowed(actor, Operation.PROBLEM_VIEW, lookup.TARGET_COLUMNS))
    )
    if enterprise_id is not None:
        statement = statement.where(Problem.enterprise_id == enterprise_id)
    rows: dict[str, BoardRow] = {}
    total = BoardRow("", "")
    for key, state, item_state, deadline, raised_at, closed_at in (await session.exec(statement)).all():
        row = rows.setdefault(str(key), BoardRow(str(key), _label(by, str(key), locale)))
        for target in (row, total):
            if state not in rules.ENDED:
                target.open += 1
                if item_state is not None and rules.overdue(item_state, deadline, on):
                    target.overdue += 1
            elif state == rules.CLOSED and closed_at is not None:
                target.closed += 1
                if as_utc(closed_at) >= since:
                    target.closed_this_month += 1
                target.days_to_close.append((as_utc(closed_at) - as_utc(raised_at)).total_seconds() / 86400)
    ordered = sorted(rows.values(), key=lambda r: (-r.open, -r.overdue, r.key))
    return Board(by=by, rows=ordered, total=total, month_start=month_start)
