"""Inspection pages (PT §6-7): the enforcement brigade's plan of the year with what is due and behind,
double-random draws (the form; the public list and page under /public/draws), the annex-3 checklist form
and the records; a unit sees its own records."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.bounds import parse_id
from domain.clock import today
from domain.errors import N_, Conflict, FieldError, NotFound, ValidationFailed, reporting
from domain.i18n import translate
from domain.regions import known_regions_within
from domain.supervision.credit.queries import inspection_weights, warned_units
from domain.supervision.inspections import labels, rules
from domain.supervision.inspections.queries import common as inspection_access
from domain.supervision.inspections.queries import draws as draw_queries
from domain.supervision.inspections.queries import plan as plan_queries
from domain.supervision.inspections.queries import records as record_queries
from domain.supervision.inspections.service import draws, plans, records
from portal.forms import parse_day
from portal.responses import actor_of, db_of, error_page, redirect, render
from portal.templating import field_errors
from web.request_context import request_locale

PAGE_SIZE = 50


def _labels() -> dict[str, Any]:
    return {
        "kind_labels": labels.KIND_LABELS,
        "basis_labels": labels.BASIS_LABELS,
        "state_labels": labels.STATE_LABELS,
        "pool_labels": labels.POOL_LABELS,
        "result_labels": labels.RESULT_LABELS,
    }


def _year(raw: str | None) -> int:
    text = (raw or "").strip()
    if text.isascii() and text.isdigit() and len(text) == 4:
        return int(text)
    return today().year


def _page(raw: str | None) -> int:
    number = parse_id(raw or "1")
    return max(1, min(number or 1, 100_000))


def _region(request: Request, fallback: str | None) -> str:
    """The jurisdiction whose plan is read: the reader's own, or (for a province or city) one it chose."""
    chosen = request.query_params.get("region", "")[:6]
    return chosen if chosen else (fallback or "")


async def plan(request: Request) -> Response:
    """The year's plan: counts by state, coverage against the targets, every line soonest due first."""
    actor = await actor_of(request)
    if actor.is_unit_side:
        return redirect("/inspections/records")
    region = _region(request, actor.region_code)
    year = _year(request.query_params.get("year"))
    state = request.query_params.get("state", "")
    state = state if state in inspection_access.LINE_STATES else ""
    kind = request.query_params.get("kind", "")
    kind = kind if kind in labels.KIND_LABELS else ""
    page_number = _page(request.query_params.get("page"))
    if not region:
        context = {"region": "", "regions": known_regions_within(None), "year": year, **_labels()}
        return render(request, "supervision/inspections/plan.html", context)
    async with db_of(request).read() as session:
        summary = await plan_queries.plan_summary(session, actor, region_code=region, year=year)
        lines = await plan_queries.plan_lines(
            session,
            actor,
            region_code=region,
            year=year,
            kind=kind or None,
            state=state or None,
            first=PAGE_SIZE,
            offset=(page_number - 1) * PAGE_SIZE,
        )
    return render(
        request,
        "supervision/inspections/plan.html",
        {
            "region": region,
            "regions": known_regions_within(actor.region_code),
            "year": year,
            "state": state,
            "kind": kind,
            "summary": summary,
            "lines": lines,
            "page_number": page_number,
            "last_page": max(1, -(-lines.total // PAGE_SIZE)),
            "may_plan": inspection_access.may_plan(actor, region),
            "may_record": inspection_access.may_record(actor, region),
            "done": request.query_params.get("done"),
            "added": request.query_params.get("added", "")[:6],
            "errors": {},
            **_labels(),
        },
    )


async def generate(request: Request) -> Response:
    actor = await actor_of(request)
    form = await request.form()
    region = str(form.get("region", ""))[:6]
    year = _year(str(form.get("year", "")))
    try:
        async with db_of(request).transaction() as session:
            found = await plans.generate_plan(
                session, actor, region_code=region, year=year, raised_by=warned_units
            )
    except ValidationFailed as error:
        return error_page(
            request, 400, message=translate(error.message, request_locale(request), **error.params)
        )
    return redirect(f"/inspections?region={region}&year={year}&done=generated&added={found.added}")


# --- Draws ---------------------------------------------------------------------------------------------


def _draw_values(form: FormData | None, request: Request) -> dict[str, str]:
    names = ("region", "year", "kind", "pool", "industry_code", "units")
    if form is None:
        actor = getattr(request.state, "actor", None)
        return {
            "region": request.query_params.get("region", "")[:6]
            or (actor.region_code if actor else "")
            or "",
            "year": str(today().year),
            "kind": request.query_params.get("kind", "enforcement")[:16],
            "pool": request.query_params.get("pool", "registration")[:16],
            "industry_code": "",
            "units": "",
        }
    return {name: str(form.get(name, ""))[:200] for name in names}


async def draw_form(
    request: Request,
    *,
    values: dict[str, str] | None = None,
    errors: dict | None = None,
    status_code: int = 200,
) -> Response:  # type: ignore[type-arg]
    actor = await actor_of(request)
    values = values or _draw_values(None, request)
    inspection_access.require_planner(actor, values["region"] or actor.region_code)
    return render(
        request,
        "supervision/inspections/draw_form.html",
        {
            "data": values,
            "errors": errors or {},
            "regions": known_regions_within(actor.region_code),
            **_labels(),
        },
        status_code=status_code,
    )


async def draw_new(request: Request) -> Response:
    return await draw_form(request)


async def draw_create(request: Request) -> Response:
    actor = await actor_of(request)
    values = _draw_values(await request.form(), request)
    problems: list[FieldError] = []
    units: int | None = None
    if values["units"].strip():
        units = parse_id(values["units"])
        if units is None:
            problems.append(FieldError("units", "number", N_("Enter a whole number.")))
    try:
        async with db_of(request).transaction() as session, reporting(problems):
            draw = await draws.make_draw(
                session,
                actor,
                region_code=values["region"],
                year=_year(values["year"]),
                kind=values["kind"],
                pool=values["pool"],
                industry_code=values["industry_code"],
                units=units,
                weighed_by=inspection_weights,
            )
            reference = draw.reference
    except (ValidationFailed, Conflict) as error:
        return await draw_form(request, values=values, errors=field_errors(error.errors), status_code=400)
    return redirect(f"/public/draws/{reference}")


async def public_draws(request: Request) -> Response:
    """Every draw with its parameters and results: 双随机一公开."""
    actor = await actor_of(request)
    page_number = _page(request.query_params.get("page"))
    async with db_of(request).read() as session:
        found = await draw_queries.list_draws(
            session, actor, first=PAGE_SIZE, offset=(page_number - 1) * PAGE_SIZE
        )
    return render(
        request,
        "supervision/inspections/draws.html",
        {
            "draws": found,
            "page_number": page_number,
            "last_page": max(1, -(-found.total // PAGE_SIZE)),
            "may_draw": inspection_access.may_plan(actor, actor.region_code),
            **_labels(),
        },
    )


async def public_draw(request: Request) -> Response:
    async with db_of(request).read() as session:
        page = await draw_queries.draw_page(session, reference=request.path_params["reference"])
    return render(request, "supervision/inspections/draw.html", {"page": page, **_labels()})


# --- Records -------------------------------------------------------------------------------------------


async def record_list(request: Request) -> Response:
    actor = await actor_of(request)
    page_number = _page(request.query_params.get("page"))
    kind = request.query_params.get("kind", "")
    async with db_of(request).read() as session:
        found = await record_queries.list_records(
            session,
            actor,
            kind=kind if kind in labels.KIND_LABELS else None,
            first=PAGE_SIZE,
            offset=(page_number - 1) * PAGE_SIZE,
        )
    return render(
        request,
        "supervision/inspections/records.html",
        {
            "records": found,
            "page_number": page_number,
            "last_page": max(1, -(-found.total // PAGE_SIZE)),
            "may_record": inspection_access.may_record(actor, actor.region_code),
            **_labels(),
        },
    )


def _subject(source: Any) -> dict[str, str]:
    return {
        "kind": str(source.get("kind", "enforcement"))[:16],
        "permit_number": str(source.get("permit_number", "")).strip()[:22],
        "registration_number": str(source.get("registration_number", "")).strip()[:22],
        "credit_code": str(source.get("credit_code", "")).strip()[:18],
    }


async def _record_form(
    request: Request,
    subject: dict[str, str],
    *,
    values: dict[str, Any] | None = None,
    errors: dict | None = None,  # type: ignore[type-arg]
    status_code: int = 200,
) -> Response:
    actor = await actor_of(request)
    lookup_errors: dict[str, list[FieldError]] = {}
    async with db_of(request).read() as session:
        try:
            form = await record_queries.record_form(session, actor, **subject)
        except NotFound as error:
            form = None
            lookup_errors = field_errors(error.errors)
            status_code = 404 if status_code == 200 else status_code
    return render(
        request,
        "supervision/inspections/record_form.html",
        {
            "subject": subject,
            "form": form,
            "data": values or {"inspected_on": today().isoformat(), "inspectors": [], "summary": ""},
            "errors": errors or lookup_errors,
            **_labels(),
        },
        status_code=status_code,
    )


async def record_new(request: Request) -> Response:
    return await _record_form(request, _subject(request.query_params))


async def record_create(request: Request) -> Response:
    actor = await actor_of(request)
    form = await request.form()
    subject = _subject(form)
    problems: list[FieldError] = []
    inspected_on = parse_day(str(form.get("inspected_on", "")), "inspected_on", problems)
    rectify_by = parse_day(str(form.get("rectify_by", "")), "rectify_by", problems)
    inspectors = [parse_id(value) for value in form.getlist("inspector")]
    if any(i is None for i in inspectors):
        problems.append(
            FieldError(
                "inspector_ids",
                "not_on_roster",
                N_("Choose inspectors of the department that goes on this visit."),
            )
        )
    codes = [
        item.code
        for item in (*rules.PERMIT_CHECKLIST, *rules.REGISTRATION_CHECKLIST, *rules.MONITORING_CHECKLIST)
    ]
    answers = [
        rules.ItemAnswer(code, str(form.get(f"item-{code}", "")), str(form.get(f"note-{code}", "")))
        for code in codes
        if form.get(f"item-{code}") is not None or str(form.get(f"note-{code}", "")).strip()
    ]
    data = records.RecordInput(
        kind=subject["kind"],
        permit_number=subject["permit_number"],
        registration_number=subject["registration_number"],
        credit_code=subject["credit_code"],
        inspected_on=inspected_on,
        inspector_ids=[i for i in inspectors if i is not None],
        items=answers,
        summary=str(form.get("summary", "")),
        rectify_by=rectify_by,
        responsible_person=str(form.get("responsible_person", ""))[:200],
    )
    try:
        async with db_of(request).transaction() as session, reporting(problems):
            inspection = await records.record_inspection(session, actor, data=data)
            reference = inspection.reference
    except (ValidationFailed, Conflict) as error:
        values = {
            "inspected_on": str(form.get("inspected_on", "")),
            "rectify_by": str(form.get("rectify_by", "")),
            "responsible_person": str(form.get("responsible_person", "")),
            "inspectors": [i for i in inspectors if i is not None],
            "summary": data.summary,
            "items": {a.code: a for a in answers},
        }
        return await _record_form(
            request, subject, values=values, errors=field_errors(error.errors), status_code=400
        )
    return redirect(f"/inspections/records/{reference}?done=recorded")


async def record_detail(request: Request) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        page = await record_queries.record_page(session, actor, reference=request.path_params["reference"])
    return render(
        request,
        "supervision/inspections/record.html",
        {"page": page, "done": request.query_params.get("done"), **_labels()},
    )


routes = [
    Route("/inspections", plan, methods=["GET"], name="inspection_plan"),
    Route("/inspections/plan", generate, methods=["POST"], name="inspection_plan_generate"),
    Route("/inspections/draws/new", draw_new, methods=["GET"], name="inspection_draw_new"),
    Route("/inspections/draws", draw_create, methods=["POST"], name="inspection_draw_create"),
    Route("/inspections/records", record_list, methods=["GET"], name="inspection_records"),
    Route("/inspections/records/new", record_new, methods=["GET"], name="inspection_record_new"),
    Route("/inspections/records", record_create, methods=["POST"], name="inspection_record_create"),
    Route("/inspections/records/{reference}", record_detail, methods=["GET"], name="inspection_record"),
    Route("/public/draws", public_draws, methods=["GET"], name="public_draws"),
    Route("/public/draws/{reference}", public_draw, methods=["GET"], name="public_draw"),
]
