"""A problem found unfounded is dismissed with its reason, before any rectification is ordered: it leaves
the open count of the board, the lists' "not closed" and the statistics, is not counted as a
rectification closed, and the owning department and the unit are told; through both faces alike."""

from __future__ import annotations

import pytest
from sqlmodel import col, func, select

from domain.audit.models import AuditEntry
from domain.errors import Conflict, PermissionDenied, ValidationFailed
from domain.notifications.models import Notification
from domain.supervision.problems import queries
from domain.supervision.problems.models import Problem
from domain.supervision.problems.service import dismiss_problem, raise_problem
from tests.faces import Outcome, graphql_outcome, portal_outcome
from tests.factories import actor
from tests.graphql_helpers import bearer_token, graphql_data
from tests.portal_helpers import csrf_from, log_in
from tests.supervision.problem_world import World, arrange, problem_input

REASON = "经现场核实，投诉所指异味来自相邻工地，与本单位无关"
DISMISS = (
    "mutation($id: ID!, $reason: String!) { dismissProblem(problemId: $id, reason: $reason) {"
    " problem { id state dismissalReason } errors { field code message } } }"
)


async def _open_problem(session, world: World, ref: str = "C-1") -> Problem:  # type: ignore[no-untyped-def]
    data = problem_input(world, ref=ref, source_kind="complaint", rectification=None)
    problem = await raise_problem(session, actor(world.officer), data=data)
    await session.flush()
    return problem


async def _notices(session, user, kind: str) -> list[Notification]:  # type: ignore[no-untyped-def]
    statement = select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)
    return list((await session.exec(statement)).all())


async def test_a_dismissed_problem_leaves_the_open_count_without_counting_as_closed(session):
    world = await arrange(session)
    problem = await _open_problem(session, world)
    board = await queries.board(session, actor(world.officer), by="region")
    assert board.total.open == 1

    await dismiss_problem(session, actor(world.officer), problem_id=problem.id, reason=f"  {REASON}  ")
    await session.flush()

    stored = await session.get(Problem, problem.id, populate_existing=True)
    assert stored is not None
    assert (stored.state, stored.dismissal_reason, stored.dismissed_by) == (
        "dismissed",
        REASON,
        world.officer.username,
    )
    assert stored.closed_at is not None
    board = await queries.board(session, actor(world.officer), by="region")
    assert (board.total.open, board.total.closed, board.total.closed_this_month) == (0, 0, 0)
    unclosed = await queries.problems(session, actor(world.officer), first=10)
    assert unclosed.total == 0
    dismissed = await queries.problems(session, actor(world.officer), state="dismissed", first=10)
    assert [row.problem.id for row in dismissed.items] == [problem.id]
    # The owning department (the brigade) and the unit hear of it, with the reason; the officer who
    # decided does not.
    for user in (world.brigade, world.staff):
        told = await _notices(session, user, "problem_dismissed")
        assert len(told) == 1 and REASON in told[0].body and "/supervision/problems/" in told[0].link
    assert not await _notices(session, world.officer, "problem_dismissed")
    entry = (await session.exec(select(AuditEntry).where(AuditEntry.action == "problem.dismiss"))).one()
    assert entry.enterprise_id == world.enterprise.id and entry.actor_username == world.officer.username


async def test_only_an_open_problem_is_dismissed_and_refusals_write_nothing(session):
    world = await arrange(session)
    ordered = await raise_problem(session, actor(world.officer), data=problem_input(world, ref="R-9"))
    await session.flush()
    with pytest.raises(Conflict) as refused:
        await dismiss_problem(session, actor(world.officer), problem_id=ordered.id, reason=REASON)
    assert refused.value.code == "state"

    problem = await _open_problem(session, world)
    with pytest.raises(ValidationFailed) as invalid:
        await dismiss_problem(session, actor(world.officer), problem_id=problem.id, reason="   ")
    assert [(e.field, e.code) for e in invalid.value.errors] == [("reason", "required")]
    with pytest.raises(ValidationFailed) as invalid:
        await dismiss_problem(session, actor(world.officer), problem_id=problem.id, reason="说" * 2001)
    assert [(e.field, e.code) for e in invalid.value.errors] == [("reason", "too_long")]
    with pytest.raises(PermissionDenied):
        await dismiss_problem(session, actor(world.staff), problem_id=problem.id, reason=REASON)
    stored = await session.get(Problem, problem.id, populate_existing=True)
    assert stored is not None and stored.state == "open" and stored.dismissal_reason is None

    await dismiss_problem(session, actor(world.officer), problem_id=problem.id, reason=REASON)
    await session.flush()
    with pytest.raises(Conflict):  # a replay
        await dismiss_problem(session, actor(world.officer), problem_id=problem.id, reason=REASON)
    count = (
        await session.exec(
            select(func.count()).select_from(AuditEntry).where(col(AuditEntry.action) == "problem.dismiss")
        )
    ).one()
    assert count == 1


async def _portal(client, session, world, problem_id, reason, who):  # type: ignore[no-untyped-def]
    client.cookies.clear()
    assert (await log_in(client, getattr(world, who).username)).status_code == 303
    token = csrf_from((await client.get("/notifications")).text)
    response = await client.post(
        f"/supervision/problems/{problem_id}/dismiss", data={"reason": reason, "csrf_token": token}
    )
    return portal_outcome(response)


async def _api(client, session, world, problem_id, reason, who):  # type: ignore[no-untyped-def]
    token = await bearer_token(session, getattr(world, who))
    data = await graphql_data(client, DISMISS, {"id": str(problem_id), "reason": reason}, token=token)
    return graphql_outcome(data["dismissProblem"], rename={"problemId": None, "problem": None})


CASES = [
    ("dismiss", REASON, "officer", "open", Outcome(True, frozenset())),
    ("without a reason", " ", "officer", "open", Outcome(False, frozenset({("reason", "required")}))),
    ("too long", "说" * 2001, "officer", "open", Outcome(False, frozenset({("reason", "too_long")}))),
    ("by the unit", REASON, "staff", "open", Outcome(False, frozenset({(None, "forbidden")}))),
    ("in another district", REASON, "outsider", "open", Outcome(False, frozenset({(None, "not_found")}))),
    (
        "once rectification is ordered",
        REASON,
        "officer",
        "ordered",
        Outcome(False, frozenset({(None, "state")})),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
async def test_both_faces_dismiss_alike(case, client, session):  # type: ignore[no-untyped-def]
    client.headers["accept-language"] = "en"
    _name, reason, who, state, expected = case
    outcomes, states = [], []
    for face in (_portal, _api):
        world = await arrange(session)
        if state == "ordered":
            problem = await raise_problem(session, actor(world.officer), data=problem_input(world, ref="R-5"))
            await session.flush()
        else:
            problem = await _open_problem(session, world, ref=f"C-{face.__name__}")
        await session.commit()
        outcomes.append(await face(client, session, world, problem.id, reason, who))
        stored = await session.get(Problem, problem.id, populate_existing=True)
        assert stored is not None
        states.append(stored.state)
    assert outcomes == [expected, expected], outcomes
    unchanged = "rectifying" if state == "ordered" else "open"
    assert states[0] == states[1] == ("dismissed" if expected.accepted else unchanged)
