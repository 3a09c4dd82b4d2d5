"""The annual grading pages (PT §4, annex 2): the district's permit holders for a year with the proposed
grade, the grounds behind it (each linked to its record) and the decision form; a unit's own grades."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.access import Operation, Target, can
from domain.clock import today
from domain.errors import FieldError, ValidationFailed
from domain.supervision.grading import queries, service
from domain.supervision.grading.rules import GRADE_LABELS, GROUND_LABELS, Grade
from portal.responses import actor_of, db_of, redirect, render
from portal.templating import field_errors


def _year(request: Request) -> int:
    raw = request.query_params.get("year", "")
    return int(raw) if raw.isdigit() and len(raw) == 4 else today().year - 1


def _labels() -> dict[str, Any]:
    return {
        "grade_labels": {g.value: label for g, label in GRADE_LABELS.items()},
        "ground_labels": GROUND_LABELS,
    }


async def _page(
    request: Request,
    *,
    year: int,
    failed: str = "",
    form: dict[str, str] | None = None,
    errors: list[FieldError] | None = None,
) -> Response:
    actor = await actor_of(request)
    if actor.enterprise_id is not None:
        return redirect("/grading/mine")
    region = request.query_params.get("region") or actor.region_code or ""
    async with db_of(request).read() as session:
        grading = await queries.grading(session, actor, region_code=region, year=year)
    context = {
        "grading": grading,
        "unqualified": grading.count(Grade.UNQUALIFIED),
        "years": list(range(today().year - 1, max(queries.FIRST_YEAR, today().year - 6) - 1, -1)),
        "grades": [g.value for g in Grade],
        "may_decide": can(actor, Operation.GRADING_DECIDE, Target(region_code=region)),
        "failed": failed,
        "form": form or {},
        "errors": field_errors(errors or []),
        "done": request.query_params.get("done", ""),
        **_labels(),
    }
    return render(request, "supervision/grading/district.html", context, status_code=400 if errors else 200)


async def district_page(request: Request) -> Response:
    return await _page(request, year=_year(request))


async def decide(request: Request) -> Response:
    actor = await actor_of(request)
    form = {key: str(value) for key, value in (await request.form()).items() if isinstance(value, str)}
    raw_year = form.get("year", "")
    year = int(raw_year) if raw_year.isdigit() and len(raw_year) == 4 else 0
    code = request.path_params["code"]
    try:
        async with db_of(request).transaction() as session:
            await service.decide_grade(
                session,
                actor,
                year=year,
                credit_code=code,
                grade=form.get("grade", ""),
                reason=form.get("reason", ""),
            )
    except ValidationFailed as failure:
        return await _page(
            request, year=year or _year(request), failed=code, form=form, errors=failure.errors
        )
    return redirect(f"/grading?year={year}&done={code}#unit-{code}")


async def own_page(request: Request) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        grades = await queries.own_grades(session, actor)
    return render(request, "supervision/grading/unit.html", {"grades": grades, **_labels()})


routes = [
    Route("/grading", district_page, methods=["GET"], name="grading"),
    Route("/grading/mine", own_page, methods=["GET"], name="grading_mine"),
    Route("/grading/{code}/decide", decide, methods=["POST"], name="grading_decide"),
]
