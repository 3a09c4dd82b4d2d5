"""Third-party service agency pages (第三方技术服务机构): registration, review, authorisations, the agency's
own home, the public directory and credit pages, the regulators' ranking.

Every endpoint parses its input, calls one use case (``domain.agencies.service`` to write,
``domain.agencies.queries`` to read) and renders. Forms work without JavaScript; htmx adds rows,
swaps lists and opens an agency's events in place.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.agencies import labels, service
from domain.agencies.models import SERVICE_SCOPES
from domain.agencies.queries import authorisations as authorisation_queries
from domain.agencies.queries import credit, directory, lookup
from domain.agencies.rules import (
    BASE_SCORE,
    CREDIT_POINTS,
    MANUAL_KINDS,
    MAX_CONTRACT_BYTES,
    AgencyInput,
    AuthorisationInput,
    QualificationInput,
    StaffInput,
)
from domain.agency_oversight import service as oversight
from domain.agency_oversight.evidence import EVIDENCE_LABELS
from domain.agency_oversight.queries import credit as credit_pages
from domain.agency_oversight.queries import filings, profile
from domain.errors import N_, Conflict, FieldError, NotFound, ValidationFailed, reporting
from domain.i18n import translations_for
from domain.permits.reference import REPORT_KIND_LABELS
from domain.regions import known_regions_within
from portal.forms import parse_day
from portal.responses import actor_of, db_of, redirect, render
from portal.templating import field_errors
from web.request_context import request_locale

PAGE_SIZE = 20
FILINGS_PAGE_SIZE = 30
SESSION_REGISTERED = "agency_registered"
SESSION_REGISTERED_LOGINS = "agency_registered_logins"
ROW_KINDS = ("qualification", "staff")
QUALIFICATION_FIELDS = ("name", "number", "valid_until")
STAFF_FIELDS = ("username", "display_name", "password")
AUTHORISATION_TEXTS = ("agency_credit_code", "valid_from", "valid_until", "contract_number")
NO_STORE = {"Cache-Control": "no-store"}


def _labels() -> dict[str, Any]:
    """The words for the codes the domain stores, for every agency template."""
    return {
        "scope_labels": labels.SCOPE_LABELS,
        "status_labels": labels.STATUS_LABELS,
        "kind_labels": labels.KIND_LABELS,
        "state_labels": labels.AUTHORISATION_STATE_LABELS,
        "filing_labels": labels.FILING_LABELS,
        "report_kind_labels": REPORT_KIND_LABELS,
        "scopes": SERVICE_SCOPES,
        "manual_kinds": MANUAL_KINDS,
        "evidence_labels": EVIDENCE_LABELS,
        "credit_points": CREDIT_POINTS,
        "base_score": BASE_SCORE,
    }


def _page_number(raw: str | None) -> int:
    try:
        return max(1, min(int(raw or 1), 100_000))
    except ValueError:
        return 1


def _text(form: FormData | Mapping[str, Any], name: str) -> str:
    """A text field as typed, whole: the use case refuses one too long for its column, naming its length."""
    return str(form.get(name, "") or "")


# ---------------------------------------------------------------------------
# Registration (public, no login)
# ---------------------------------------------------------------------------


def _rows(form: FormData, prefix: str, names: tuple[str, ...]) -> list[dict[str, str]]:
    """Repeated inputs (``qualification_name`` …) zipped into rows; rows left wholly blank are dropped."""
    columns = {name: [str(v) for v in form.getlist(f"{prefix}_{name}")] for name in names}
    count = max((len(values) for values in columns.values()), default=0)
    rows = []
    for index in range(min(count, 50)):
        row = {name: (columns[name][index] if index < len(columns[name]) else "") for name in names}
        if any(value.strip() for value in row.values()):
            rows.append(row)
    return rows


def _blank(names: tuple[str, ...]) -> dict[str, str]:
    return {name: "" for name in names}


def _registration_from(form: FormData) -> tuple[AgencyInput, list[dict[str, str]], list[dict[str, str]]]:
    data = AgencyInput(
        name=_text(form, "name"),
        credit_code=_text(form, "credit_code"),
        address=_text(form, "address"),
        region_code=_text(form, "region_code").strip(),
        contact_person=_text(form, "contact_person"),
        contact_phone=_text(form, "contact_phone").strip(),
        service_types=[str(v) for v in form.getlist("service_types")][:10],
    )
    return data, _rows(form, "qualification", QUALIFICATION_FIELDS), _rows(form, "staff", STAFF_FIELDS)


def _qualifications(rows: list[dict[str, str]], problems: list[FieldError]) -> list[QualificationInput]:
    return [
        QualificationInput(
            name=row["name"],
            number=row["number"],
            valid_until=parse_day(row["valid_until"], f"qualifications[{index}].valid_until", problems),
        )
        for index, row in enumerate(rows)
    ]


def _register_context(
    data: AgencyInput,
    qualifications: list[dict[str, str]],
    staff: list[dict[str, str]],
    errors: dict[str, list[FieldError]],
) -> dict[str, Any]:
    return {
        "data": data,
        "qualifications": qualifications or [_blank(QUALIFICATION_FIELDS)],
        "staff": staff or [_blank(STAFF_FIELDS)],
        "errors": errors,
        "regions": known_regions_within(None),
        **_labels(),
    }


async def register_form(request: Request) -> Response:
    return render(request, "agencies/register.html", _register_context(AgencyInput(), [], [], {}))


async def register_row(request: Request) -> Response:
    """A blank qualification or staff row for the form (htmx appends it)."""
    kind = request.path_params["kind"]
    if kind not in ROW_KINDS:
        raise NotFound(N_("Page not found"))
    names = QUALIFICATION_FIELDS if kind == "qualification" else STAFF_FIELDS
    return render(
        request,
        f"agencies/_{kind}_row.html",
        {"row": _blank(names), "index": None, "errors": {}, **_labels()},
    )


async def register(request: Request) -> Response:
    actor = await actor_of(request)
    form = await request.form()
    data, qualifications, staff = _registration_from(form)
    adding = _text(form, "add")
    if adding in ROW_KINDS:
        # Without JavaScript, "add another" posts the form: show it again with one more row.
        if adding == "qualification":
            qualifications = [
                *(qualifications or [_blank(QUALIFICATION_FIELDS)]),
                _blank(QUALIFICATION_FIELDS),
            ]
        else:
            staff = [*(staff or [_blank(STAFF_FIELDS)]), _blank(STAFF_FIELDS)]
        return render(
            request,
            "agencies/register.html",
            _register_context(data, qualifications, staff, {}),
        )
    problems: list[FieldError] = []
    data.qualifications = _qualifications(qualifications, problems)
    members = [
        StaffInput(username=row["username"], password=row["password"], display_name=row["display_name"])
        for row in staff
    ]
    try:
        async with db_of(request).transaction() as session, reporting(problems):
            agency = await service.register_agency(session, actor, data=data, staff=members)
            code = agency.credit_code
            logins = [member.username for member in members]  # as assigned: asked-for name + suffix
    except ValidationFailed as error:
        response = render(
            request,
            "agencies/register.html",
            _register_context(data, qualifications, staff, field_errors(error.errors)),
            status_code=400,
        )
        response.headers.update(NO_STORE)  # the page holds the passwords as typed
        return response
    request.session[SESSION_REGISTERED] = code
    request.session[SESSION_REGISTERED_LOGINS] = logins
    return redirect("/agencies/register/submitted")


async def registered(request: Request) -> Response:
    """'Submitted, awaiting review': shown to whoever just registered (the code is in their session)."""
    code = request.session.get(SESSION_REGISTERED)
    if not isinstance(code, str):
        return redirect("/agencies/register")
    async with db_of(request).read() as session:
        agency = await lookup.find_agency(session, code)
    logins = request.session.get(SESSION_REGISTERED_LOGINS)
    return render(
        request,
        "agencies/submitted.html",
        {"agency": agency, "logins": logins if isinstance(logins, list) else [], **_labels()},
    )


# ---------------------------------------------------------------------------
# Legal section: review lists, an agency's page, decisions, credit events
# ---------------------------------------------------------------------------


async def review_list(request: Request) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        result = await directory.review_list(
            session, actor, status=request.query_params.get("status", "pending")
        )
    return render(
        request,
        "agencies/review.html",
        {"result": result, **_labels()},
        fragment="agencies/_review_results.html",
    )


async def _detail(
    request: Request, extra: dict[str, Any] | None = None, *, status_code: int = 200
) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        page = await profile.agency_page(session, actor, credit_code=request.path_params["code"])
    context = {
        "page": page,
        "decided": request.query_params.get("decided"),
        "recorded": request.query_params.get("recorded"),
        "review_errors": {},
        "review_input": {},
        "event_errors": {},
        "event_input": {},
        **_labels(),
    }
    context.update(extra or {})
    return render(request, "agencies/detail.html", context, status_code=status_code)


async def detail(request: Request) -> Response:
    return await _detail(request)


async def decide(request: Request) -> Response:
    actor = await actor_of(request)
    form = await request.form()
    decision, reason = _text(form, "decision"), _text(form, "reason")
    code = request.path_params["code"]
    try:
        async with db_of(request).transaction() as session:
            agency = await service.review_agency(
                session, actor, credit_code=code, decision=decision, reason=reason
            )
            code = agency.credit_code
    except (ValidationFailed, Conflict) as error:
        return await _detail(
            request,
            {
                "review_errors": field_errors(error.errors),
                "review_input": {"decision": decision, "reason": reason},
            },
            status_code=409 if isinstance(error, Conflict) else 400,
        )
    return redirect(f"/agencies/{code}?decided={quote(decision)}#review")


async def record_event(request: Request) -> Response:
    actor = await actor_of(request)
    form = await request.form()
    typed = {
        "kind": _text(form, "kind"),
        "note": _text(form, "note"),
        "source_id": _text(form, "source_id"),
        "evidence": _text(form, "evidence"),  # "kind:reference", one of the page's choices
    }
    evidence_kind, _, evidence_id = typed["evidence"].partition(":")
    code = request.path_params["code"]
    try:
        async with db_of(request).transaction() as session:
            await oversight.record_credit_event(
                session,
                actor,
                credit_code=code,
                kind=typed["kind"],
                note=typed["note"],
                source_id=typed["source_id"],
                evidence_kind=evidence_kind,
                evidence_id=evidence_id,
            )
    except (ValidationFailed, Conflict) as error:
        return await _detail(
            request,
            {"event_errors": field_errors(error.errors), "event_input": typed},
            status_code=409 if isinstance(error, Conflict) else 400,
        )
    return redirect(f"/agencies/{code}?recorded=1#credit")


async def events_fragment(request: Request) -> Response:
    """One agency's credit events with their sources (the ranking opens them in place)."""
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        code = request.path_params["code"]
        agency, events = await credit_pages.credit_events(session, actor, credit_code=code)
    return render(request, "agencies/_events.html", {"agency": agency, "events": events, **_labels()})


# ---------------------------------------------------------------------------
# Filings (the agency's own, or an agency's for regulators)
# ---------------------------------------------------------------------------


async def _filings(request: Request, code: str | None) -> Response:
    actor = await actor_of(request)
    params = request.query_params
    filters = filings.FilingFilter(
        enterprise_credit_code=params.get("enterprise", "")[:18], kind=params.get("kind", "")[:20]
    )
    page_number = _page_number(params.get("page"))
    errors: dict[str, list[FieldError]] = {}
    async with db_of(request).read() as session:
        try:
            page = await filings.filings(
                session,
                actor,
                credit_code=code,
                filters=filters,
                first=FILINGS_PAGE_SIZE,
                offset=(page_number - 1) * FILINGS_PAGE_SIZE,
            )
        except ValidationFailed as error:
            errors = field_errors(error.errors)
            filters = filings.FilingFilter(enterprise_credit_code=filters.enterprise_credit_code)
            page = await filings.filings(
                session, actor, credit_code=code, filters=filters, first=FILINGS_PAGE_SIZE
            )
            page_number = 1
        agency = await filings.filing_agency(session, actor, credit_code=code)
    base = request.url.path
    query = {"enterprise": filters.enterprise_credit_code, "kind": filters.kind}
    return render(
        request,
        "agencies/filings.html",
        {
            "agency": agency,
            "page": page,
            "filters": filters,
            "errors": errors,
            "page_number": page_number,
            "last_page": max(1, -(-page.total // FILINGS_PAGE_SIZE)),
            "base": base + "?" + urlencode({k: v for k, v in query.items() if v}),
            **_labels(),
        },
        fragment="agencies/_filings.html",
    )


async def own_filings(request: Request) -> Response:
    return await _filings(request, None)


async def agency_filings(request: Request) -> Response:
    return await _filings(request, request.path_params["code"])


# ---------------------------------------------------------------------------
# Agency staff: their agency's home
# ---------------------------------------------------------------------------


async def home(request: Request) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        page = await profile.agency_home(session, actor)
    return render(request, "agencies/home.html", {"page": page, **_labels()})


# ---------------------------------------------------------------------------
# Enterprise: authorisations
# ---------------------------------------------------------------------------


async def _authorisations(
    request: Request, extra: dict[str, Any] | None = None, *, status_code: int = 200
) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        page = await authorisation_queries.authorisations_page(session, actor)
    chosen = request.query_params.get("agency", "")[:18]
    context = {
        "page": page,
        "errors": {},
        "typed": {"agency_credit_code": chosen, "scopes": [], "valid_from": "", "valid_until": ""},
        "saved": request.query_params.get("saved"),
        "revoked": request.query_params.get("revoked"),
        "revoke_errors": {},
        "revoke_typed": {},
        **_labels(),
    }
    context.update(extra or {})
    return render(request, "agencies/authorisations.html", context, status_code=status_code)


async def authorisations(request: Request) -> Response:
    return await _authorisations(request)


async def authorise(request: Request) -> Response:
    actor = await actor_of(request)
    form = await request.form(max_files=1)
    texts = {name: _text(form, name) for name in AUTHORISATION_TEXTS}
    scopes = [str(v) for v in form.getlist("scopes")][:10]
    problems: list[FieldError] = []
    upload = form.get("contract_file")
    file_name, content = "", None
    if isinstance(upload, UploadFile) and upload.filename:
        file_name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1]
        content = await upload.read(MAX_CONTRACT_BYTES + 1)  # one byte more tells it is too large
    data = AuthorisationInput(
        agency_credit_code=texts["agency_credit_code"],
        scopes=scopes,
        valid_from=parse_day(texts["valid_from"], "valid_from", problems),
        valid_until=parse_day(texts["valid_until"], "valid_until", problems),
        contract_number=texts["contract_number"],
        contract_file_name=file_name,
        contract_file=content,
    )
    typed = {**texts, "scopes": scopes}
    try:
        async with db_of(request).transaction() as session, reporting(problems):
            authorisation = await service.authorise_agency(session, actor, data=data)
            new_id = authorisation.id
    except ValidationFailed as error:
        return await _authorisations(
            request,
            {"errors": field_errors(error.errors), "typed": typed, "file_lost": bool(file_name)},
            status_code=400,
        )
    return redirect(f"/agencies/authorisations?saved={new_id}")


async def revoke(request: Request) -> Response:
    actor = await actor_of(request)
    form = await request.form()
    authorisation_id = request.path_params["authorisation_id"]
    reason = _text(form, "reason")
    try:
        async with db_of(request).transaction() as session:
            await service.revoke_authorisation(
                session, actor, authorisation_id=authorisation_id, reason=reason
            )
    except ValidationFailed as error:
        return await _authorisations(
            request,
            {
                "revoke_errors": {authorisation_id: field_errors(error.errors)},
                "revoke_typed": {authorisation_id: reason},
            },
            status_code=400,
        )
    return redirect(f"/agencies/authorisations?revoked={authorisation_id}")


async def contract(request: Request) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        found = await authorisation_queries.contract_file(
            session, actor, authorisation_id=request.path_params["authorisation_id"]
        )
    return Response(
        found.content,
        media_type=found.media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(found.file_name)}",
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


# ---------------------------------------------------------------------------
# Regulators: ranking
# ---------------------------------------------------------------------------


async def ranking(request: Request) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        result = await credit.ranking(session, actor)
    return render(request, "agencies/ranking.html", {"result": result, **_labels()})


# ---------------------------------------------------------------------------
# Public: the directory and each agency's credit page
# ---------------------------------------------------------------------------


async def public_list(request: Request) -> Response:
    actor = await actor_of(request)
    params = request.query_params
    filters = directory.DirectoryFilter(
        query=params.get("q", "")[:100], service=params.get("service", "")[:24], status="approved"
    )
    page_number = _page_number(params.get("page"))
    errors: dict[str, list[FieldError]] = {}
    async with db_of(request).read() as session:
        try:
            page = await directory.directory(
                session, actor, filters=filters, first=PAGE_SIZE, offset=(page_number - 1) * PAGE_SIZE
            )
        except ValidationFailed as error:
            errors = field_errors(error.errors)
            filters = directory.DirectoryFilter(query=filters.query)
            page = await directory.directory(session, actor, filters=filters, first=PAGE_SIZE)
            page_number = 1
    query = {"q": filters.query, "service": filters.service}
    return render(
        request,
        "agencies/public_list.html",
        {
            "page": page,
            "filters": filters,
            "errors": errors,
            "page_number": page_number,
            "last_page": max(1, -(-page.total // PAGE_SIZE)),
            "base": "/public/agencies?" + urlencode({k: v for k, v in query.items() if v}),
            **_labels(),
        },
        fragment="agencies/_public_results.html",
    )


async def public_credit(request: Request) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        page = await credit_pages.public_credit_page(session, credit_code=request.path_params["code"])
    chart = {
        "label": translations_for(request_locale(request)).gettext(N_("Credit score")),
        "labels": [point.day.isoformat() for point in page.history],
        "scores": [point.score for point in page.history],
        "thresholds": [[level, floor] for level, floor in page.levels if floor is not None],
    }
    return render(
        request,
        "agencies/public_credit.html",
        {
            "page": page,
            "chart": chart,
            "may_authorise": authorisation_queries.may_authorise(actor),
            **_labels(),
        },
    )


routes = [
    Route("/agencies/register", register_form, methods=["GET"], name="agency_register_form"),
    Route("/agencies/register", register, methods=["POST"], name="agency_register"),
    Route("/agencies/register/submitted", registered, methods=["GET"], name="agency_registered"),
    Route("/agencies/register/row/{kind}", register_row, methods=["GET"], name="agency_register_row"),
    Route("/agencies/review", review_list, methods=["GET"], name="agency_review"),
    Route("/agencies/ranking", ranking, methods=["GET"], name="agency_ranking"),
    Route("/agencies/authorisations", authorisations, methods=["GET"], name="agency_authorisations"),
    Route("/agencies/authorisations", authorise, methods=["POST"], name="agency_authorise"),
    Route(
        "/agencies/authorisations/{authorisation_id:int}/revoke",
        revoke,
        methods=["POST"],
        name="agency_authorisation_revoke",
    ),
    Route(
        "/agencies/authorisations/{authorisation_id:int}/contract",
        contract,
        methods=["GET"],
        name="agency_authorisation_contract",
    ),
    Route("/agencies/{code}", detail, methods=["GET"], name="agency_detail"),
    Route("/agencies/{code}/review", decide, methods=["POST"], name="agency_decide"),
    Route("/agencies/{code}/credit-events", record_event, methods=["POST"], name="agency_credit_event"),
    Route("/agencies/{code}/events", events_fragment, methods=["GET"], name="agency_events"),
    Route("/agencies/{code}/filings", agency_filings, methods=["GET"], name="agency_filings"),
    Route("/agency", home, methods=["GET"], name="agency_home"),
    Route("/agency/filings", own_filings, methods=["GET"], name="agency_own_filings"),
    Route("/public/agencies", public_list, methods=["GET"], name="public_agencies"),
    Route("/public/agencies/{code}", public_credit, methods=["GET"], name="public_agency"),
]
