"""Enterprise environmental credit pages (企业环境信用, PT §3): the legal section's list of its units by
score, one unit's credit (score, level, history, every event with the record it rests on, the forms to
record and void events), the unit's own page, and the public page. Parsing here; every change is one use
case of ``domain.supervision.credit.service``."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.errors import N_, Conflict, FieldError, NotFound, ValidationFailed
from domain.i18n import translations_for
from domain.supervision.credit import queries, rules, service
from domain.supervision.credit.queries import UnitCredit
from portal.list_pages import page_number
from portal.responses import actor_of, db_of, redirect, render
from portal.templating import field_errors
from web.request_context import request_locale

PAGE_SIZE = 50


def _labels() -> dict[str, Any]:
    return {
        "kind_labels": {kind: value.label for kind, value in rules.KINDS.items()},
        "level_labels": rules.LEVEL_LABELS,
        "source_labels": rules.SOURCE_LABELS,
        "thresholds": rules.level_thresholds(),
        "formula": rules.formula(),
        "manual_kinds": rules.MANUAL_KINDS,
        "formula_points": {kind: value.points for kind, value in rules.KINDS.items()},
    }


def _chart(request: Request, credit: UnitCredit) -> dict[str, Any]:
    """The score history as the chart script draws it (``static/agencies.js``), thresholds by level name."""
    gettext = translations_for(request_locale(request)).gettext
    return {
        "label": gettext(N_("Credit score")),
        "labels": [point.day.isoformat() for point in credit.history],
        "scores": [point.score for point in credit.history],
        "thresholds": [
            [gettext(rules.LEVEL_LABELS[level]), floor]
            for level, floor in rules.level_thresholds()
            if floor is not None
        ],
    }


def _form(raw: Any) -> dict[str, str]:
    return {key: str(value) for key, value in raw.items() if isinstance(value, str)}


async def list_page(request: Request) -> Response:
    actor = await actor_of(request)
    if actor.enterprise_id is not None:
        return redirect("/credit/mine")
    level = request.query_params.get("level", "")
    level = level if level in rules.LEVEL_LABELS else ""
    number = page_number(request.query_params.get("page"))
    async with db_of(request).read() as session:
        page = await queries.unit_scores(
            session, actor, level=level or None, first=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
        )
    return render(
        request, "supervision/credit/list.html", {"page": page, "level": level, "number": number, **_labels()}
    )


async def _unit_page(
    request: Request,
    credit: UnitCredit,
    *,
    form: dict[str, str] | None = None,
    errors: list[FieldError] | None = None,
    status_code: int = 200,
) -> Response:
    actor = await actor_of(request)
    regulator = actor.enterprise_id is None
    context = {
        "uc": credit,
        "chart": _chart(request, credit),
        "links": {
            event.id: queries.source_link(event, credit.enterprise, regulator=regulator)
            for event in credit.events
        },
        "may_record": service.may_record(actor, credit.enterprise),
        "form": form or {},
        "errors": field_errors(errors or []),
        "done": request.query_params.get("done", ""),
        **_labels(),
    }
    return render(request, "supervision/credit/unit.html", context, status_code=status_code)


async def unit_page(request: Request) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        credit = await queries.unit_credit(session, actor, credit_code=request.path_params["code"])
    return await _unit_page(request, credit)


async def own_page(request: Request) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        credit = await queries.own_credit(session, actor)
    return await _unit_page(request, credit)


async def _failed(request: Request, code: str, form: dict[str, str], errors: list[FieldError]) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        credit = await queries.unit_credit(session, actor, credit_code=code)
    return await _unit_page(request, credit, form=form, errors=errors, status_code=400)


async def record_event(request: Request) -> Response:
    actor = await actor_of(request)
    code = request.path_params["code"]
    form = _form(await request.form())
    try:
        async with db_of(request).transaction() as session:
            await service.record_credit_event(
                session,
                actor,
                credit_code=code,
                kind=form.get("kind", ""),
                basis=form.get("basis", ""),
                evidence=form.get("evidence", ""),
                note=form.get("note", ""),
            )
    except (ValidationFailed, Conflict) as failure:
        return await _failed(request, code, form, failure.errors)
    return redirect(f"/credit/{code}?done=recorded")


async def refresh(request: Request) -> Response:
    actor = await actor_of(request)
    code = request.path_params["code"]
    await request.form()  # the CSRF middleware has read the token
    async with db_of(request).transaction() as session:
        await service.refresh_credit(session, actor, credit_code=code)
    return redirect(f"/credit/{code}?done=refreshed")


async def void_event(request: Request) -> Response:
    actor = await actor_of(request)
    code = request.path_params["code"]
    raw = request.path_params["event_id"]
    form = _form(await request.form())
    try:
        async with db_of(request).transaction() as session:
            await service.void_credit_event(session, actor, event_id=raw, reason=form.get("reason", ""))
    except (ValidationFailed, Conflict) as failure:
        return await _failed(request, code, {**form, "void_id": str(raw)}, failure.errors)
    return redirect(f"/credit/{code}?done=voided")


async def public_page(request: Request) -> Response:
    async with db_of(request).read() as session:
        credit = await queries.public_credit(session, credit_code=request.path_params["code"])
    return render(
        request,
        "supervision/credit/public.html",
        {"uc": credit, "chart": _chart(request, credit), **_labels()},
    )


async def public_lookup(request: Request) -> Response:
    """The public search box: a credit code opens its unit's credit page."""
    code = (request.query_params.get("code") or "").strip().upper()
    if code:
        async with db_of(request).read() as session:
            try:
                await queries.public_credit(session, credit_code=code)
            except NotFound as missing:
                return render(
                    request,
                    "supervision/credit/lookup.html",
                    {"code": code, "errors": field_errors(missing.errors), **_labels()},
                    status_code=404,
                )
        return redirect(f"/public/credit/{code}")
    return render(request, "supervision/credit/lookup.html", {"code": "", "errors": {}, **_labels()})


routes = [
    Route("/credit", list_page, methods=["GET"], name="credit"),
    Route("/credit/mine", own_page, methods=["GET"], name="credit_mine"),
    Route("/credit/{code}", unit_page, methods=["GET"], name="credit_unit"),
    Route("/credit/{code}/events", record_event, methods=["POST"], name="credit_record"),
    Route("/credit/{code}/refresh", refresh, methods=["POST"], name="credit_refresh"),
    Route("/credit/{code}/events/{event_id:int}/void", void_event, methods=["POST"], name="credit_void"),
    Route("/public/credit", public_lookup, methods=["GET"], name="public_credit_lookup"),
    Route("/public/credit/{code}", public_page, methods=["GET"], name="public_credit"),
]
