"""Double-random draws (双随机, PT §6; AP action 20): units at random from a pool, inspectors at random from
the roster, reproducible from a recorded seed and published with the draw's parameters (一公开).

The draw stores everything needed to draw it again: the seed, the pool's sorted member ids and their
hash, the roster's sorted user ids and their hash, the number of units, inspectors per visit and who went
on each member's last visit. ``replay_draw`` draws again from them and compares."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, Target, require
from domain.accounts.models import User
from domain.audit.service import record
from domain.clock import today, utcnow
from domain.enterprises.models import Enterprise
from domain.errors import N_, FieldError, NotFound, ValidationFailed
from domain.notifications.notices import both, tell
from domain.permits.models import Permit
from domain.permits.rules import PermitStatus
from domain.registrations.models import DischargeRegistration
from domain.registrations.rules import RegistrationStatus
from domain.supervision.inspections import rules
from domain.supervision.inspections.models import (
    InspectionDraw,
    InspectionDrawPick,
    InspectionRecord,
)
from domain.supervision.inspections.rules import InspectionKind, Pool
from domain.supervision.inspections.service.plans import add_lines, plan_scope_errors
from domain.supervision.inspections.units import (
    in_region,
    permit_subject,
    registration_subject,
    roster,
)

SEED_BITS = 63

# Each unit's (enterprise id's) weight in a draw on a day, for those weighing more than 1: the credit's
# answer (``domain.supervision.credit.queries.inspection_weights``: 警示 2, 不良 3), handed in by the callers
# that draw, as the plan's ``RaisedUnits`` is (credit sits above inspections).
UnitWeights = Callable[[AsyncSession, Sequence[int], date], Awaitable[dict[int, int]]]


@dataclass(frozen=True)
class PoolMember:
    member: int  # permit id or registration id
    subject: str
    enterprise_id: int
    region_code: str


async def pool_members(
    session: AsyncSession, *, pool: Pool, region_code: str, industry_code: str = "", on: date
) -> list[PoolMember]:
    """The units a draw may pick, sorted by id: registrations in force, or permits in force (of a
    category or an industry), of the jurisdiction."""
    if pool == Pool.REGISTRATION:
        registrations = (
            await session.exec(
                select(DischargeRegistration)
                .where(
                    DischargeRegistration.status == RegistrationStatus.REGISTERED.value,
                    in_region(DischargeRegistration.region_code, region_code),
                    col(DischargeRegistration.valid_until) >= on,
                )
                .order_by(col(DischargeRegistration.id))
            )
        ).all()
        return [
            PoolMember(r.id or 0, registration_subject(r.id or 0), r.enterprise_id, r.region_code)
            for r in registrations
        ]
    statement = select(Permit).where(
        Permit.status == PermitStatus.ISSUED.value,
        in_region(Permit.region_code, region_code),
        col(Permit.valid_from) <= on,
        (col(Permit.valid_until).is_(None)) | (col(Permit.valid_until) >= on),
    )
    if pool == Pool.INDUSTRY:
        statement = statement.where(Permit.industry_code == industry_code)
    else:
        statement = statement.where(Permit.category == pool.value)
    permits = (await session.exec(statement.order_by(col(Permit.id)))).all()
    return [PoolMember(p.id or 0, permit_subject(p.id or 0), p.enterprise_id, p.region_code) for p in permits]


async def last_inspectors(
    session: AsyncSession, *, kind: InspectionKind, subjects: list[str]
) -> dict[int, list[int]]:
    """Who went on each subject's last visit of this kind: its latest record, or a later draw's pick."""
    latest: dict[str, tuple[object, list[int]]] = {}
    records = (
        await session.exec(
            select(
                InspectionRecord.subject, InspectionRecord.created_at, InspectionRecord.inspector_ids
            ).where(InspectionRecord.kind == kind.value, col(InspectionRecord.subject).in_(subjects))
        )
    ).all()
    picks = (
        await session.exec(
            select(InspectionDrawPick.subject, InspectionDraw.drawn_at, InspectionDrawPick.inspector_ids)
            .join(InspectionDraw, col(InspectionDraw.id) == col(InspectionDrawPick.draw_id))
            .where(InspectionDraw.kind == kind.value, col(InspectionDrawPick.subject).in_(subjects))
        )
    ).all()
    for subject, at, inspectors in [*records, *picks]:
        if subject not in latest or str(at) > str(latest[subject][0]):
            latest[subject] = (at, list(inspectors))
    return {int(subject.split(":")[1]): inspectors for subject, (_at, inspectors) in latest.items()}


def _draw_errors(
    kind: str, pool: str, industry_code: str, units: int | None, region_code: str, year: int
) -> list[FieldError]:
    errors = plan_scope_errors(region_code, year)
    if kind not in {k.value for k in InspectionKind}:
        errors.append(FieldError("kind", "invalid", N_("Choose inspection or enforcement monitoring.")))
    if pool not in {p.value for p in Pool}:
        errors.append(FieldError("pool", "invalid", N_("Choose the pool the units are drawn from.")))
    elif pool == Pool.INDUSTRY and not (len(industry_code) == 4 and industry_code.isdigit()):
        errors.append(FieldError("industry_code", "invalid", N_("Enter the industry's four-digit code.")))
    if units is not None and not 1 <= units <= rules.MAX_DRAWN_UNITS:
        errors.append(
            FieldError(
                "units", "range", N_("Between {min} and {max}."), {"min": 1, "max": rules.MAX_DRAWN_UNITS}
            )
        )
    return errors


async def _next_reference(session: AsyncSession, prefix: str) -> str:
    count = (
        await session.exec(
            select(func.count())
            .select_from(InspectionDraw)
            .where(col(InspectionDraw.reference).startswith(prefix))
        )
    ).one()
    return f"{prefix}{int(count) + 1:03d}"


async def make_draw(
    session: AsyncSession,
    actor: Actor,
    *,
    region_code: str,
    year: int,
    kind: str,
    pool: str,
    industry_code: str = "",
    units: int | None = None,
    seed: int | None = None,
    weighed_by: UnitWeights | None = None,
) -> InspectionDraw:
    """Draw units from the pool and two inspectors for each from the roster, record and publish it.

    ``units``: how many units (default: the article's share of the pool, 20 % or 30 % rounded up).
    ``seed``: drawn by the server (``secrets``) unless given (the demo gives one so that it loads the same
    city every time); the faces never take one from a person, so nobody chooses a seed to choose a unit.
    The inspectors drawn are told at once; the units are not (the visit is unannounced).
    ``weighed_by``: the units' weights (``UnitWeights``; without it every unit weighs 1), published with
    the draw so that it can be drawn again."""
    industry_code = (industry_code or "").strip()
    errors = _draw_errors(kind, pool, industry_code, units, region_code, year)
    if errors:
        raise ValidationFailed(errors)
    require(actor, Operation.INSPECTION_PLAN, Target(region_code=region_code))
    the_kind, the_pool = InspectionKind(kind), Pool(pool)
    members = await pool_members(
        session, pool=the_pool, region_code=region_code, industry_code=industry_code, on=today()
    )
    if not members:
        raise ValidationFailed(
            [FieldError("pool", "empty_pool", N_("No unit of the jurisdiction is in this pool."))]
        )
    people = await roster(session, kind=the_kind, region_code=region_code)
    wanted = units if units is not None else rules.default_draw_size(the_kind, the_pool, len(members))
    if wanted > len(members):
        raise ValidationFailed(
            [
                FieldError(
                    "units", "more_than_pool", N_("The pool holds only {size} units."), {"size": len(members)}
                )
            ]
        )
    by_member = {m.member: m for m in members}
    previous = await last_inspectors(session, kind=the_kind, subjects=[m.subject for m in members])
    seed = secrets.randbits(SEED_BITS) if seed is None else seed
    unit_weights = (
        await weighed_by(session, sorted({m.enterprise_id for m in members}), today()) if weighed_by else {}
    )
    weights = {
        m.member: unit_weights[m.enterprise_id] for m in members if unit_weights.get(m.enterprise_id, 1) > 1
    }
    try:
        picks = rules.draw(
            seed=seed,
            pool=list(by_member),
            roster=[p.id or 0 for p in people],
            count=wanted,
            last_inspectors=previous,
            weights=weights,
        )
    except rules.RosterTooSmall as error:
        enterprise = await session.get(Enterprise, by_member[error.member].enterprise_id)
        raise ValidationFailed(
            [
                FieldError(
                    "roster",
                    "roster_too_small",
                    N_(
                        "The roster has {count} inspectors who may go to {unit} (an inspector does not go "
                        "twice in a row to the same unit, and two go on each visit). Add people to the "
                        "department or draw fewer units."
                    ),
                    {"count": error.eligible, "unit": enterprise.name if enterprise else ""},
                )
            ]
        ) from None
    prefix = f"{'SS' if the_kind == InspectionKind.ENFORCEMENT else 'SSM'}-{region_code}-{year}-"
    draw = InspectionDraw(
        reference=await _next_reference(session, prefix),
        kind=the_kind.value,
        region_code=region_code,
        year=year,
        pool=the_pool.value,
        industry_code=industry_code if the_pool == Pool.INDUSTRY else "",
        seed=str(seed),
        pool_size=len(members),
        pool_members=sorted(by_member),
        pool_hash=rules.members_hash(list(by_member)),
        roster=sorted(p.id or 0 for p in people),
        roster_hash=rules.members_hash([p.id or 0 for p in people]),
        units_wanted=wanted,
        per_visit=rules.INSPECTORS_PER_VISIT,
        last_inspectors={str(k): v for k, v in sorted(previous.items())},
        member_weights={str(k): v for k, v in sorted(weights.items())},
        drawn_at=utcnow(),
        drawn_by_id=actor.user_id,
        drawn_by_username=actor.username,
        on_behalf_of=actor.on_behalf_of,
    )
    session.add(draw)
    await session.flush()
    assert draw.id is not None
    rows = []
    for pick in picks:
        member = by_member[pick.member]
        session.add(
            InspectionDrawPick(
                draw_id=draw.id,
                position=pick.position,
                member=pick.member,
                subject=member.subject,
                enterprise_id=member.enterprise_id,
                region_code=member.region_code,
                inspector_ids=list(pick.inspectors),
            )
        )
        if the_pool in (Pool.REGISTRATION, Pool.SIMPLIFIED) or the_kind == InspectionKind.ENFORCEMENT:
            spec = rules.drawn_line(the_kind, the_pool, year, today())
            rows.append(
                {
                    "kind": spec.kind.value,
                    "subject": member.subject,
                    "enterprise_id": member.enterprise_id,
                    "permit_id": member.member if the_pool != Pool.REGISTRATION else None,
                    "registration_id": member.member if the_pool == Pool.REGISTRATION else None,
                    "region_code": member.region_code,
                    "basis": spec.basis.value,
                    "period": spec.period,
                    "starts_on": spec.starts_on,
                    "due_on": spec.due_on,
                    "draw_id": draw.id,
                    "created_by_username": actor.username,
                }
            )
    await add_lines(session, rows)
    await _tell_inspectors(session, draw, picks, by_member, people)
    record(
        session,
        actor,
        action="inspection_draw.draw",
        object_type="inspection_draw",
        object_id=draw.reference,
        enterprise_id=None,
        after={
            "kind": draw.kind,
            "pool": draw.pool,
            "industry_code": draw.industry_code,
            "seed": draw.seed,
            "pool_size": draw.pool_size,
            "pool_hash": draw.pool_hash,
            "roster_hash": draw.roster_hash,
            "units": wanted,
            "weights": {str(k): v for k, v in sorted(weights.items())},
            "picks": [[p.member, list(p.inspectors)] for p in picks],
        },
    )
    return draw


async def _tell_inspectors(
    session: AsyncSession,
    draw: InspectionDraw,
    picks: list[rules.Pick],
    by_member: dict[int, PoolMember],
    people: list[User],
) -> None:
    """Each inspector drawn is told which unit they visit, with whom."""
    by_id = {p.id: p for p in people}
    names = {
        e.id: e.name
        for e in (
            await session.exec(
                select(Enterprise).where(
                    col(Enterprise.id).in_(sorted({m.enterprise_id for m in by_member.values()}))
                )
            )
        ).all()
    }
    for pick in picks:
        unit = names.get(by_member[pick.member].enterprise_id, "")
        team = "、".join(by_id[i].display_name or by_id[i].username for i in pick.inspectors)
        await tell(
            session,
            [by_id[i] for i in pick.inspectors],
            kind="inspection_drawn",
            key=f"inspection-draw:{draw.reference}:{pick.position}",
            title=both(N_("Drawn to inspect {unit}"), unit=unit),
            body=both(
                N_("Draw {reference} picked you to visit {unit} with {team} in {year}."),
                reference=draw.reference,
                unit=unit,
                team=team,
                year=draw.year,
            ),
            link=f"/public/draws/{draw.reference}",
        )


@dataclass(frozen=True)
class Replay:
    draw: InspectionDraw
    picks: list[rules.Pick]
    matches: bool


async def replay_draw(session: AsyncSession, *, reference: str) -> Replay:
    """Draw again from the published seed, pool, roster and parameters: the same units and inspectors
    come out, or the record was changed after the draw. Public: anyone may check a draw."""
    draw = (
        await session.exec(select(InspectionDraw).where(InspectionDraw.reference == reference[:32]))
    ).first()
    if draw is None:
        raise NotFound(N_("No such draw."))
    stored = (
        await session.exec(
            select(InspectionDrawPick)
            .where(InspectionDrawPick.draw_id == draw.id)
            .order_by(col(InspectionDrawPick.position))
        )
    ).all()
    picks = rules.draw(
        seed=int(draw.seed),
        pool=draw.pool_members,
        roster=draw.roster,
        count=draw.units_wanted,
        last_inspectors={int(k): v for k, v in draw.last_inspectors.items()},
        per_visit=draw.per_visit,
        weights={int(k): int(v) for k, v in (draw.member_weights or {}).items()},
    )
    matches = (
        rules.members_hash(draw.pool_members) == draw.pool_hash
        and rules.members_hash(draw.roster) == draw.roster_hash
        and [(p.position, p.member, tuple(p.inspectors)) for p in picks]
        == [(s.position, s.member, tuple(sorted(s.inspector_ids))) for s in stored]
    )
    return Replay(draw=draw, picks=picks, matches=matches)
