"""Loading the demo city: ``permitwatch demo``.

Everything is written through the domain's own use cases, as the actors of the city (the operator,
each region's permitting section, the units' own staff, the agency's clerk), in the caller's
transaction. ``load(session, enterprises=N)`` adds generated units up to N in all, for load tests.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from demo.actors import CityActors
from demo.agency import register_demo_agency
from demo.city import DEMO_PASSWORD, ENTERPRISES, LOGINS, DemoLogin, enterprise_input
from demo.generated import MAX_ENTERPRISES, generate
from demo.ledgers import keep_demo_ledgers
from demo.reports import file_demo_reports, report_filers
from demo.sites import sites_and_registrations
from demo.stories import tell_stories
from demo.supervision_cases import run_cases
from demo.supervision_grading import grade_last_year
from demo.supervision_inspections import keep_demo_inspections
from demo.supervision_linkage import run_linkage
from demo.supervision_problems import Regulators, keep_problems
from demo.supervision_quality import keep_quality
from demo.supervision_standing import keep_positive_list
from domain.access import Actor, Role, operator
from domain.accounts.models import User
from domain.accounts.service.users import create_user
from domain.actors import actor_for
from domain.enterprises.service import register_enterprise
from domain.errors import N_, FieldError, ValidationFailed
from domain.reports.rollup.counting import rebuild
from domain.supervision.credit.service import refresh_all_credit


async def is_empty(session: AsyncSession) -> bool:
    return int((await session.exec(select(func.count()).select_from(User))).one()) == 0


async def load(
    session: AsyncSession,
    *,
    actor: Actor | None = None,
    enterprises: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[DemoLogin]:
    """Create the demo city; returns the logins to print. Runs in the caller's transaction.

    ``enterprises``: the number of units in all; units beyond the demo city's own are generated
    (names, codes, permits imported in batches) for load tests. ``progress(done, total)`` is
    called as units are created.
    """
    total = len(ENTERPRISES) if enterprises is None else enterprises
    if not len(ENTERPRISES) <= total <= MAX_ENTERPRISES:
        raise ValidationFailed(
            [
                FieldError(
                    "enterprises",
                    "range",
                    N_("Between {min} and {max}."),
                    {"min": len(ENTERPRISES), "max": MAX_ENTERPRISES},
                )
            ]
        )
    actor = actor or operator("demo")
    codes: list[str] = []
    for index, item in enumerate(ENTERPRISES):
        enterprise = await register_enterprise(session, actor, data=enterprise_input(item, index))
        codes.append(enterprise.credit_code)
    users: dict[str, User] = {}
    for login in LOGINS:
        if login.role == Role.AGENCY_STAFF:
            continue  # created with the demo agency
        users[login.username] = await create_user(
            session,
            actor,
            username=login.username,
            password=DEMO_PASSWORD,
            role=login.role.value,
            display_name=login.description.split(" / ")[0],
            enterprise_credit_code=codes[login.enterprise_index]
            if login.enterprise_index is not None
            else None,
            region_code=login.region_code,
        )
    actors = CityActors(
        operator=actor,
        permitting={
            "31": actor_for(users["pt-permitting"], channel="demo"),
            "37": actor_for(users["jn-permitting"], channel="demo"),
        },
        enterprise_admins={
            login.enterprise_index: actor_for(users[login.username], channel="demo")
            for login in LOGINS
            if login.role == Role.ENTERPRISE_ADMIN and login.enterprise_index is not None
        },
    )
    await tell_stories(session, actors, codes)
    await sites_and_registrations(session, actors, codes)
    await register_demo_agency(session, actor_for(users["pt-legal"], channel="demo"), actors)
    await keep_positive_list(session, actor_for(users["pt-legal"], channel="demo"), codes)
    await keep_demo_inspections(session, actor, users["pt-enforcement"], users["pt-station"])
    # A year of ledger data for the units whose staff can log in (shenpu-staff, zhenru-admin, minghu-admin).
    keepers = {}
    for login in LOGINS:
        if login.enterprise_index is not None and codes[login.enterprise_index] not in keepers:
            keepers[codes[login.enterprise_index]] = actor_for(users[login.username], channel="demo")
    await keep_demo_ledgers(session, keepers)
    filers, handovers, shenpu = await report_filers(session, actor, users, codes)
    await file_demo_reports(
        session,
        filers,
        handovers=handovers,
        reviewers={
            province: {
                role: actor_for(users[f"{prefix}-{name}"], channel="demo")
                for role, name in (
                    (Role.PERMITTING, "permitting"),
                    (Role.ECOLOGY, "ecology"),
                    (Role.POLLUTION_PREVENTION, "pollution"),
                )
            }
            for province, prefix in (("31", "pt"), ("37", "jn"))
        },
        returned_by=shenpu,
    )
    await keep_problems(
        session,
        Regulators(
            ecology=actor_for(users["pt-ecology"], channel="demo"),
            enforcement=actor_for(users["pt-enforcement"], channel="demo"),
            station=actor_for(users["pt-station"], channel="demo"),
            permitting=actor_for(users["pt-permitting"], channel="demo"),
            jinan=actor_for(users["jn-enforcement"], channel="demo"),
        ),
        filers,
        shenpu,
    )
    putuo = {
        name: actor_for(users[name], channel="demo")
        for name in (
            "pt-enforcement",
            "pt-station",
            "pt-pollution",
            "pt-ecology",
            "pt-permitting",
            "pt-legal",
        )
    }
    await run_linkage(session, putuo, codes)
    await run_cases(session, putuo)
    await grade_last_year(session, actor_for(users["pt-permitting"], channel="demo"))
    await keep_quality(session, actor_for(users["jn-permitting"], channel="demo"), codes)
    # Every unit's environmental credit from the records above, as the daily run derives it.
    await refresh_all_credit(session, actor_for(users["pt-legal"], channel="demo"))
    if progress is not None:
        progress(len(ENTERPRISES), total)
    if total > len(ENTERPRISES):
        await generate(session, actor, start=len(ENTERPRISES), total=total, progress=progress)
    await rebuild(session)  # the filing dashboard's counts, as the worker would keep them
    return LOGINS
