"""The SQL form of can() agrees with can() row by row, in the database, for every actor and operation.

A table of generated targets (regions at province, city and district level in two provinces and none;
enterprises, agencies and owners, each also absent) is filtered by ``domain.access.sql.allowed`` for
every operation; each row it keeps must be one ``can()`` allows for the same ``Target``, and each row it
drops one ``can()`` refuses. Its negation must select exactly the rest (the expression is never NULL).
Exhaustively over every actor kind, then over arbitrary actors drawn by Hypothesis.
"""

from __future__ import annotations

from itertools import product

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings

from domain.access import Actor, Operation, Target, can
from domain.access.sql import TargetColumns, allowed
from tests.access.actors import actor_kinds, any_actor

REGIONS: list[str | None] = [
    None,
    "370000",
    "370100",
    "370102",
    "370103",
    "370200",
    "370211",
    "310000",
    "310107",
    "310115",
]
ENTERPRISES: list[int | None] = [None, 1, 2, 3]
AGENCIES: list[int | None] = [None, 1, 2]
OWNERS: list[int | None] = [None, 1, 2, 3]
GRID = [
    Target(enterprise_id=e, region_code=r, agency_id=a, owner_user_id=o)
    for r, e, a, o in product(REGIONS, ENTERPRISES, AGENCIES, OWNERS)
]

ACTOR_REGIONS: list[str | None] = ["000000", "370000", "370100", "370102", "310107", None]
KINDS = actor_kinds(
    regions=ACTOR_REGIONS, enterprises=[1, 2, None], agency_id=1, client=1, other_client=2, user_id=2
)

metadata = sa.MetaData()
probe = sa.Table(
    "access_probe_target",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("enterprise_id", sa.Integer, nullable=True),
    sa.Column("region_code", sa.String(6), nullable=True),
    sa.Column("agency_id", sa.Integer, nullable=True),
    sa.Column("owner_user_id", sa.Integer, nullable=True),
)
COLUMNS = TargetColumns(
    enterprise_id=probe.c.enterprise_id,
    region_code=probe.c.region_code,
    agency_id=probe.c.agency_id,
    owner_user_id=probe.c.owner_user_id,
)
OPERATIONS = list(Operation)


@pytest.fixture
async def targets(connection):  # type: ignore[no-untyped-def]
    """The grid as rows of a table made inside the test's transaction (rolled back with it)."""
    await connection.run_sync(metadata.create_all)
    await connection.execute(
        probe.insert(),
        [
            {
                "id": index,
                "enterprise_id": t.enterprise_id,
                "region_code": t.region_code,
                "agency_id": t.agency_id,
                "owner_user_id": t.owner_user_id,
            }
            for index, t in enumerate(GRID)
        ],
    )
    return connection


async def disagreements(connection, actor: Actor) -> list[str]:  # type: ignore[no-untyped-def]
    """Every (operation, target) where the SQL form, or its negation, and can() disagree."""
    flags = []
    for operation in OPERATIONS:
        expression = allowed(actor, operation, COLUMNS)
        flags.append(sa.case((expression, 1), else_=0))
        flags.append(sa.case((sa.not_(expression), 1), else_=0))
    rows = (await connection.execute(sa.select(probe.c.id, *flags).order_by(probe.c.id))).all()
    assert len(rows) == len(GRID)
    found = []
    for row in rows:
        target = GRID[row[0]]
        for index, operation in enumerate(OPERATIONS):
            in_sql, in_negation = bool(row[1 + 2 * index]), bool(row[2 + 2 * index])
            expected = can(actor, operation, target)
            if in_sql is not expected or in_negation is expected:
                found.append(f"{operation.value} {target}: can={expected} sql={in_sql} not-sql={in_negation}")
    return found


def test_the_grid_has_every_level_of_region_and_absent_fields():
    assert len(GRID) == 480
    assert {len(code.rstrip("0")) for code in REGIONS if code} >= {2, 4, 6}


@pytest.mark.parametrize(("name", "actor"), KINDS, ids=[name for name, _ in KINDS])
async def test_the_sql_form_selects_exactly_what_can_allows(targets, name, actor):
    assert await disagreements(targets, actor) == []


def test_every_kind_of_actor_is_allowed_something_and_refused_something():
    """The grid is not trivial: each kind has rows both ways for some operation about a target, so an
    expression that is always true or always false would be caught. Only the public and a unit's staff
    without a unit reading through a read-only token (every operation about their own objects is a write)
    are refused everything."""
    target_operations = [op for op in OPERATIONS if op not in (Operation.VIEW_PUBLIC,)]
    refused_everything = {
        "public",
        "enterprise_staff#None/read-only-token",
        "enterprise_admin#None/read-only-token",
    }
    for name, actor in KINDS:
        verdicts = {can(actor, op, t) for op in target_operations for t in GRID}
        assert verdicts == ({False} if name in refused_everything else {True, False}), name


PROPERTY = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)


@PROPERTY
@given(
    actor=any_actor(
        regions=[*ACTOR_REGIONS, "370211", "310000"],
        enterprises=ENTERPRISES,
        agencies=AGENCIES,
        users=[1, 2, 3],
    )
)
async def test_the_sql_form_agrees_with_can_for_any_actor(targets, actor):
    assert await disagreements(targets, actor) == []
