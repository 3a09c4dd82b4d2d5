"""Permit quality pages (issue 16, the first half of 双百): the permits the audit flagged and the campaigns,
a permit's audit, a campaign, a permit's checklist. Form parsing here; every write is one use case of
``domain.supervision.quality``."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.bounds import parse_id
from domain.enterprises.rules import category_label, industry_name
from domain.errors import N_, Conflict, FieldError, NotFound, ValidationFailed
from domain.supervision.quality import audit, campaigns, queries, rules
from domain.supervision.quality.campaigns import CampaignInput, ItemResult
from domain.supervision.quality.models import ITEM_RESULTS
from portal.responses import actor_of, db_of, redirect, render
from portal.templating import field_errors
from web.request_context import request_locale

PAGE_SIZE = 25
RESULT_LABELS = {"passed": N_("Passed"), "failed": N_("Not passed"), "not_applicable": N_("Not applicable")}


def _id(raw: str) -> int:
    value = parse_id(raw)
    if value is None:
        raise NotFound(N_("No such page."))
    return value


def _text(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def _page_number(raw: str | None) -> int:
    number = parse_id(raw or "1")
    return max(1, min(number or 1, 100_000))


def _common(locale: str) -> dict[str, Any]:
    return {
        "category_label": lambda value: category_label(value, locale) if value else "",
        "industry_name": lambda code: industry_name(code, locale),
        "result_labels": RESULT_LABELS,
        "results": ITEM_RESULTS,
    }


async def _overview(
    request: Request, *, form: dict[str, str] | None = None, errors: list[FieldError] | None = None
) -> Response:
    actor = await actor_of(request)
    locale = request_locale(request)
    flagged_page = _page_number(request.query_params.get("page"))
    async with db_of(request).read() as session:
        flagged = await queries.flagged_permits(
            session, actor, first=PAGE_SIZE, offset=(flagged_page - 1) * PAGE_SIZE
        )
        listed = await queries.campaigns(session, actor, first=PAGE_SIZE, offset=0)
    context = {
        "flagged": flagged,
        "flagged_page": flagged_page,
        "campaigns": listed,
        "may_check": campaigns.may_create(actor),
        "form": form or {"kind": "random", "sample_size": "5"},
        "errors": field_errors(errors or []),
        **_common(locale),
    }
    return render(request, "supervision/quality/overview.html", context, status_code=400 if errors else 200)


async def overview(request: Request) -> Response:
    return await _overview(request)


async def create(request: Request) -> Response:
    actor = await actor_of(request)
    form = await request.form()
    values = {
        name: _text(form, name) for name in ("name", "kind", "sample_size", "permit_numbers", "region_code")
    }
    problems: list[FieldError] = []
    size: int | None = None
    if values["kind"] == "random":
        raw = values["sample_size"].strip()
        size = int(raw) if raw.isdigit() and len(raw) <= 6 else None
        if size is None:
            problems.append(FieldError("sample_size", "number", N_("Enter a whole number.")))
    numbers = [part for part in values["permit_numbers"].replace(",", "\n").splitlines() if part.strip()]
    data = CampaignInput(
        name=values["name"],
        kind=values["kind"],
        sample_size=size if size is not None else (0 if values["kind"] == "random" else None),
        permit_numbers=numbers[:1000],
        region_code=values["region_code"],
    )
    try:
        async with db_of(request).transaction() as session:
            campaign = await campaigns.create_campaign(session, actor, data=data)
    except ValidationFailed as failure:
        taken = {e.field for e in problems}
        return await _overview(
            request, form=values, errors=[*problems, *(e for e in failure.errors if e.field not in taken)]
        )
    return redirect(f"/quality/campaigns/{campaign.id}")


async def permit_page(request: Request, *, errors: list[FieldError] | None = None) -> Response:
    actor = await actor_of(request)
    locale = request_locale(request)
    permit_id = _id(request.path_params["permit_id"])
    async with db_of(request).read() as session:
        page = await queries.permit_quality(session, actor, permit_id=permit_id, locale=locale)
    context = {"page": page, "errors": field_errors(errors or []), "rules": rules.RULES, **_common(locale)}
    return render(request, "supervision/quality/permit.html", context, status_code=409 if errors else 200)


async def run_audit(request: Request) -> Response:
    actor = await actor_of(request)
    permit_id = _id(request.path_params["permit_id"])
    await request.form()  # the CSRF middleware has read the token
    try:
        async with db_of(request).transaction() as session:
            await audit.audit_permit(session, actor, permit_id=permit_id)
    except Conflict as failure:
        return await permit_page(request, errors=failure.errors)
    return redirect(f"/quality/permits/{permit_id}")


async def _campaign(
    request: Request, *, errors: list[FieldError] | None = None, form: dict[str, str] | None = None
) -> Response:
    actor = await actor_of(request)
    campaign_id = _id(request.path_params["campaign_id"])
    async with db_of(request).read() as session:
        page = await queries.campaign_page(session, actor, campaign_id=campaign_id)
    context = {
        "page": page,
        "errors": field_errors(errors or []),
        "form": form or {},
        **_common(request_locale(request)),
    }
    return render(request, "supervision/quality/campaign.html", context, status_code=400 if errors else 200)


async def campaign_page(request: Request) -> Response:
    return await _campaign(request)


async def close(request: Request) -> Response:
    actor = await actor_of(request)
    campaign_id = _id(request.path_params["campaign_id"])
    form = await request.form()
    conclusion = _text(form, "conclusion")
    try:
        async with db_of(request).transaction() as session:
            await campaigns.close_campaign(session, actor, campaign_id=campaign_id, conclusion=conclusion)
    except (ValidationFailed, Conflict) as failure:
        return await _campaign(request, errors=failure.errors, form={"conclusion": conclusion})
    return redirect(f"/quality/campaigns/{campaign_id}")


async def _check(
    request: Request, *, errors: list[FieldError] | None = None, form: dict[str, str] | None = None
) -> Response:
    actor = await actor_of(request)
    locale = request_locale(request)
    check_id = _id(request.path_params["check_id"])
    async with db_of(request).read() as session:
        page = await queries.check_page(session, actor, check_id=check_id, locale=locale)
    context = {"page": page, "errors": field_errors(errors or []), "form": form, **_common(locale)}
    return render(request, "supervision/quality/check.html", context, status_code=400 if errors else 200)


async def check_page(request: Request) -> Response:
    return await _check(request)


async def record(request: Request) -> Response:
    actor = await actor_of(request)
    check_id = _id(request.path_params["check_id"])
    form = await request.form()
    values = {str(name): _text(form, str(name)) for name in form}
    codes = rules.checklist_codes()
    results = [
        ItemResult(code, values[f"result-{code}"], values.get(f"note-{code}", ""))
        for code in codes
        if values.get(f"result-{code}")
    ]
    try:
        async with db_of(request).transaction() as session:
            check = await campaigns.record_check(session, actor, check_id=check_id, results=results)
    except (ValidationFailed, Conflict) as failure:
        return await _check(request, errors=failure.errors, form=values)
    return redirect(f"/quality/campaigns/{check.campaign_id}")


routes = [
    Route("/quality", overview, methods=["GET"], name="quality"),
    Route("/quality/campaigns", create, methods=["POST"], name="quality_campaign_create"),
    Route("/quality/campaigns/{campaign_id}", campaign_page, methods=["GET"], name="quality_campaign"),
    Route("/quality/campaigns/{campaign_id}/close", close, methods=["POST"], name="quality_campaign_close"),
    Route("/quality/checks/{check_id}", check_page, methods=["GET"], name="quality_check"),
    Route("/quality/checks/{check_id}", record, methods=["POST"], name="quality_check_record"),
    Route("/quality/permits/{permit_id}", permit_page, methods=["GET"], name="quality_permit"),
    Route("/quality/permits/{permit_id}/audit", run_audit, methods=["POST"], name="quality_permit_audit"),
]
