"""Enforcement pages (执法): the leads inbox first (each lead dismissed with a reason or opened as a case),
the cases of the jurisdiction (a unit sees its own), one case with its steps, documents and the forms of
its next step; the public list of penalties (M48 §39; AP (7)).

Each endpoint reads its form into the use case's input, calls one use case of
``domain.supervision.cases.service`` (or one read of ``queries``) and renders."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.bounds import parse_id
from domain.clock import today
from domain.errors import N_, Conflict, FieldError, NotFound, ValidationFailed, reporting
from domain.permits.reference import REPORT_KIND_LABELS
from domain.supervision.cases import queries, rules, service
from domain.supervision.cases.rules import CaseInput, DecisionInput, DocumentInput
from portal.forms import parse_day
from portal.responses import actor_of, db_of, redirect, render
from portal.templating import field_errors

PAGE_SIZE = 50
DONE = {
    "dismissed": N_("The lead was dismissed; it stays on record with the reason."),
    "opened": N_("The case was opened."),
    "decided": N_("The decision was recorded; the unit is told."),
    "closed": N_("The case was closed; a penalty in it is now public."),
    "document": N_("The document was attached."),
}


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _labels(request: Request) -> dict[str, Any]:
    return {
        "classification_labels": rules.CLASSIFICATION_LABELS,
        "measure_labels": rules.MEASURES,
        "document_labels": rules.DOCUMENT_LABELS,
        "status_labels": rules.STATUS_LABELS,
        "view_labels": rules.VIEW_LABELS,
        "step_labels": rules.STEP_LABELS,
        "report_kinds": REPORT_KIND_LABELS,
        "done": DONE.get(request.query_params.get("done", "")),
        "today": today(),
    }


def _page_number(raw: str | None) -> int:
    try:
        return max(1, min(int(raw or 1), 100_000))
    except ValueError:
        return 1


async def leads_page(request: Request, **extra: Any) -> Response:
    """The enforcement brigade's inbox of leads (违法线索) nobody has dealt with, oldest first."""
    actor = await actor_of(request)
    page_number = _page_number(request.query_params.get("page"))
    async with db_of(request).read() as session:
        found = await queries.leads_inbox(
            session, actor, first=PAGE_SIZE, offset=(page_number - 1) * PAGE_SIZE
        )
    context = {
        **_labels(request),
        "leads": found,
        "page_number": page_number,
        "last_page": max(1, -(-found.total // PAGE_SIZE)),
        "errors": {},
        "values": {},
        "failed_lead": None,
    }
    context.update(extra)
    return render(request, "supervision/cases/leads.html", context, status_code=400 if extra else 200)


async def dismiss(request: Request) -> Response:
    actor = await actor_of(request)
    form = await request.form()
    lead_id = request.path_params["lead_id"]
    try:
        async with db_of(request).transaction() as session:
            await service.dismiss_lead(session, actor, lead_id=lead_id, reason=_text(form, "reason"))
    except (ValidationFailed, Conflict) as error:
        return await leads_page(
            request,
            errors=field_errors(error.errors),
            values={"reason": _text(form, "reason")},
            failed_lead=parse_id(lead_id),
        )
    return redirect("/cases/leads?done=dismissed")


async def list_page(request: Request) -> Response:
    actor = await actor_of(request)
    view = request.query_params.get("view", "active")[:16]
    page_number = _page_number(request.query_params.get("page"))
    async with db_of(request).read() as session:
        found = await queries.case_list(
            session, actor, view=view, first=PAGE_SIZE, offset=(page_number - 1) * PAGE_SIZE
        )
        may_manage = service.may_manage(actor)
    return render(
        request,
        "supervision/cases/list.html",
        {
            **_labels(request),
            "cases": found,
            "view": view,
            "views": queries.CASE_VIEWS,
            "may_manage": may_manage,
            "page_number": page_number,
            "last_page": max(1, -(-found.total // PAGE_SIZE)),
        },
    )


def _case_form(form: FormData, problems: list[FieldError]) -> CaseInput:
    lead_text = _text(form, "lead_id").strip()
    lead_id = parse_id(lead_text) if lead_text else None
    if lead_text and lead_id is None:
        problems.append(FieldError("lead_id", "not_found", N_("No such enforcement lead.")))
    return CaseInput(
        facts=_text(form, "facts"),
        legal_basis=_text(form, "legal_basis"),
        classification=_text(form, "classification"),
        opened_on=parse_day(_text(form, "opened_on"), "opened_on", problems),
        lead_id=lead_id,
        credit_code=_text(form, "credit_code"),
        unit_name=_text(form, "unit_name"),
        permit_number=_text(form, "permit_number"),
        outlet_code=_text(form, "outlet_code"),
    )


async def new_page(request: Request) -> Response:
    actor = await actor_of(request)
    lead = None
    lead_param = request.query_params.get("lead", "")[:12]
    if lead_param:
        async with db_of(request).read() as session:
            lead = await queries.lead_row(session, actor, lead_id=lead_param)
    values = {
        "opened_on": today().isoformat(),
        "lead_id": str(lead.lead.id) if lead else "",
        "facts": lead.lead.description if lead else "",
        "classification": "against_permit" if lead else "",
    }
    return render(
        request,
        "supervision/cases/new.html",
        {**_labels(request), "values": values, "lead": lead, "errors": {}},
    )


async def create(request: Request) -> Response:
    actor = await actor_of(request)
    form = await request.form()
    problems: list[FieldError] = []
    data = _case_form(form, problems)
    try:
        async with db_of(request).transaction() as session, reporting(problems):
            case = await service.open_case(session, actor, data=data)
            case_id = case.id
    except (ValidationFailed, Conflict) as error:
        lead = None
        if data.lead_id is not None:
            async with db_of(request).read() as session:
                lead = await queries.lead_row(session, actor, lead_id=data.lead_id, decided_too=True)
        return render(
            request,
            "supervision/cases/new.html",
            {
                **_labels(request),
                "values": {key: _text(form, key) for key in form},
                "lead": lead,
                "errors": field_errors(error.errors),
            },
            status_code=409 if isinstance(error, Conflict) else 400,
        )
    return redirect(f"/cases/{case_id}?done=opened")


async def _case_context(request: Request, case_id: str, **extra: Any) -> dict[str, Any]:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        page = await queries.case_page(session, actor, case_id=case_id)
    return {**_labels(request), "page": page, "errors": {}, "values": {}, "failed": None, **extra}


async def case_page(request: Request) -> Response:
    return render(
        request, "supervision/cases/case.html", await _case_context(request, request.path_params["case_id"])
    )


def _penalty(text: str, problems: list[FieldError]) -> Decimal | None:
    text = text.strip().replace(",", "").replace("，", "")
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        problems.append(
            FieldError("penalty_yuan", "number", N_("Enter a number, e.g. {example}."), {"example": 50000})
        )
    return None


async def step(request: Request) -> Response:
    """The case's next step: the decision, the closure or a document."""
    actor = await actor_of(request)
    case_id = request.path_params["case_id"]
    kind = request.url.path.rstrip("/").rsplit("/", 1)[-1]
    form = await request.form(max_files=1)
    problems: list[FieldError] = []
    try:
        async with db_of(request).transaction() as session, reporting(problems):
            if kind == "decide":
                decision = DecisionInput(
                    decision=_text(form, "decision"),
                    decided_on=parse_day(_text(form, "decided_on"), "decided_on", problems),
                    penalty_yuan=_penalty(_text(form, "penalty_yuan"), problems),
                    measures=tuple(str(v) for v in form.getlist("measures"))[:20],
                    case_number=_text(form, "case_number"),
                    legal_basis=_text(form, "legal_basis"),
                )
                await service.decide_case(session, actor, case_id=case_id, data=decision)
                done = "decided"
            elif kind == "close":
                closed_on = parse_day(_text(form, "closed_on"), "closed_on", problems)
                await service.close_case(session, actor, case_id=case_id, closed_on=closed_on)
                done = "closed"
            elif kind == "documents":
                upload = form.get("file")
                file_name, content = "", b""
                if isinstance(upload, UploadFile) and upload.filename:
                    file_name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1]
                    content = await upload.read(rules.MAX_DOCUMENT_BYTES + 1)  # one more byte: too large
                data = DocumentInput(kind=_text(form, "kind"), file_name=file_name, content=content)
                await service.add_document(session, actor, case_id=case_id, data=data)
                done = "document"
            else:
                raise NotFound(N_("No such enforcement case."), field="case")
    except (ValidationFailed, Conflict) as error:
        context = await _case_context(
            request,
            case_id,
            errors=field_errors(error.errors),
            values={key: _text(form, key) for key in form},
            failed=kind,
        )
        return render(
            request,
            "supervision/cases/case.html",
            context,
            status_code=409 if isinstance(error, Conflict) else 400,
        )
    return redirect(f"/cases/{case_id}?done={done}")


async def document(request: Request) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        found = await queries.document_file(session, actor, document_id=request.path_params["document_id"])
    return Response(
        found.content,
        media_type=found.media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(found.file_name)}",
            "X-Content-SHA256": found.sha256,
        },
    )


async def public_page(request: Request) -> Response:
    """Public: closed cases with a penalty, and the lists of units discharging without or against their
    permit (M48 §39; AP (7)). Never the staff who handled them."""
    kind = request.query_params.get("kind", "")
    classification = kind if kind in ("without_permit", "against_permit") else None
    async with db_of(request).read() as session:
        penalties = await queries.public_penalties(session, classification=classification)
    return render(
        request,
        "supervision/cases/public.html",
        {**_labels(request), "penalties": penalties, "kind": classification or ""},
    )


routes = [
    Route("/cases", list_page, methods=["GET"], name="cases"),
    Route("/cases/leads", leads_page, methods=["GET"], name="case_leads"),
    Route("/cases/leads/{lead_id}/dismiss", dismiss, methods=["POST"], name="case_lead_dismiss"),
    Route("/cases/new", new_page, methods=["GET"], name="case_new"),
    Route("/cases/new", create, methods=["POST"], name="case_create"),
    Route("/cases/documents/{document_id}", document, methods=["GET"], name="case_document"),
    Route("/cases/{case_id}", case_page, methods=["GET"], name="case"),
    *(
        Route(f"/cases/{{case_id}}/{kind}", step, methods=["POST"])
        for kind in ("decide", "close", "documents")
    ),
    Route("/public/penalties", public_page, methods=["GET"], name="public_penalties"),
]
