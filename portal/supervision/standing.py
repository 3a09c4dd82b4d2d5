"""The positive list's pages (正面清单, 黄牌): the regulators' working page, one unit's standing, and the
public list. Form parsing here; every decision is one use case of ``domain.supervision.standing``."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.access import Operation, Target, can
from domain.clock import today
from domain.enterprises.models import Enterprise
from domain.enterprises.queries import list_enterprises
from domain.errors import Conflict, FieldError, ValidationFailed, reporting
from domain.supervision.cases import cards
from domain.supervision.inspections import cards as inspection_cards
from domain.supervision.standing import queries, service
from domain.supervision.standing.labels import REMOVAL_LABELS, SOURCE_LABELS
from domain.supervision.standing.rules import AdmissionInput
from portal.forms import parse_day
from portal.responses import actor_of, db_of, redirect, render
from portal.templating import field_errors

PUBLIC_PAGE_SIZE = 50


def _labels() -> dict[str, Any]:
    return {"removal_labels": REMOVAL_LABELS, "source_labels": SOURCE_LABELS}


async def _work_page(
    request: Request, *, form: dict[str, str] | None = None, errors: list[FieldError] | None = None
) -> Response:
    actor = await actor_of(request)
    if actor.enterprise_id is not None:
        async with db_of(request).read() as session:
            standing = await queries.standing_of(session, actor, credit_code=await _own_code(request))
        context = {"standing": standing, "may_decide": False, "form": {}, "errors": {}, **_labels()}
        return render(request, "supervision/standing/unit.html", context)
    year = today().year
    async with db_of(request).read() as session:
        listed = await queries.listed_units(session, actor)
        cards = await queries.cards_of_year(session, actor, year=year)
        units = (await list_enterprises(session, actor, first=100)).items if actor.is_regulator else []
    context = {
        "listed": listed,
        "cards": cards,
        "candidates": [u for u in units if u.credit_code not in {row.credit_code for row in listed}],
        "year": year,
        "may_decide": can(actor, Operation.STANDING_MANAGE, Target(region_code=actor.region_code)),
        "form": form or {"entered_on": today().isoformat()},
        "errors": field_errors(errors or []),
        "done": request.query_params.get("done", ""),
        **_labels(),
    }
    return render(request, "supervision/standing/work.html", context, status_code=400 if errors else 200)


async def _own_code(request: Request) -> str:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        enterprise = await session.get(Enterprise, actor.enterprise_id)
    return enterprise.credit_code if enterprise else ""


async def work_page(request: Request) -> Response:
    return await _work_page(request)


async def admit(request: Request) -> Response:
    actor = await actor_of(request)
    form = {key: str(value) for key, value in (await request.form()).items() if isinstance(value, str)}
    problems: list[FieldError] = []
    data = AdmissionInput(
        credit_code=form.get("credit_code", ""),
        entered_on=parse_day(form.get("entered_on", ""), "entered_on", problems),
        basis=form.get("basis", ""),
    )
    try:
        async with db_of(request).transaction() as session, reporting(problems):
            await service.admit_to_positive_list(session, actor, data=data)
    except (ValidationFailed, Conflict) as failure:
        return await _work_page(request, form=form, errors=failure.errors)
    return redirect("/standing?done=admitted")


async def unit_page(request: Request) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        standing = await queries.standing_of(session, actor, credit_code=request.path_params["code"])
    return render(
        request,
        "supervision/standing/unit.html",
        {
            "standing": standing,
            "may_decide": can(actor, Operation.STANDING_MANAGE, service.target_of(standing.enterprise)),
            "form": {"removed_on": today().isoformat()},
            "errors": {},
            **_labels(),
        },
    )


async def remove(request: Request) -> Response:
    actor = await actor_of(request)
    code = request.path_params["code"]
    form = {key: str(value) for key, value in (await request.form()).items() if isinstance(value, str)}
    problems: list[FieldError] = []
    removed_on = parse_day(form.get("removed_on", ""), "removed_on", problems)
    try:
        async with db_of(request).transaction() as session, reporting(problems):
            await service.remove_from_positive_list(
                session, actor, credit_code=code, removed_on=removed_on, note=form.get("note", "")
            )
    except (ValidationFailed, Conflict) as failure:
        async with db_of(request).read() as session:
            standing = await queries.standing_of(session, actor, credit_code=code)
        return render(
            request,
            "supervision/standing/unit.html",
            {
                "standing": standing,
                "may_decide": True,
                "form": form,
                "errors": field_errors(failure.errors),
                **_labels(),
            },
            status_code=400,
        )
    return redirect(f"/standing/{code}")


async def card_from_case(request: Request) -> Response:
    """The case page's "yellow card" button: the card the case earns, then the unit's standing."""
    actor = await actor_of(request)
    await request.form()  # the CSRF middleware has read the token
    async with db_of(request).transaction() as session:
        card, _removed = await cards.yellow_card_for_case(
            session, actor, case_id=request.path_params["case_id"]
        )
        enterprise = await session.get(Enterprise, card.enterprise_id)
    return redirect(f"/standing/{enterprise.credit_code if enterprise else ''}")


async def card_from_inspection(request: Request) -> Response:
    """The inspection record's "yellow card" form: the card for the minor violation it found."""
    actor = await actor_of(request)
    form = await request.form()
    async with db_of(request).transaction() as session:
        card, _removed = await inspection_cards.yellow_card_for_inspection(
            session,
            actor,
            reference=request.path_params["reference"],
            violation=str(form.get("violation") or ""),
        )
        enterprise = await session.get(Enterprise, card.enterprise_id)
    return redirect(f"/standing/{enterprise.credit_code if enterprise else ''}")


async def public_page(request: Request) -> Response:
    removed = request.query_params.get("show") == "removed"
    raw = request.query_params.get("page", "1")
    number = max(1, int(raw)) if raw.isdigit() and len(raw) < 7 else 1
    async with db_of(request).read() as session:
        page = await queries.public_list(
            session, removed=removed, first=PUBLIC_PAGE_SIZE, offset=(number - 1) * PUBLIC_PAGE_SIZE
        )
    return render(
        request,
        "supervision/standing/public.html",
        {"page": page, "removed": removed, "number": number, **_labels()},
    )


routes = [
    Route("/standing", work_page, methods=["GET"], name="standing"),
    Route("/standing/admit", admit, methods=["POST"], name="standing_admit"),
    Route("/standing/{code}", unit_page, methods=["GET"], name="standing_unit"),
    Route("/standing/{code}/remove", remove, methods=["POST"], name="standing_remove"),
    Route("/public/positive-list", public_page, methods=["GET"], name="public_positive_list"),
    Route("/cases/{case_id}/yellow-card", card_from_case, methods=["POST"], name="case_yellow_card"),
    Route(
        "/inspections/records/{reference}/yellow-card",
        card_from_inspection,
        methods=["POST"],
        name="inspection_yellow_card",
    ),
]
