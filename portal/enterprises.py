"""Enterprise pages: the regulators' register (search, pages, forms) and each unit's profile."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.access import Actor
from domain.bounds import parse_id
from domain.enterprises import queries, service
from domain.enterprises.rules import (
    INDUSTRY_NAMES,
    SITE_TEXTS,
    EnterpriseInput,
    ManagementCategory,
    SiteInput,
    coordinate_example,
)
from domain.errors import N_, Conflict, FieldError, NotFound, ValidationFailed, reporting
from domain.regions import known_regions_within
from domain.registrations import queries as registrations
from domain.trail import may_read_trail, unit_trail
from portal.forms import parse_number
from portal.responses import actor_of, db_of, redirect, render
from portal.templating import field_errors

PAGE_SIZE = 20
SITE_FIELDS = (*SITE_TEXTS, "longitude", "latitude")


def _blank_site(region_code: str, industry_code: str) -> dict[str, str]:
    return {**{name: "" for name in SITE_FIELDS}, "region_code": region_code, "industry_code": industry_code}


def _input_from(form: FormData) -> EnterpriseInput:
    values = {name: str(form.get(name, "")) for name in EnterpriseInput().as_dict()}
    return EnterpriseInput(**values)


def _page_number(raw: str | None) -> int:
    try:
        return max(1, min(int(raw or 1), 100_000))
    except ValueError:
        return 1


def _choices(actor: Actor) -> dict[str, object]:
    return {
        "industries": sorted(INDUSTRY_NAMES),
        "regions": known_regions_within(actor.region_code),
        "categories": [c.value for c in ManagementCategory],
    }


async def enterprise_list(request: Request) -> Response:
    actor = await actor_of(request)
    params = request.query_params
    filters = queries.EnterpriseFilter(
        query=params.get("q", "")[:100],
        industry_code=params.get("industry", "")[:4],
        region_code=params.get("region", "")[:6],
        management_category=params.get("category", "")[:16],
    )
    page_number = _page_number(params.get("page"))
    async with db_of(request).read() as session:
        page = await queries.list_enterprises(
            session, actor, filters=filters, first=PAGE_SIZE, offset=(page_number - 1) * PAGE_SIZE
        )
    last_page = max(1, -(-page.total // PAGE_SIZE))
    return render(
        request,
        "enterprises/list.html",
        {
            "page": page,
            "filters": filters,
            "page_number": page_number,
            "last_page": last_page,
            **_choices(actor),
        },
        fragment="enterprises/_results.html",
    )


def _form_context(actor: Actor, data: EnterpriseInput, errors: dict, *, enterprise=None) -> dict:  # type: ignore[no-untyped-def,type-arg]
    return {"data": data, "errors": errors, "enterprise": enterprise, **_choices(actor)}


async def new_form(request: Request) -> Response:
    actor = await actor_of(request)
    queries.require_may_register(actor)
    return render(request, "enterprises/form.html", _form_context(actor, EnterpriseInput(), {}))


async def create(request: Request) -> Response:
    actor = await actor_of(request)
    data = _input_from(await request.form())
    try:
        async with db_of(request).transaction() as session:
            enterprise = await service.register_enterprise(session, actor, data=data)
            code = enterprise.credit_code
    except ValidationFailed as error:
        return render(
            request,
            "enterprises/form.html",
            _form_context(actor, data, field_errors(error.errors)),
            status_code=400,
        )
    return redirect(f"/enterprises/{code}?saved=1")


async def validate(request: Request) -> Response:
    """Inline validation: the errors of the field that just changed (htmx), nothing written."""
    actor = await actor_of(request)
    form = await request.form()
    field = request.headers.get("hx-trigger-name") or str(form.get("_field", ""))
    existing = str(form.get("_existing", "")) or None
    async with db_of(request).read() as session:
        errors = await service.check_enterprise_input(
            session, actor, data=_input_from(form), credit_code_of_existing=existing
        )
    # A field nobody has filled in yet is not an error while typing.
    if not str(form.get(field, "")).strip():
        errors = []
    return render(
        request,
        "enterprises/_field_errors.html",
        {"field": field, "field_errors": [e for e in errors if e.field == field]},
    )


async def _detail_page(
    request: Request,
    *,
    site_data: dict[str, str] | None = None,
    site_errors: dict | None = None,
    status_code: int = 200,  # type: ignore[type-arg]
) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        enterprise = await queries.get_enterprise(session, actor, credit_code=request.path_params["code"])
        history = await queries.enterprise_history(session, actor, credit_code=enterprise.credit_code)
        sites = await queries.list_sites(session, actor, credit_code=enterprise.credit_code)
        registered = await registrations.registrations_of_unit(
            session, actor, credit_code=enterprise.credit_code
        )
    return render(
        request,
        "enterprises/detail.html",
        {
            "enterprise": enterprise,
            "history": history,
            "sites": sites,
            "registration_of_site": {r.site_id: r for r in registered},
            "may_register": registrations.may_file_for(actor, enterprise),
            "site_data": site_data or _blank_site(enterprise.region_code, enterprise.industry_code),
            "site_errors": site_errors or {},
            "may_edit": queries.may_edit(actor, enterprise),
            "may_read_trail": may_read_trail(actor, enterprise),
            "saved": request.query_params.get("saved"),
            "site_added": request.query_params.get("site"),
            **_choices(actor),
        },
        status_code=status_code,
    )


async def detail(request: Request) -> Response:
    return await _detail_page(request)


async def add_site(request: Request) -> Response:
    """新增生产经营场所: the next sequence (002 ...) under the same credit code."""
    actor = await actor_of(request)
    form = await request.form()
    typed = {name: str(form.get(name, "")) for name in SITE_FIELDS}
    problems: list[FieldError] = []
    data = SiteInput(
        **{name: typed[name] for name in SITE_TEXTS},
        longitude=parse_number(
            typed["longitude"], "longitude", problems, example=coordinate_example("longitude")
        ),
        latitude=parse_number(
            typed["latitude"], "latitude", problems, example=coordinate_example("latitude")
        ),
    )
    code = request.path_params["code"]
    try:
        async with db_of(request).transaction() as session, reporting(problems):
            site = await service.add_site(session, actor, credit_code=code, data=data)
            sequence = site.code
    except (ValidationFailed, Conflict) as error:
        return await _detail_page(
            request,
            site_data=typed,
            site_errors=field_errors(error.errors),
            status_code=409 if isinstance(error, Conflict) else 400,
        )
    return redirect(f"/enterprises/{code}?site={sequence}#sites")


async def edit_form(request: Request) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        enterprise = await queries.get_enterprise_for_edit(
            session, actor, credit_code=request.path_params["code"]
        )
    data = EnterpriseInput(**enterprise.snapshot())
    return render(request, "enterprises/form.html", _form_context(actor, data, {}, enterprise=enterprise))


async def update(request: Request) -> Response:
    actor = await actor_of(request)
    form = await request.form()
    data = _input_from(form)
    code = request.path_params["code"]
    try:
        expected = int(str(form.get("version", "")))
    except ValueError:
        expected = None
    try:
        async with db_of(request).transaction() as session:
            enterprise = await service.update_enterprise(
                session, actor, credit_code=code, data=data, expected_version=expected
            )
            code = enterprise.credit_code
    except (ValidationFailed, Conflict) as error:
        async with db_of(request).read() as session:
            enterprise = await queries.get_enterprise(session, actor, credit_code=code)
        return render(
            request,
            "enterprises/form.html",
            _form_context(actor, data, field_errors(error.errors), enterprise=enterprise),
            status_code=409 if isinstance(error, Conflict) else 400,
        )
    return redirect(f"/enterprises/{code}?saved=1")


async def my_enterprise(request: Request) -> Response:
    actor = await actor_of(request)
    if actor.enterprise_id is None:
        raise NotFound(N_("No such enterprise."))
    async with db_of(request).read() as session:
        enterprise = await queries.get_enterprise_by_id(session, actor, enterprise_id=actor.enterprise_id)
    return redirect(f"/enterprises/{enterprise.credit_code}")


def _older_than(raw: str | None) -> int | None:
    """The ``before`` of a trail page: an entry id, or none (the newest page) for anything else."""
    return None if raw is None else parse_id(raw)


async def trail(request: Request) -> Response:
    """What was done for the unit, by whom, for whom, when: its administrator's and its regulators' page."""
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        page = await unit_trail(
            session,
            actor,
            credit_code=request.path_params["code"],
            before=_older_than(request.query_params.get("before")),
        )
    return render(request, "enterprises/trail.html", {"page": page, "enterprise": page.enterprise})


routes = [
    Route("/enterprises", enterprise_list, methods=["GET"], name="enterprise_list"),
    Route("/enterprises/new", new_form, methods=["GET"], name="enterprise_new"),
    Route("/enterprises/new", create, methods=["POST"], name="enterprise_create"),
    Route("/enterprises/validate", validate, methods=["POST"], name="enterprise_validate"),
    Route("/my-enterprise", my_enterprise, methods=["GET"], name="my_enterprise"),
    Route("/enterprises/{code}", detail, methods=["GET"], name="enterprise_detail"),
    Route("/enterprises/{code}/trail", trail, methods=["GET"], name="enterprise_trail"),
    Route("/enterprises/{code}/edit", edit_form, methods=["GET"], name="enterprise_edit"),
    Route("/enterprises/{code}/edit", update, methods=["POST"], name="enterprise_update"),
    Route("/enterprises/{code}/sites", add_site, methods=["POST"], name="enterprise_add_site"),
]
