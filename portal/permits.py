"""Permit pages for regulators and units: the register, one permit, its versions, lifecycle forms, worklist.

Every endpoint parses its input, calls one use case of ``domain.permits.service`` (or one read of
``domain.permits.queries``) and renders;
who may see or do what is answered by the domain (``domain.permits.queries.pages``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any, TypeVar
from urllib.parse import urlencode

from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.convertors import Convertor, register_url_convertor
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.access import Actor
from domain.enterprises.rules import INDUSTRY_NAMES
from domain.errors import N_, Conflict, DomainError, FieldError, ValidationFailed, reporting
from domain.i18n import translations_for
from domain.permits.content import SECRET_CAPABLE_SECTIONS, parse_content
from domain.permits.labels import LABELS
from domain.permits.queries.pages import (
    PermitPage,
    content_skeleton,
    first_application_defaults,
    may_apply_first,
    may_see_worklist,
    permit_page,
    permit_page_for_application,
    permit_page_to_apply,
    permit_page_to_decide,
    version_page,
)
from domain.permits.queries.register import PermitFilter, list_permit_rows
from domain.permits.queries.worklist import regulator_worklist
from domain.permits.reference import UNIT_LABELS, label, pollutant_name
from domain.permits.rules import CANCELLATION_NOTE_LIMIT, CHANGE_KINDS, DISPLAY_STATUSES, CancellationReason
from domain.permits.service.applications import (
    ApplicationInput,
    apply_for_change,
    submit_application,
    supply_missing_materials,
)
from domain.permits.service.cancellation import cancel_permit, revoke_permit
from domain.permits.service.changes import start_change
from domain.permits.service.decisions import (
    GrantInput,
    accept_application,
    extend_decision,
    grant_application,
    issue_permit,
    refuse_application,
    reject_application,
    request_missing_materials,
)
from domain.regions import known_regions_within
from domain.reports.queries import schedule as report_schedule
from portal import permit_form
from portal.forms import parse_day
from portal.reports import schedule_labels
from portal.responses import actor_of, db_of, redirect, render
from portal.templating import field_errors
from web.request_context import request_locale

PAGE_SIZE = 20
T = TypeVar("T")
EXPIRY_WINDOWS = (30, 60, 90, 180)
CONTENT_LIMIT = 500_000
# Forms whose copy (副本) is edited field by field (portal/permit_form.py); the first application still
# takes the copy as JSON, as an import does.
COPY_FORMS = ("change", "renew", "start_change")


class PermitNumberConvertor(Convertor[str]):
    """A national permit number (22 characters), so /permits/import, /permits/apply … stay other pages."""

    regex = "[0-9A-Za-z]{22}"

    def convert(self, value: str) -> str:
        return value.upper()

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("permit_number", PermitNumberConvertor())

# What the page says after an action succeeded (?done=…).
DONE_MESSAGES = {
    "apply": N_("The application was filed. The acceptance time limit runs from today."),
    "accept": N_("The application was accepted; the decision time limit runs from the acceptance date."),
    "reject": N_("The application was not accepted; the unit is told the reason."),
    "extend": N_("The decision time limit was extended by 10 working days."),
    "request_materials": N_("The unit was asked, once, for everything missing; acceptance waits for it."),
    "supply": N_(
        "The missing materials are recorded as supplied; the acceptance period runs anew from today."
    ),
    "start_change": N_("The change was started; the unit is told."),
    "grant": N_("The permit was granted; it must be issued within 10 working days."),
    "refuse": N_("The application was refused; the unit is told the reason."),
    "issue": N_("Issued: the new version of the permit is in force and announced."),
    "change": N_("The change application was filed."),
    "renew": N_("The renewal application was filed."),
    "replace": N_("The replacement application was filed."),
    "revoke": N_("The permit was revoked."),
    "cancel": N_("The permit was cancelled."),
}

# The fields of each form: errors on other fields (e.g. the application's state) are shown form-wide.
DECISION_FIELDS: dict[str, tuple[str, ...]] = {
    "accept": (),
    "reject": ("reason",),
    "extend": ("reason",),
    "request_materials": ("missing",),
    "supply": ("note",),
    "grant": ("number", "validity_cut_to", "validity_cut_reason"),
    "refuse": ("reason",),
    "issue": (),
}
ACTION_FIELDS: dict[str, tuple[str, ...]] = {
    "apply": ("enterprise_credit_code", "site", "category", "issuing_authority", "content"),
    "change": ("kind", "change_description", "event_date", "content"),
    "renew": ("content",),
    "replace": ("event_date", "change_description"),
    "revoke": ("reason",),
    "cancel": ("reason", "note"),
    "start_change": ("change_description", "content"),
}


# ---------------------------------------------------------------------------
# Helpers for the templates and for reading forms
# ---------------------------------------------------------------------------


def _helpers(request: Request) -> dict[str, Any]:
    locale = request_locale(request)
    translated = translations_for(locale).gettext

    def plabel(group: str, value: str | None) -> str:
        key = str(value or "")
        found = LABELS.get(group, {}).get(key)
        return translated(found) if found else key

    def unit_label(unit: str) -> str:
        if unit == "dimensionless":
            return translated(N_("dimensionless"))
        return UNIT_LABELS.get(unit, unit)

    return {
        "plabel": plabel,
        "num": _number,
        "ref_label": lambda value: label(str(value or ""), locale),
        "pollutant_name": lambda code: pollutant_name(code, locale),
        "unit_label": unit_label,
        "secret_capable": SECRET_CAPABLE_SECTIONS,
        "done_message": translated(DONE_MESSAGES[request.query_params["done"]])
        if request.query_params.get("done") in DONE_MESSAGES
        else None,
    }


def _number(value: float | None) -> str:
    """35.0 -> "35", 120.5 -> "120.5": limits read as they were written, never in exponent form."""
    if value is None:
        return ""
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _page_number(raw: str | None) -> int:
    try:
        return max(1, min(int(raw or 1), 100_000))
    except ValueError:
        return 1


def _text(form: FormData, name: str) -> str:
    """A form field as typed: the domain checks its length and refuses (never cuts) a longer text."""
    return str(form.get(name, ""))


async def _attempt(
    request: Request, problems: list[FieldError], call: Callable[[AsyncSession], Awaitable[T]]
) -> T:
    """Run one use case in one unit of work with the problems the form already has (a date that is no
    date, JSON that is no JSON): its refusal comes out merged with them, so the person sees every error
    at once, and when it accepts, the problems roll back what it wrote (``domain.errors.reporting``)."""
    async with db_of(request).transaction() as session, reporting(problems):
        return await call(session)


def _date(form: FormData, name: str, problems: list[FieldError]) -> date | None:
    return parse_day(_text(form, name), name, problems)


def _content(form: FormData, problems: list[FieldError]) -> Any:
    """The copy's content typed as JSON; None when left empty. The domain checks what it says."""
    raw = str(form.get("content", ""))
    if len(raw) > CONTENT_LIMIT:
        problems.append(
            FieldError(
                "content",
                "too_long",
                N_("At most {limit} characters (got {length})."),
                {"limit": CONTENT_LIMIT, "length": len(raw)},
            )
        )
        return None
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except json.JSONDecodeError as error:
        problems.append(
            FieldError(
                "content",
                "json",
                N_("This is not valid JSON: {problem} (line {line}, column {column})."),
                {"problem": error.msg, "line": error.lineno, "column": error.colno},
            )
        )
        return None


def _grouped(errors: list[FieldError], fields: tuple[str, ...]) -> dict[str, list[FieldError]]:
    """Errors by field; content paths go with the content box, errors of no field of this form form-wide."""
    placed: list[FieldError] = []
    for error in errors:
        name = error.field or ""
        if name.startswith("content") and "content" in fields or name in fields:
            placed.append(error)
        else:
            placed.append(FieldError("", error.code, error.message, error.params))
    return field_errors(placed)


PATH_STEP = re.compile(r"([a-z_]+)\[(\d+)\]")


def _content_errors(errors: dict[str, list[FieldError]], raw: str) -> list[tuple[str, str, FieldError]]:
    """Errors of the content box with their path and, where it helps, the code or name at each step.

    ``outlets[0].limits[1].unit`` reads ``outlets[0] DA001 › limits[1] NOX › unit``, so the officer finds
    the place in the JSON without counting entries.
    """
    try:
        document: Any = json.loads(raw) if raw.strip() else None
    except json.JSONDecodeError:
        document = None
    found: list[tuple[str, str, FieldError]] = []
    for name, items in errors.items():
        if not name.startswith("content"):
            continue
        path = name[len("content.") :] if name.startswith("content.") else ""
        steps: list[str] = []
        node = document
        for part in path.split(".") if path else []:
            match = PATH_STEP.fullmatch(part)
            if not match:
                steps.append(part)
                node = node.get(part) if isinstance(node, dict) else None
                continue
            key, index = match.group(1), int(match.group(2))
            items_at = node.get(key) if isinstance(node, dict) else None
            node = items_at[index] if isinstance(items_at, list) and index < len(items_at) else None
            tag = next(
                (
                    str(node[k])
                    for k in ("code", "pollutant", "name", "point", "kind")
                    if isinstance(node, dict) and node.get(k)
                ),
                "",
            )
            steps.append(f"{part} {tag}".strip())
        for error in items:
            found.append((path, " › ".join(steps), error))
    return found


def _status_of(error: DomainError) -> int:
    return 409 if isinstance(error, Conflict) else 400


def _pretty(content: Any) -> str:
    return json.dumps(content, ensure_ascii=False, indent=2)


def _permit_url(permit: Any, done: str = "") -> str:
    suffix = f"?done={done}" if done else ""
    if permit.number:
        return f"/permits/{permit.number}{suffix}"
    return f"/permits/id/{permit.id}{suffix}"


# ---------------------------------------------------------------------------
# The register
# ---------------------------------------------------------------------------


def _filters(request: Request) -> tuple[PermitFilter, dict[str, str]]:
    params = request.query_params
    raw = {
        "q": params.get("q", "")[:100],
        "status": params.get("status", "")[:16],
        "category": params.get("category", "")[:16],
        "industry": params.get("industry", "")[:4],
        "region": params.get("region", "")[:6],
        "expiring": params.get("expiring", "")[:4],
        "renewal_passed": "1" if params.get("renewal_passed") else "",
    }
    expiring = int(raw["expiring"]) if raw["expiring"].isdigit() else None
    if expiring is not None and expiring not in EXPIRY_WINDOWS:
        expiring, raw["expiring"] = None, ""
    if raw["status"] not in DISPLAY_STATUSES:
        raw["status"] = ""
    if raw["category"] not in ("key", "simplified"):
        raw["category"] = ""
    filters = PermitFilter(
        query=raw["q"],
        status=raw["status"],
        category=raw["category"],
        industry_code=raw["industry"],
        region_code=raw["region"],
        expiring_within_days=expiring,
        renewal_deadline_passed=bool(raw["renewal_passed"]),
    )
    return filters, raw


async def permit_list(request: Request) -> Response:
    actor = await actor_of(request)
    filters, raw = _filters(request)
    page_number = _page_number(request.query_params.get("page"))
    async with db_of(request).read() as session:
        listing = await list_permit_rows(
            session, actor, filters=filters, first=PAGE_SIZE, offset=(page_number - 1) * PAGE_SIZE
        )
    query = urlencode({name: value for name, value in raw.items() if value})
    return render(
        request,
        "permits/list.html",
        {
            **_helpers(request),
            "listing": listing,
            "page": listing.page,
            "raw": raw,
            "query": query,
            "page_number": page_number,
            "last_page": max(1, -(-listing.page.total // PAGE_SIZE)),
            "statuses": DISPLAY_STATUSES,
            "windows": EXPIRY_WINDOWS,
            "industries": sorted(INDUSTRY_NAMES),
            "regions": known_regions_within(actor.region_code),
            "may_apply_first": may_apply_first(actor),
            "may_see_worklist": may_see_worklist(actor),
        },
        fragment="permits/_results.html",
    )


async def worklist_page(request: Request) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        found = await regulator_worklist(session, actor)
    return render(
        request,
        "permits/worklist.html",
        {
            **_helpers(request),
            "worklist": found,
            "may_apply_first": may_apply_first(actor),
            "may_see_worklist": True,
        },
    )


# ---------------------------------------------------------------------------
# One permit
# ---------------------------------------------------------------------------


def _detail_context(
    request: Request,
    actor: Actor,
    page: PermitPage,
    *,
    form: str = "",
    errors: dict[str, list[FieldError]] | None = None,
    data: dict[str, str] | None = None,
) -> dict[str, Any]:
    return {
        **_helpers(request),
        "p": page,
        "permit": page.permit,
        "detail": page.detail,
        "form": form,
        "errors": errors or {},
        "data": data or {},
        "may_apply_first": may_apply_first(actor),
        "may_see_worklist": may_see_worklist(actor),
    }


async def detail(request: Request) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        page = await permit_page(session, actor, number=request.path_params["number"])
        reports = await report_schedule.permit_reports(session, actor, page.permit)
    context = {**_detail_context(request, actor, page), **schedule_labels(request), "reports": reports}
    return render(request, "permits/detail.html", context)


async def detail_by_id(request: Request) -> Response:
    """A permit still without a number (a first application before the grant); with one, its address."""
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        page = await permit_page(session, actor, permit_id=request.path_params["permit_id"])
    if page.permit.number:
        query = f"?{request.url.query}" if request.url.query else ""
        return redirect(f"/permits/{page.permit.number}{query}")
    return render(request, "permits/detail.html", _detail_context(request, actor, page))


async def version(request: Request) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        found = await version_page(
            session, actor, number=request.path_params["number"], version=request.path_params["version"]
        )
    context = {
        **_helpers(request),
        "v": found,
        "may_apply_first": may_apply_first(actor),
        "may_see_worklist": may_see_worklist(actor),
    }
    return render(request, "permits/version.html", context)


# ---------------------------------------------------------------------------
# Decisions on an open application (forms on the permit's page)
# ---------------------------------------------------------------------------

# A decision's form read into its use case's arguments: (session, actor, application id) -> result.
Call = Callable[[AsyncSession, Actor, int], Awaitable[Any]]
Decision = Callable[[FormData, list[FieldError]], Call]


def _accept(form: FormData, problems: list[FieldError]) -> Call:
    return lambda session, actor, application_id: accept_application(
        session, actor, application_id=application_id
    )


def _reject(form: FormData, problems: list[FieldError]) -> Call:
    return lambda session, actor, application_id: reject_application(
        session, actor, application_id=application_id, reason=_text(form, "reason")
    )


def _extend(form: FormData, problems: list[FieldError]) -> Call:
    return lambda session, actor, application_id: extend_decision(
        session, actor, application_id=application_id, reason=_text(form, "reason")
    )


def _grant(form: FormData, problems: list[FieldError]) -> Call:
    data = GrantInput(
        number=_text(form, "number"),
        validity_cut_to=_date(form, "validity_cut_to", problems),
        validity_cut_reason=_text(form, "validity_cut_reason"),
    )
    return lambda session, actor, application_id: grant_application(
        session, actor, application_id=application_id, data=data
    )


def _refuse(form: FormData, problems: list[FieldError]) -> Call:
    return lambda session, actor, application_id: refuse_application(
        session, actor, application_id=application_id, reason=_text(form, "reason")
    )


def _issue(form: FormData, problems: list[FieldError]) -> Call:
    return lambda session, actor, application_id: issue_permit(session, actor, application_id=application_id)


def _request_materials(form: FormData, problems: list[FieldError]) -> Call:
    return lambda session, actor, application_id: request_missing_materials(
        session, actor, application_id=application_id, missing=_text(form, "missing")
    )


def _supply(form: FormData, problems: list[FieldError]) -> Call:
    return lambda session, actor, application_id: supply_missing_materials(
        session, actor, application_id=application_id, note=_text(form, "note")
    )


DECISIONS: dict[str, Decision] = {
    "accept": _accept,
    "request_materials": _request_materials,
    "supply": _supply,
    "reject": _reject,
    "extend": _extend,
    "grant": _grant,
    "refuse": _refuse,
    "issue": _issue,
}


def _decision_endpoint(name: str) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        actor = await actor_of(request)
        form = await request.form()
        application_id = request.path_params["application_id"]
        problems: list[FieldError] = []
        call = DECISIONS[name](form, problems)
        try:
            result = await _attempt(request, problems, lambda session: call(session, actor, application_id))
            permit_id = getattr(result, "permit_id", None) or result.id
        except (ValidationFailed, Conflict) as error:
            async with db_of(request).read() as session:
                page = await permit_page_for_application(session, actor, application_id=application_id)
            data = {field: _text(form, field) for field in DECISION_FIELDS[name]}
            context = _detail_context(
                request,
                actor,
                page,
                form=name,
                errors=_grouped(error.errors, DECISION_FIELDS[name]),
                data=data,
            )
            return render(request, "permits/detail.html", context, status_code=_status_of(error))
        return redirect(f"/permits/id/{permit_id}?done={name}")

    endpoint.__name__ = f"permit_{name}"
    return endpoint


# ---------------------------------------------------------------------------
# Forms of their own: first application, change, renewal, replacement, revocation, cancellation
# ---------------------------------------------------------------------------


def _form_context(
    request: Request,
    actor: Actor,
    action: str,
    data: dict[str, str],
    errors: dict[str, list[FieldError]] | None = None,
    page: PermitPage | None = None,
    copy: dict[str, Any] | None = None,
) -> dict[str, Any]:
    copy_context = (
        permit_form.context(copy, errors or {}, request_locale(request)) if copy is not None else {}
    )
    return {
        **_helpers(request),
        **copy_context,
        "action": action,
        "data": data,
        "errors": errors or {},
        "content_errors": _content_errors(errors or {}, data.get("content", "")),
        "p": page,
        "permit": page.permit if page else None,
        "change_kinds": sorted(k.value for k in CHANGE_KINDS),
        "cancellation_reasons": [r.value for r in CancellationReason],
        "cancellation_note_limit": CANCELLATION_NOTE_LIMIT,
        "may_apply_first": may_apply_first(actor),
        "may_see_worklist": may_see_worklist(actor),
    }


async def apply_form(request: Request) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        defaults = await first_application_defaults(
            session, actor, credit_code=request.query_params.get("credit_code", "")
        )
    data = {
        "enterprise_credit_code": defaults.enterprise_credit_code,
        "site": request.query_params.get("site", "")[:3],
        "category": defaults.category,
        "issuing_authority": "",
    }
    # The copy as a form, field by field, pre-filled with the example a unit replaces (as the renewal
    # and change forms are pre-filled with the copy in force).
    copy = permit_form.values_of(content_skeleton())
    return render(request, "permits/form.html", _form_context(request, actor, "apply", data, copy=copy))


def _echo(form: FormData, fields: tuple[str, ...]) -> dict[str, str]:
    """What the person typed, to show the form again (the content box as far as the form reads it)."""
    return {
        name: _text(form, name)[:CONTENT_LIMIT] if name == "content" else _text(form, name) for name in fields
    }


async def apply_submit(request: Request) -> Response:
    actor = await actor_of(request)
    form = await request.form(max_fields=permit_form.MAX_FORM_FIELDS)
    data = _echo(form, tuple(name for name in ACTION_FIELDS["apply"] if name != "content"))
    # The copy's fields (the form); a post with a JSON box instead (a client of the old form) still reads.
    posted = any(key.startswith(permit_form.PREFIX) for key in form)
    copy = permit_form.values_from_form(form) if posted else None
    if copy is not None and _text(form, "_edit"):
        # A row added or removed: the same form again, one row more or less; nothing is filed.
        permit_form.edit(copy, _text(form, "_edit"))
        return render(request, "permits/form.html", _form_context(request, actor, "apply", data, copy=copy))
    problems: list[FieldError] = []
    application_input = ApplicationInput(
        kind="first",
        enterprise_credit_code=data["enterprise_credit_code"],
        site=data["site"],
        category=data["category"],
        issuing_authority=data["issuing_authority"],
        content=permit_form.content_of(copy) if copy is not None else _content(form, problems),
    )
    try:
        application = await _attempt(
            request, problems, lambda session: submit_application(session, actor, data=application_input)
        )
    except (ValidationFailed, Conflict) as error:
        if copy is None:
            data["content"] = _text(form, "content")[:CONTENT_LIMIT]
        errors = _grouped(permit_form.reworded(error.errors), ACTION_FIELDS["apply"])
        context = _form_context(request, actor, "apply", data, errors, copy=copy)
        return render(request, "permits/form.html", context, status_code=_status_of(error))
    return redirect(f"/permits/id/{application.permit_id}?done=apply")


def _action_defaults(action: str) -> dict[str, str]:
    return {
        "change": {"kind": "", "change_description": "", "event_date": ""},
        "renew": {},
        "replace": {"event_date": "", "change_description": ""},
        "revoke": {"reason": ""},
        "cancel": {"reason": "", "note": ""},
        "start_change": {"change_description": ""},
    }[action]


async def _load_for(session: AsyncSession, actor: Actor, action: str, number: str) -> PermitPage:
    if action in ("revoke", "cancel", "start_change"):
        return await permit_page_to_decide(session, actor, number=number)
    return await permit_page_to_apply(session, actor, number=number)


def _action_form_endpoint(action: str) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        actor = await actor_of(request)
        async with db_of(request).read() as session:
            page = await _load_for(session, actor, action, request.path_params["number"])
        copy = permit_form.values_of(page.detail.content.to_dict()) if action in COPY_FORMS else None
        context = _form_context(request, actor, action, _action_defaults(action), page=page, copy=copy)
        return render(request, "permits/form.html", context)

    endpoint.__name__ = f"permit_{action}_form"
    return endpoint


def _proposed(values: dict[str, Any], page: PermitPage) -> dict[str, Any] | None:
    """The copy the form gives; None when it says what the permit in force says (the content is kept)."""
    content = permit_form.content_of(values)
    parsed, problems = parse_content(content)
    return None if not problems and parsed.to_dict() == page.detail.content.to_dict() else content


def _action(
    action: str, number: str, form: FormData, content: dict[str, Any] | None, problems: list[FieldError]
) -> Callable[[AsyncSession, Actor], Awaitable[Any]]:
    """The use case a permit's own form calls, its fields read from the form; ``content`` the copy the
    form gives (None: unchanged); format errors (a date that is no date) go to ``problems``."""
    if action in ("change", "renew", "replace"):
        event_date = _date(form, "event_date", problems)
        data = ApplicationInput(
            kind={"renew": "renewal", "replace": "replacement"}.get(action) or _text(form, "kind"),
            permit_number=number,
            content=content,
            change_description=_text(form, "change_description"),
            event_date=event_date,
        )
        if action == "change":
            return lambda session, actor: apply_for_change(session, actor, data=data)
        return lambda session, actor: submit_application(session, actor, data=data)
    if action == "start_change":
        return lambda session, actor: start_change(
            session,
            actor,
            number=number,
            change_description=_text(form, "change_description"),
            content=content,
        )
    if action == "revoke":
        return lambda session, actor: revoke_permit(
            session, actor, number=number, reason=_text(form, "reason")
        )
    return lambda session, actor: cancel_permit(
        session, actor, number=number, reason=_text(form, "reason"), note=_text(form, "note")
    )


def _action_submit_endpoint(action: str) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        actor = await actor_of(request)
        form = await request.form(max_fields=permit_form.MAX_FORM_FIELDS)
        number = request.path_params["number"]
        fields = ACTION_FIELDS[action]
        data = _echo(form, tuple(name for name in fields if name != "content"))
        # A post without the copy's fields (a client of the old JSON box) keeps the copy as it is.
        posted = action in COPY_FORMS and any(key.startswith(permit_form.PREFIX) for key in form)
        copy = permit_form.values_from_form(form) if posted else None
        async with db_of(request).read() as session:
            page = await _load_for(session, actor, action, number)
        if copy is not None and _text(form, "_edit"):
            # A row added or removed: the same form again, one row more or less; nothing is filed.
            permit_form.edit(copy, _text(form, "_edit"))
            context = _form_context(request, actor, action, data, page=page, copy=copy)
            return render(request, "permits/form.html", context)
        problems: list[FieldError] = []
        call = _action(action, number, form, _proposed(copy, page) if copy is not None else None, problems)
        try:
            await _attempt(request, problems, lambda session: call(session, actor))
        except (ValidationFailed, Conflict) as error:
            if copy is None and action in COPY_FORMS:
                copy = permit_form.values_of(page.detail.content.to_dict())
            errors = _grouped(permit_form.reworded(error.errors), fields)
            context = _form_context(request, actor, action, data, errors, page=page, copy=copy)
            return render(request, "permits/form.html", context, status_code=_status_of(error))
        return redirect(f"/permits/{number}?done={action}")

    endpoint.__name__ = f"permit_{action}"
    return endpoint


routes = [
    Route("/permits", permit_list, methods=["GET"], name="permit_list"),
    Route("/permits/worklist", worklist_page, methods=["GET"], name="permit_worklist"),
    Route("/permits/apply", apply_form, methods=["GET"], name="permit_apply_form"),
    Route("/permits/apply", apply_submit, methods=["POST"], name="permit_apply"),
    Route("/permits/id/{permit_id:int}", detail_by_id, methods=["GET"], name="permit_by_id"),
    *[
        Route(
            f"/permits/applications/{{application_id:int}}/{name}",
            _decision_endpoint(name),
            methods=["POST"],
            name=f"permit_{name}",
        )
        for name in DECISIONS
    ],
    Route("/permits/{number:permit_number}", detail, methods=["GET"], name="permit_detail"),
    Route(
        "/permits/{number:permit_number}/versions/{version:int}",
        version,
        methods=["GET"],
        name="permit_version",
    ),
    *[
        route
        for action in ("change", "renew", "replace", "start_change", "revoke", "cancel")
        for route in (
            Route(
                f"/permits/{{number:permit_number}}/{action}",
                _action_form_endpoint(action),
                methods=["GET"],
                name=f"permit_{action}_form",
            ),
            Route(
                f"/permits/{{number:permit_number}}/{action}",
                _action_submit_endpoint(action),
                methods=["POST"],
                name=f"permit_{action}",
            ),
        )
    ],
]
