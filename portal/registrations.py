"""Registration pages (排污登记): a unit (or its permitting section) files, changes, renews and cancels."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.enterprises.queries import get_enterprise, get_enterprise_by_id
from domain.enterprises.rules import INDUSTRY_NAMES, coordinate_example
from domain.errors import Conflict, FieldError, ValidationFailed, reporting
from domain.regions import known_regions_within
from domain.registrations import queries, rules, service
from domain.registrations.rules import RegistrationInput, outlet_lines, parse_outlet_lines
from portal.forms import parse_day, parse_number
from portal.registration_labels import registration_labels
from portal.responses import actor_of, db_of, redirect, render
from portal.templating import field_errors

TEXT_FIELDS = tuple(name for name in RegistrationInput().texts())
FORM_FIELDS = (*TEXT_FIELDS, "longitude", "latitude", "outlets", "changed_on")


def _form_values(form: FormData) -> dict[str, str]:
    """The form as typed, whole (shown again beside its errors)."""
    return {name: str(form.get(name, "")) for name in FORM_FIELDS}


def _input(values: dict[str, str], problems: list[FieldError]) -> RegistrationInput:
    data = RegistrationInput()
    for name in TEXT_FIELDS:
        setattr(data, name, values.get(name, ""))
    data.longitude, data.latitude = (
        parse_number(values.get(name, ""), name, problems, example=coordinate_example(name))
        for name in ("longitude", "latitude")
    )
    data.outlets = parse_outlet_lines(values.get("outlets", ""))
    return data


def _context(request: Request, values: dict[str, str], errors: dict, **extra: Any) -> dict[str, Any]:  # type: ignore[type-arg]
    actor = getattr(request.state, "actor", None)
    return {
        "data": values,
        "errors": errors,
        "industries": sorted(INDUSTRY_NAMES),
        "regions": known_regions_within(actor.region_code if actor else None),
        **registration_labels(),
        **extra,
    }


async def new_form(request: Request) -> Response:
    """The form; for a unit already in the register (the user's own, or ?credit_code=), pre-filled."""
    actor = await actor_of(request)
    queries.require_may_file(actor)
    values = {name: "" for name in FORM_FIELDS}
    code = request.query_params.get("credit_code", "")[:18]
    enterprise = None
    async with db_of(request).read() as session:
        if code:
            enterprise = await get_enterprise(session, actor, credit_code=code)
        elif actor.enterprise_id is not None:
            enterprise = await get_enterprise_by_id(session, actor, enterprise_id=actor.enterprise_id)
    if enterprise is not None:
        values.update(
            unit_name=enterprise.name,
            credit_code=enterprise.credit_code,
            legal_representative=enterprise.legal_representative,
            registered_address=enterprise.registered_address,
            site_address=enterprise.operating_address,
            region_code=enterprise.region_code,
            industry_code=enterprise.industry_code,
        )
    values["site"] = request.query_params.get("site", "")[:3]
    return render(request, "registrations/form.html", _context(request, values, {}, registration=None))


async def create(request: Request) -> Response:
    actor = await actor_of(request)
    values = _form_values(await request.form())
    problems: list[FieldError] = []
    data = _input(values, problems)
    try:
        async with db_of(request).transaction() as session, reporting(problems):
            found = await service.file_registration(session, actor, data=data)
            number = found.registration.number
    except (ValidationFailed, Conflict) as error:
        return render(
            request,
            "registrations/form.html",
            _context(request, values, field_errors(error.errors), registration=None),
            status_code=409 if isinstance(error, Conflict) else 400,
        )
    return redirect(f"/registrations/{number}?done=registered")


async def _detail(request: Request, *, errors: dict | None = None, status_code: int = 200) -> Response:  # type: ignore[type-arg]
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        found = await queries.get_registration(session, actor, number=request.path_params["number"])
        history = await queries.revisions_of(session, found.registration)
    return render(
        request,
        "registrations/detail.html",
        {
            "found": found,
            "registration": found.registration,
            "history": history,
            "may_manage": queries.may_manage(actor, found.registration),
            "renewal_opens": rules.renewal_opens(found.registration.valid_until),
            "done": request.query_params.get("done"),
            "errors": errors or {},
            **registration_labels(),
        },
        status_code=status_code,
    )


async def detail(request: Request) -> Response:
    return await _detail(request)


async def change_form(request: Request) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        found = await queries.get_registration(session, actor, number=request.path_params["number"])
    snapshot = found.snapshot()
    values = {name: str(snapshot.get(name, "") or "") for name in TEXT_FIELDS}
    values.update(
        legal_representative=found.enterprise.legal_representative,
        registered_address=found.enterprise.registered_address,
        longitude="" if found.site.longitude is None else str(found.site.longitude),
        latitude="" if found.site.latitude is None else str(found.site.latitude),
        outlets=outlet_lines(found.registration.outlets),
        changed_on="",
    )
    return render(
        request, "registrations/form.html", _context(request, values, {}, registration=found.registration)
    )


async def change(request: Request) -> Response:
    actor = await actor_of(request)
    values = _form_values(await request.form())
    number = request.path_params["number"]
    problems: list[FieldError] = []
    data = _input(values, problems)
    changed_on = parse_day(values["changed_on"], "changed_on", problems)
    try:
        async with db_of(request).transaction() as session, reporting(problems):
            await service.change_registration(session, actor, number=number, data=data, changed_on=changed_on)
    except (ValidationFailed, Conflict) as error:
        async with db_of(request).read() as session:
            found = await queries.get_registration(session, actor, number=number)
        return render(
            request,
            "registrations/form.html",
            _context(request, values, field_errors(error.errors), registration=found.registration),
            status_code=409 if isinstance(error, Conflict) else 400,
        )
    return redirect(f"/registrations/{number}?done=changed")


async def renew(request: Request) -> Response:
    actor = await actor_of(request)
    number = request.path_params["number"]
    try:
        async with db_of(request).transaction() as session:
            await service.renew_registration(session, actor, number=number)
    except (ValidationFailed, Conflict) as error:
        return await _detail(request, errors=field_errors(error.errors), status_code=400)
    return redirect(f"/registrations/{number}?done=renewed")


async def cancel(request: Request) -> Response:
    actor = await actor_of(request)
    number = request.path_params["number"]
    reason = str((await request.form()).get("reason", ""))
    try:
        async with db_of(request).transaction() as session:
            await service.cancel_registration(session, actor, number=number, reason=reason)
    except (ValidationFailed, Conflict) as error:
        return await _detail(request, errors=field_errors(error.errors), status_code=400)
    return redirect(f"/registrations/{number}?done=cancelled")


routes = [
    Route("/registrations/new", new_form, methods=["GET"], name="registration_new"),
    Route("/registrations/new", create, methods=["POST"], name="registration_create"),
    Route("/registrations/{number}", detail, methods=["GET"], name="registration_detail"),
    Route("/registrations/{number}/change", change_form, methods=["GET"], name="registration_change_form"),
    Route("/registrations/{number}/change", change, methods=["POST"], name="registration_change"),
    Route("/registrations/{number}/renew", renew, methods=["POST"], name="registration_renew"),
    Route("/registrations/{number}/cancel", cancel, methods=["POST"], name="registration_cancel"),
]
