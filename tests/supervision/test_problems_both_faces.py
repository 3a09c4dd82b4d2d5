"""The same problems and rectification operations through both faces, the portal's form posts and the
API's mutations, with the same outcome (accepted or refused, each error's field and code) and the same
writes. Each case runs once per face on a world of its own (tests.supervision.problem_world) whose
problem's rectification item is in the state the case needs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, func, select

from domain.clock import today
from domain.supervision.problems.models import Problem, RectificationItem, RectificationStep
from domain.supervision.problems.service import close_rectification, raise_problem, verify_rectification
from tests.faces import Outcome, graphql_outcome, portal_outcome
from tests.factories import actor
from tests.graphql_helpers import bearer_token, graphql_data
from tests.portal_helpers import csrf_from, log_in
from tests.supervision.problem_world import World, arrange, problem_input

ERRORS = "errors { field code message }"
PROGRESS = (
    "mutation($id: ID!, $text: String!, $figures: [ProgressFigureInput!]) {"
    " reportRectificationProgress(itemId: $id, text: $text, figures: $figures) { problem { id } "
    + ERRORS
    + " } }"
)
VERIFY = (
    "mutation($id: ID!, $method: String!, $outcome: String!, $note: String!) {"
    " verifyRectification(itemId: $id, method: $method, outcome: $outcome, note: $note) { problem { id } "
    + ERRORS
    + " } }"
)
CLOSE = (
    "mutation($id: ID!, $note: String!) { closeRectification(itemId: $id, note: $note) { problem { id } "
    + ERRORS
    + " } }"
)
REOPEN = (
    "mutation($id: ID!, $reason: String!, $deadline: Date!) {"
    " reopenRectification(itemId: $id, reason: $reason, deadline: $deadline) { problem { id } "
    + ERRORS
    + " } }"
)
RAISE = (
    "mutation($kind: String!, $key: String!, $code: String!, $permit: String!,"
    " $wording: ProblemWordingInput!) {"
    " raiseProblem(sourceKind: $kind, requestKey: $key, creditCode: $code, permitNumber: $permit,"
    " wording: $wording) { problem { id } " + ERRORS + " } }"
)
RECHECK = (
    "mutation($id: ID!, $sample: String!, $outcome: String!, $note: String!) {"
    " recheckRectification(itemId: $id, sample: $sample, outcome: $outcome, note: $note) { problem { id } "
    + ERRORS
    + " } }"
)
NOT_NAMED = {"itemId": None, "problemId": None}


@dataclass
class Setup:
    world: World
    item_id: int


async def setup(session, state: str) -> Setup:  # type: ignore[no-untyped-def]
    world = await arrange(session)
    problem = await raise_problem(
        session, actor(world.officer), data=problem_input(world, ref=f"R-{world.enterprise.id}:Q001:1")
    )
    await session.flush()
    item = (
        await session.exec(select(RectificationItem).where(RectificationItem.problem_id == problem.id))
    ).one()
    assert item.id is not None
    if state in ("verified", "closed"):
        await verify_rectification(
            session, actor(world.officer), item_id=item.id, method="paper", outcome="passed", note="材料齐全"
        )
    if state == "closed":
        await close_rectification(session, actor(world.officer), item_id=item.id, note="")
    await session.flush()
    return Setup(world, item.id)


async def written(session, setup: Setup) -> tuple[Any, ...]:  # type: ignore[no-untyped-def]
    item = await session.get(RectificationItem, setup.item_id, populate_existing=True)
    steps = (
        await session.exec(
            select(RectificationStep.kind, RectificationStep.note)
            .where(RectificationStep.item_id == setup.item_id)
            .order_by(col(RectificationStep.id))
        )
    ).all()
    problems = (
        await session.exec(
            select(func.count())
            .select_from(Problem)
            .where(Problem.enterprise_id == setup.world.enterprise.id)
        )
    ).one()
    return (item.state if item else None, item.deadline - today() if item else None, tuple(steps), problems)


async def as_user(client, user) -> str:  # type: ignore[no-untyped-def]
    client.cookies.clear()
    assert (await log_in(client, user.username)).status_code == 303
    return csrf_from((await client.get("/notifications")).text)


Face = Callable[..., Awaitable[Outcome]]


def _step(
    path: str, query: str, name: str, form: dict[str, str], variables: dict[str, Any], who: str
) -> tuple[Face, Face]:
    async def portal(client, session, setup):  # type: ignore[no-untyped-def]
        token = await as_user(client, getattr(setup.world, who))
        response = await client.post(
            f"/supervision/rectification/{setup.item_id}/{path}", data={**form, "csrf_token": token}
        )
        return portal_outcome(response)

    async def api(client, session, setup):  # type: ignore[no-untyped-def]
        token = await bearer_token(session, getattr(setup.world, who))
        data = await graphql_data(client, query, {"id": str(setup.item_id), **variables}, token=token)
        return graphql_outcome(data[name], rename=NOT_NAMED)

    return portal, api


def _progress(text: str, who: str = "staff", figures: list[tuple[str, str, str]] = ()) -> tuple[Face, Face]:  # type: ignore[assignment]
    form = {"text": text}
    for index, (n, v, u) in enumerate(figures):
        form |= {f"figures[{index}].name": n, f"figures[{index}].value": v, f"figures[{index}].unit": u}
    api_figures = [{"name": n, "value": float(v), "unit": u} for n, v, u in figures]
    return _step(
        "progress", PROGRESS, "reportRectificationProgress", form, {"text": text, "figures": api_figures}, who
    )


def _verify(method: str, outcome: str, note: str, who: str = "officer") -> tuple[Face, Face]:
    values = {"method": method, "outcome": outcome, "note": note}
    return _step("verify", VERIFY, "verifyRectification", values, values, who)


def _close(who: str = "officer") -> tuple[Face, Face]:
    return _step("close", CLOSE, "closeRectification", {"note": "同意销号"}, {"note": "同意销号"}, who)


def _reopen(reason: str, days: int) -> tuple[Face, Face]:
    deadline = (today() + timedelta(days=days)).isoformat()
    return _step(
        "reopen",
        REOPEN,
        "reopenRectification",
        {"reason": reason, "deadline": deadline},
        {"reason": reason, "deadline": deadline},
        "officer",
    )


def _recheck(sample: str, outcome: str, who: str = "brigade") -> tuple[Face, Face]:
    values = {"sample": sample, "outcome": outcome, "note": "比对监测"}
    return _step("recheck", RECHECK, "recheckRectification", values, values, who)


def _raise(title: str, code_of: Callable[[World], str], who: str = "officer") -> tuple[Face, Face]:
    wording = {
        "title": title,
        "description": "群众投诉夜间异味",
        "legalBasis": "《排污许可管理条例》第三十四条",
        "evidence": "12345 工单",
        "department": "enforcement",
    }

    async def portal(client, session, setup):  # type: ignore[no-untyped-def]
        token = await as_user(client, getattr(setup.world, who))
        data = {
            "csrf_token": token,
            "source": "manual",
            "source_kind": "complaint",
            "request_key": "k-portal",
            "credit_code": code_of(setup.world),
            "permit_number": "",
            "title": title,
            "description": wording["description"],
            "legal_basis": wording["legalBasis"],
            "evidence": wording["evidence"],
            "department": "enforcement",
        }
        return portal_outcome(await client.post("/supervision/problems/new", data=data))

    async def api(client, session, setup):  # type: ignore[no-untyped-def]
        token = await bearer_token(session, getattr(setup.world, who))
        variables = {
            "kind": "complaint",
            "key": "k-api",
            "code": code_of(setup.world),
            "permit": "",
            "wording": wording,
        }
        data = await graphql_data(client, RAISE, variables, token=token)
        return graphql_outcome(data["raiseProblem"], rename=NOT_NAMED)

    return portal, api


@dataclass(frozen=True)
class Case:
    name: str
    faces: tuple[Face, Face]
    accepted: bool
    errors: frozenset[tuple[str | None, str]] = frozenset()
    state: str = "rectifying"


CASES = [
    Case("report progress", _progress("喷淋层已更换", figures=[("有效率", "99.2", "%")]), True),
    Case("report progress without text", _progress("  "), False, frozenset({("text", "required")})),
    Case("report progress too long", _progress("说" * 4001), False, frozenset({("text", "too_long")})),
    Case(
        "report progress on another unit's item",
        _progress("x", who="stranger"),
        False,
        frozenset({(None, "not_found")}),
    ),
    Case(
        "report progress on a closed item",
        _progress("再报"),
        False,
        frozenset({(None, "state")}),
        state="closed",
    ),
    Case("verify", _verify("on_site", "passed", "现场核查已整改"), True),
    Case("verify not passed", _verify("paper", "failed", "材料不全"), True),
    Case(
        "verify with every error at once",
        _verify("phone", "maybe", ""),
        False,
        frozenset({("method", "choice"), ("outcome", "choice"), ("note", "required")}),
    ),
    Case(
        "verify by the unit",
        _verify("paper", "passed", "自查", who="staff"),
        False,
        frozenset({(None, "forbidden")}),
    ),
    Case(
        "verify in another district",
        _verify("paper", "passed", "x", who="outsider"),
        False,
        frozenset({(None, "not_found")}),
    ),
    Case("close before verification", _close(), False, frozenset({(None, "state")})),
    Case("close after verification", _close(), True, state="verified"),
    Case("reopen a closed item", _reopen("投诉复发", 20), True, state="closed"),
    Case(
        "reopen without reason, in the past",
        _reopen("", -1),
        False,
        frozenset({("reason", "required"), ("deadline", "past")}),
        state="closed",
    ),
    Case("re-check a closed item", _recheck("DA001 在线数据十日", "passed"), True, state="closed"),
    Case("re-check found wanting", _recheck("DA001 在线数据十日", "failed"), True, state="verified"),
    Case(
        "re-check without a sample, before verification",
        _recheck("", "passed"),
        False,
        frozenset({("sample", "required")}),
    ),
    Case("re-check an item being rectified", _recheck("台账", "passed"), False, frozenset({(None, "state")})),
    Case(
        "re-check by the unit",
        _recheck("台账", "passed", who="staff"),
        False,
        frozenset({(None, "forbidden")}),
    ),
    Case("raise a complaint by hand", _raise("夜间异味投诉", lambda w: w.enterprise.credit_code), True),
    Case(
        "raise by hand with faults",
        _raise("", lambda w: "91310000000000000X"),
        False,
        frozenset({("title", "required"), ("credit_code", "not_found")}),
    ),
    Case(
        "raise by hand as the unit",
        _raise("x", lambda w: w.enterprise.credit_code, who="staff"),
        False,
        frozenset({(None, "forbidden")}),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
async def test_both_faces_give_the_same_outcome(case: Case, client, session):  # type: ignore[no-untyped-def]
    client.headers["accept-language"] = "en"
    outcomes, writes = [], []
    for face in case.faces:
        world = await setup(session, case.state)
        before = await written(session, world)
        outcome = await face(client, session, world)
        after = await written(session, world)
        outcomes.append(outcome)
        writes.append(after)
        if not outcome.accepted:
            assert after == before, f"{case.name}: a refused operation wrote something"
    assert outcomes[0] == outcomes[1], f"{case.name}: portal {outcomes[0]}, API {outcomes[1]}"
    assert writes[0] == writes[1], f"{case.name}: the faces wrote differently"
    assert outcomes[0] == Outcome(case.accepted, case.errors)
