"""Execution-report pages (执行报告): the unit's schedule and draft editor, receipts, the report and its
chain, the regulators' queue, review and filing dashboard, and the public annual reports.

Every endpoint reads its form into the use case's input (``portal.report_forms``), calls one use case or
read of ``domain.reports`` (the same the API calls) and renders; the form's errors and the domain's are
shown together.
"""

from __future__ import annotations

import json
import re
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.clock import as_utc, in_china, today, utcnow
from domain.enterprises.rules import industry_name
from domain.errors import N_, Conflict, FieldError, ValidationFailed
from domain.i18n import translations_for
from domain.permits import list_filters
from domain.permits.reference import REPORT_KIND_LABELS, pollutant_name
from domain.regions import region_name
from domain.reports import attached, rules
from domain.reports import content as report_content
from domain.reports.content import LIST_SECTIONS
from domain.reports.filing import desk_for
from domain.reports.queries import chain, editor, public, record, report, review, schedule, statistics
from domain.reports.rules import FeedbackItemInput
from domain.reports.service import drafts
from domain.reports.service import review as reviewing
from domain.reports.service.submission import Filing
from domain.reports.service.urging import urge_report
from domain.supervision.quality.queries import quality_half_today
from portal import report_forms as forms
from portal.forms import read_uploads
from portal.list_pages import overdue_filters, page_number
from portal.pdf import render_pdf
from portal.responses import actor_of, db_of, is_htmx, reader_of, redirect, render, token_refused
from portal.templating import field_errors
from web.auth import InvalidToken
from web.request_context import request_locale

FREE_PROBLEM_ROWS = 3
DEFAULT_FEEDBACK_DAYS = 15
# A large plant's report has hundreds of rows of ten inputs each: more than Starlette's default 1000 fields.
MAX_FORM_FIELDS = 40_000
DONE_MESSAGES = {
    "saved": N_("Draft saved."),
    "respond": N_("Your explanation was sent to the regulator."),
    "feedback": N_("The report was returned with one feedback form; the unit is told at once."),
    "accept": N_("The report was accepted and is closed."),
    "cleared": N_("The section is cleared by your department."),
    "problems": N_(
        "The problem is recorded; it goes on the feedback form with the other departments' problems."
    ),
    "issued": N_("Every department has reviewed its sections: the feedback form went to the unit."),
}
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9]+")


# ---------------------------------------------------------------------------
# Helpers for the templates
# ---------------------------------------------------------------------------


def _labelled(request: Request, table: dict[str, str]) -> Any:
    gettext = translations_for(request_locale(request)).gettext
    return lambda key: gettext(table[key]) if key in table else str(key or "")


def schedule_labels(request: Request) -> dict[str, Any]:
    """What a page showing report periods needs to name their kinds and states (the permit page too)."""
    return {
        "kind_label": _labelled(request, REPORT_KIND_LABELS),
        "state_label": _labelled(request, forms.STATE_LABELS),
    }


def _helpers(request: Request) -> dict[str, Any]:
    locale = request_locale(request)
    gettext = translations_for(locale).gettext

    done = DONE_MESSAGES.get(request.query_params.get("done", ""))

    def labelled(table: dict[str, str]) -> Any:
        return _labelled(request, table)

    return {
        **schedule_labels(request),
        "method_label": labelled(forms.METHOD_LABELS),
        "section_label": labelled(forms.SECTION_LABELS),
        "column_label": labelled(forms.FIELD_LABELS),
        "severity_label": labelled(forms.SEVERITY_LABELS),
        "num": forms.number_text,
        "report_time": forms.report_time,
        "fid": lambda path: "f-" + _ID_UNSAFE.sub("-", path).strip("-"),
        "pct": lambda rate: f"{rate * 100:.1f} %",
        "pollutant_name": lambda code: pollutant_name(str(code or ""), locale),
        "unit_label": lambda unit: forms.unit_label(str(unit or "")),
        "rule_code": lambda finding: getattr(finding, "rule_code", None) or getattr(finding, "code", ""),
        "list_sections": report_content.LIST_SECTIONS,
        "dict_sections": report_content.DICT_SECTIONS,
        "boolean_fields": report_content.BOOLEAN_FIELDS,
        "number_fields": report_content.NUMBER_FIELDS,
        "long_text_fields": report_content.LONG_TEXT_FIELDS,
        "methods": report_content.METHODS,
        "done_message": gettext(done) if done else None,
    }


def _path(request: Request) -> tuple[str, str, str]:
    params = request.path_params
    return str(params["permit_number"]).upper(), str(params["kind"]), str(params["period"])


def _base(permit_number: str, kind: str, period: str) -> str:
    return f"/reports/{permit_number}/{kind}/{period}"


def _editor_context(
    request: Request,
    page: editor.EditorPage,
    *,
    errors: list[FieldError] | None = None,
    key: str | None = None,
    add: str | None = None,
) -> dict[str, Any]:
    errors = errors or []
    grouped = field_errors(errors)
    input_paths = {e.field for e in errors if e.field and e.field.startswith("content.")}
    return {
        **_helpers(request),
        "page": page,
        "base": _base(page.permit.number or "", page.kind, page.period.label),
        "errors": grouped,
        "form_wide_errors": [e for e in errors if e.field not in input_paths],
        "findings_at": report.findings_by_field(page.findings or []),
        "idempotency_key": key or secrets.token_urlsafe(24),
        "add": add if add in LIST_SECTIONS else None,
        "saved": request.query_params.get("saved"),
    }


def _error_status(request: Request, error: ValidationFailed | Conflict | None) -> int:
    """Errors go back with the form: 400 (409 for a state that refuses it), 200 for htmx, which swaps in
    only what succeeds."""
    if is_htmx(request):
        return 200
    return 409 if isinstance(error, Conflict) else 400


async def _editor_with(
    request: Request,
    content: dict[str, Any],
    errors: list[FieldError],
    *,
    key: str | None,
    check: bool = False,
    status_code: int = 200,
) -> Response:
    """The editor again, showing what was typed (never lost) with its errors or findings."""
    actor = await actor_of(request)
    permit_number, kind, period = _path(request)
    async with db_of(request).read() as session:
        try:
            page = await editor.editor_page(
                session,
                actor,
                permit_number=permit_number,
                kind=kind,
                period=period,
                content=content,
                check=check and not errors,
            )
        except ValidationFailed as error:  # the content's shape: shown next to the fields, not checked
            page = await editor.editor_page(
                session, actor, permit_number=permit_number, kind=kind, period=period, content=content
            )
            errors = forms.merged(errors, error.errors)
            status_code = _error_status(request, error)
    return render(
        request,
        "reports/editor.html",
        _editor_context(request, page, errors=errors, key=key),
        fragment="reports/_editor.html",
        status_code=status_code,
    )


# ---------------------------------------------------------------------------
# The unit: schedule, draft editor, submission
# ---------------------------------------------------------------------------


async def schedule_page(request: Request) -> Response:
    actor = await actor_of(request)
    elsewhere = schedule.landing(actor)
    if elsewhere:
        return redirect(elsewhere)
    async with db_of(request).read() as session:
        schedules = await schedule.my_schedules(session, actor)
    return render(request, "reports/schedule.html", {**_helpers(request), "schedules": schedules})


async def editor_page(request: Request) -> Response:
    actor = await actor_of(request)
    permit_number, kind, period = _path(request)
    async with db_of(request).read() as session:
        page = await editor.editor_page(session, actor, permit_number=permit_number, kind=kind, period=period)
    return render(
        request, "reports/editor.html", _editor_context(request, page, add=request.query_params.get("add"))
    )


async def save(request: Request) -> Response:
    """Autosave (htmx: answers with the save status) and the plain "save draft" button."""
    actor = await actor_of(request)
    permit_number, kind, period = _path(request)
    form = await request.form(max_fields=MAX_FORM_FIELDS)
    content, errors = forms.form_content(form, kind)
    saved_at = None
    if errors:  # nothing is saved; the content's other problems are named with them
        errors = forms.merged(errors, report_content.check_shape(kind, content))
    else:
        try:
            async with db_of(request).transaction() as session:
                saved = await drafts.save_draft(
                    session, actor, permit_number=permit_number, kind=kind, period=period, content=content
                )
                saved_at = saved.draft_saved_at
        except (ValidationFailed, Conflict) as error:
            errors = error.errors
    if is_htmx(request):
        return render(
            request,
            "reports/_save_status.html",
            {**_helpers(request), "saved_at": saved_at, "errors": errors},
        )
    if errors:
        return await _editor_with(request, content, errors, key=forms.carried_key(form), status_code=400)
    add = str(form.get("_add", ""))
    suffix = f"&add={add}#section-{add}" if add in LIST_SECTIONS else ""
    return redirect(f"{_base(permit_number, kind, period)}?saved=1{suffix}")


async def check(request: Request) -> Response:
    """Run the audit rules on what is in the form; findings appear next to the fields they fault."""
    _permit_number, kind, _period = _path(request)
    form = await request.form(max_fields=MAX_FORM_FIELDS)
    content, errors = forms.form_content(form, kind)
    if errors:  # not checked: the content's problems come first, all of them
        errors = forms.merged(errors, report_content.check_shape(kind, content))
    return await _editor_with(request, content, errors, key=forms.carried_key(form), check=True)


CARRIED_FIELDS = ("csrf_token", "idempotency_key", "confirmed", "_add")


async def submit(request: Request) -> Response:
    """File the report, once confirmed. Without ``confirmed`` the answer is the confirmation step (a page,
    or the editor's place for htmx): what will be filed, its errors and warnings, that it stays; or the
    editor with everything the filing would refuse. The key was minted when the editor was drawn and
    travels through the confirmation: the same form sent twice files once."""
    actor = await actor_of(request)
    permit_number, kind, period = _path(request)
    form = await request.form(max_fields=MAX_FORM_FIELDS)
    content, errors = forms.form_content(form, kind)
    key = str(form.get("idempotency_key", ""))  # whole: a key the domain refuses is named, never cut
    if errors or form.get("confirmed") != "1":
        return await _confirmation(request, form, content, key, errors)
    try:
        result = await desk_for(db_of(request)).file(
            Filing(actor, permit_number, kind, period, content, idempotency_key=key)
        )
        receipt_number = result.submission.receipt_number
        replayed = result.replayed
    except (ValidationFailed, Conflict) as error:
        return await _refused(request, form, content, error, [])
    return redirect(f"/receipts/{receipt_number}" + ("?replayed=1" if replayed else ""))


async def _refused(
    request: Request,
    form: FormData,
    content: dict[str, Any],
    error: ValidationFailed | Conflict,
    errors: list[FieldError],
) -> Response:
    """The editor with what the filing (or its confirmation) refused, and the form's own errors. A key
    already used for another filing is spent: the editor comes back with a fresh one."""
    reused = error.code == "idempotency_key_reused"
    return await _editor_with(
        request,
        content,
        forms.merged(errors, error.errors),
        key=None if reused else forms.carried_key(form),
        status_code=_error_status(request, error),
    )


async def _confirmation(
    request: Request, form: FormData, content: dict[str, Any], key: str, errors: list[FieldError]
) -> Response:
    actor = await actor_of(request)
    permit_number, kind, period = _path(request)
    try:
        async with db_of(request).read() as session:
            page = await editor.confirm_page(
                session,
                actor,
                permit_number=permit_number,
                kind=kind,
                period=period,
                content=content,
                idempotency_key=key,
            )
    except (ValidationFailed, Conflict) as error:
        return await _refused(request, form, content, error, errors)
    if errors:  # what the form could not read (the domain names it too: kept here should it not)
        return await _editor_with(
            request, content, errors, key=forms.carried_key(form), status_code=_error_status(request, None)
        )
    return render(
        request,
        "reports/confirm.html",
        {
            **_helpers(request),
            "page": page,
            "base": _base(page.permit.number or "", kind, page.period.label),
            "carried": [(k, str(v)) for k, v in form.multi_items() if k not in CARRIED_FIELDS],
            "idempotency_key": key.strip() or secrets.token_urlsafe(24),
        },
        fragment="reports/_confirm.html",
    )


async def receipt_page(request: Request) -> Response:
    try:
        actor = await reader_of(request)
    except InvalidToken as refused:
        return token_refused(refused)
    async with db_of(request).read() as session:
        found = await record.copy_of_record(
            session, actor, receipt_number=request.path_params["receipt_number"]
        )
    return render(
        request,
        "reports/receipt.html",
        {**_helpers(request), "r": found, "replayed": request.query_params.get("replayed")},
    )


async def receipt_pdf(request: Request) -> Response:
    """The copy of record (存档件) of a submission and its receipt as a PDF, for whoever may read the report:
    rendered from the stored submission, the same bytes each time (``domain.reports.queries.record``)."""
    try:
        actor = await reader_of(request)
    except InvalidToken as refused:
        return token_refused(refused)
    async with db_of(request).read() as session:
        found = await record.copy_of_record(
            session, actor, receipt_number=request.path_params["receipt_number"]
        )
    base_url = request.app.state.settings.base_url.rstrip("/")
    pdf = await render_pdf(
        request,
        "reports/record_pdf.html",
        {
            **_helpers(request),
            "r": found,
            "pdf_max_rows": record.PDF_MAX_ROWS,
            "pdf_max_text": record.PDF_MAX_TEXT,
            "verify_url": f"{base_url}/reports/id/{found.report.id}/verify",
        },
        stylesheet="reports-print.css",
    )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{found.submission.receipt_number}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )


# ---------------------------------------------------------------------------
# One report: submissions, findings, feedback; the chain
# ---------------------------------------------------------------------------


def _version(raw: str | None) -> int | None:
    try:
        return max(1, min(int(raw or ""), 100_000))
    except ValueError:
        return None


async def report_page(request: Request) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        page = await report.report_page(
            session,
            actor,
            report_id=request.path_params["report_id"],
            version=_version(request.query_params.get("version")),
        )
    return render(request, "reports/report.html", {**_helpers(request), "page": page, "errors": {}})


async def respond(request: Request) -> Response:
    """The unit answers a feedback form with an explanation (it may also resubmit)."""
    actor = await actor_of(request)
    form = await request.form(max_files=attached.UPLOAD_MAX_FILES + 1)
    response_text = str(form.get("response", ""))  # whole: one longer than the form holds is refused
    form_id = request.path_params["form_id"]
    files = await read_uploads(form, "attachments", attached.POLICY.max_file_bytes)
    try:
        async with db_of(request).transaction() as session:
            answered = await reviewing.respond_to_feedback(
                session, actor, form_id=form_id, response=response_text, files=files
            )
            report_id = answered.report_id
    except (ValidationFailed, Conflict) as error:
        try:
            report_id = int(str(form.get("report_id", "")))
        except ValueError:
            raise error from None
        async with db_of(request).read() as session:
            page = await report.report_page(session, actor, report_id=report_id)
        return render(
            request,
            "reports/report.html",
            {
                **_helpers(request),
                "page": page,
                "errors": field_errors(error.errors),
                "response_form_id": form_id,
                "response_text": response_text,
            },
            status_code=409 if isinstance(error, Conflict) else 400,
        )
    return redirect(f"/reports/id/{report_id}?done=respond#feedback")


async def verify_page(request: Request) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        page = await chain.verify_page(session, actor, report_id=request.path_params["report_id"])
    return render(request, "reports/verify.html", {**_helpers(request), "page": page})


# ---------------------------------------------------------------------------
# Regulators: queue, review, dashboard
# ---------------------------------------------------------------------------


def _empty_rows() -> list[dict[str, Any]]:
    return [{"problem": "", "field": "", "violation": False} for _ in range(FREE_PROBLEM_ROWS)]


def _review_context(request: Request, page: review.ReviewPage, **extra: Any) -> dict[str, Any]:
    values = {
        **_helpers(request),
        "page": page,
        "errors": {},
        "ticked": set(),
        "violations": set(),
        "free": _empty_rows(),
        "deadline": (today() + timedelta(days=DEFAULT_FEEDBACK_DAYS)).isoformat(),
        "section_sent": {},
    }
    values.update(extra)
    return values


async def review_page(request: Request) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        page = await review.review_page(session, actor, report_id=request.path_params["report_id"])
    return render(request, "reports/review.html", _review_context(request, page))


async def issue_feedback(request: Request) -> Response:
    """One feedback form: the findings ticked and the problems written, each possibly a violation."""
    actor = await actor_of(request)
    report_id = request.path_params["report_id"]
    sent = forms.feedback_form(await request.form())
    written = [item for _row, item in sent.written]
    problems: list[FieldError] = []
    refusal: ValidationFailed | Conflict | None = None
    if sent.deadline is None:  # no date to give the use case: the form's other problems come with it
        problems = sent.errors + sent.named_by_row(
            rules.feedback_errors(written, None, on=today(), picked=len(sent.findings))
        )
    else:
        try:
            async with db_of(request).transaction() as session:
                await reviewing.issue_feedback(
                    session,
                    actor,
                    report_id=report_id,
                    items=written,
                    deadline=sent.deadline,
                    findings=sent.findings,
                    violations=sent.violations,
                    locale=request_locale(request),
                )
        except (ValidationFailed, Conflict) as error:
            problems, refusal = sent.named_by_row(error.errors), error
    if problems:
        async with db_of(request).read() as session:
            page = await review.review_page(session, actor, report_id=report_id)
        return render(
            request,
            "reports/review.html",
            _review_context(
                request,
                page,
                errors=field_errors(problems),
                ticked=sent.findings,
                violations=sent.violations,
                free=sent.rows or _empty_rows(),
                deadline=sent.deadline_text,
            ),
            status_code=409 if isinstance(refusal, Conflict) else 400,
        )
    return redirect(f"/review/{report_id}?done=feedback")


async def accept(request: Request) -> Response:
    actor = await actor_of(request)
    report_id = request.path_params["report_id"]
    try:
        async with db_of(request).transaction() as session:
            await reviewing.accept_report(session, actor, report_id=report_id)
    except Conflict as error:
        async with db_of(request).read() as session:
            page = await review.review_page(session, actor, report_id=report_id)
        return render(
            request,
            "reports/review.html",
            _review_context(request, page, errors=field_errors(error.errors)),
            status_code=409,
        )
    return redirect(f"/review/{report_id}?done=accept")


def _section_of(request: Request) -> str:
    return str(request.path_params["section"])[:40]


async def _section_refused(
    request: Request, report_id: int, section: str, error: ValidationFailed | Conflict, sent: dict[str, Any]
) -> Response:
    """The review page again with the refusal beside the section's form (``problem_<section>``)."""
    actor = await actor_of(request)
    problems = [
        FieldError(f"problem_{section}", e.code, e.message, e.params)
        if (e.field or "").startswith("items[")
        else e
        for e in error.errors
    ]
    async with db_of(request).read() as session:
        page = await review.review_page(session, actor, report_id=report_id)
    return render(
        request,
        "reports/review.html",
        _review_context(request, page, errors=field_errors(problems), section_sent={section: sent}),
        status_code=409 if isinstance(error, Conflict) else 400,
    )


async def clear_section(request: Request) -> Response:
    """A department clears a section it checks (PT §5)."""
    actor = await actor_of(request)
    report_id, section = request.path_params["report_id"], _section_of(request)
    try:
        async with db_of(request).transaction() as session:
            done = await reviewing.clear_section(session, actor, report_id=report_id, section=section)
    except (ValidationFailed, Conflict) as error:
        return await _section_refused(request, report_id, section, error, {})
    return redirect(f"/review/{report_id}?done={'issued' if done.form else 'cleared'}#departments")


async def record_section_problem(request: Request) -> Response:
    """A department records a problem in a section it checks; it waits for the one feedback form."""
    actor = await actor_of(request)
    report_id, section = request.path_params["report_id"], _section_of(request)
    form = await request.form()
    problem, violation = str(form.get("problem", "")), form.get("violation") == "true"
    sent = {"problem": problem, "violation": violation}
    item = FeedbackItemInput(problem=problem, is_violation=violation)
    try:
        async with db_of(request).transaction() as session:
            done = await reviewing.record_section_problems(
                session, actor, report_id=report_id, section=section, items=[item]
            )
    except (ValidationFailed, Conflict) as error:
        return await _section_refused(request, report_id, section, error, sent)
    return redirect(f"/review/{report_id}?done={'issued' if done.form else 'problems'}#departments")


URGE_MESSAGES = {
    "told": N_("{unit} was reminded of its overdue report: {count} people told, in the portal and by mail."),
    "already": N_("{unit} was already reminded of this report today."),
    "nobody": N_("{unit} has no account to tell: remind it by telephone or letter."),
    "not_overdue": N_("This report is not overdue: there is nothing to remind the unit of."),
    "submitted": N_("The unit has submitted this report."),
    "invalid": N_("The reminder names no report of this permit."),
}


async def urge(request: Request) -> Response:
    """催报 from the overdue list: one click tells the unit and its agency, then back to the list."""
    actor = await actor_of(request)
    form = await request.form()
    number, kind, period = (str(form.get(name, ""))[:40] for name in ("permit_number", "kind", "period"))
    back = {"kind": kind[:16], "period": period[:8], **list_filters.from_params(form).query()}  # type: ignore[arg-type]
    page = page_number(str(form.get("page", "")))
    if page > 1:  # back to the page of the list the reminder was sent from, not its first
        back["page"] = str(page)
    try:
        async with db_of(request).transaction() as session:
            urged = await urge_report(session, actor, permit_number=number, kind=kind, period=period)
    except Conflict as error:
        outcome = error.code if error.code in URGE_MESSAGES else "invalid"
        return redirect(
            f"/review/dashboard?{urlencode({**back, 'urged': outcome, 'permit': number})}#overdue"
        )
    except ValidationFailed:
        return redirect(
            f"/review/dashboard?{urlencode({**back, 'urged': 'invalid', 'permit': number})}#overdue"
        )
    outcome = "already" if urged.already_today else ("told" if urged.told else "nobody")
    query = {**back, "urged": outcome, "permit": number, "count": str(urged.told)}
    return redirect(f"/review/dashboard?{urlencode(query)}#overdue")


def _urge_notice(request: Request, overdue: list[Any]) -> str | None:
    """The outcome of the last reminder, in words, naming the unit."""
    outcome = request.query_params.get("urged", "")
    if outcome not in URGE_MESSAGES:
        return None
    number = request.query_params.get("permit", "")
    unit = next((o.enterprise_name for o in overdue if o.permit.number == number), number[:40])
    count = request.query_params.get("count", "0")
    gettext = translations_for(request_locale(request)).gettext
    return gettext(URGE_MESSAGES[outcome]).format(unit=unit, count=count if count.isdigit() else "0")


async def dashboard_page(request: Request) -> Response:
    actor = await actor_of(request)
    kind = request.query_params.get("kind", "quarterly")[:16]
    period = request.query_params.get("period", "")[:8]
    page = page_number(request.query_params.get("page"))
    errors: dict[str, list[FieldError]] = {}
    filters = list_filters.from_params(request.query_params)
    try:
        statistics.check_overdue_filter(filters)
    except ValidationFailed as error:
        errors = field_errors(error.errors)
        filters = list_filters.without_errors(filters, error.errors)
    async with db_of(request).read() as session:
        try:
            found = await statistics.dashboard(
                session, actor, kind=kind, period=period, filters=filters, page=page
            )
        except ValidationFailed as error:
            errors = {**errors, **field_errors(error.errors)}
            found = await statistics.dashboard(
                session, actor, kind=kind, period=None, filters=filters, page=page
            )
        quality = await quality_half_today(session, actor)
    locale = request_locale(request)
    gettext = translations_for(locale).gettext
    helpers = _helpers(request)
    chart = {
        "labels": {
            "submission": gettext(N_("Submission rate")),
            "on_time": gettext(N_("On-time rate")),
            "target": gettext(N_("Target: 100 %")),
        },
        "region": [
            {
                "group": region_name(r.group, locale),
                "submission": r.submission_rate,
                "on_time": r.on_time_rate,
            }
            for r in found.by_region
        ],
        "industry": [
            {
                "group": f"{r.group} {industry_name(r.group, locale)}",
                "submission": r.submission_rate,
                "on_time": r.on_time_rate,
            }
            for r in found.by_industry
        ],
        "series": [
            {"group": p.period, "submission": p.submission_rate, "on_time": p.on_time_rate}
            for p in found.series
        ],
    }
    counted = found.counted_at
    return render(
        request,
        "reports/dashboard.html",
        {
            **helpers,
            "d": found,
            # The rates' age: the worker keeps the rollup they come from (docs/statistics.md).
            "counted_text": in_china(counted).strftime("%Y-%m-%d %H:%M") if counted else None,
            "counted_minutes": max(0, int((utcnow() - as_utc(counted)).total_seconds() // 60))
            if counted
            else None,
            "quality": quality,
            "errors": errors,
            **overdue_filters(request, actor, filters, kind=found.kind, period=found.period.label),
            "urge_notice": _urge_notice(request, found.overdue),
            "period_input": period or found.period.label,
            "kinds": tuple(REPORT_KIND_LABELS),
            "today": today(),
            # Inside <script type="application/json">: "</" must not close the element.
            "chart_json": json.dumps(chart, ensure_ascii=False).replace("</", "<\\/"),
        },
    )


# ---------------------------------------------------------------------------
# The public
# ---------------------------------------------------------------------------


async def public_page(request: Request) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        found = await public.public_annual_reports(
            session, actor, permit_number=request.path_params["permit_number"]
        )
    return render(request, "reports/public.html", {**_helpers(request), "p": found})


routes = [
    Route("/reports", schedule_page, methods=["GET"], name="report_schedule"),
    Route("/reports/id/{report_id:int}", report_page, methods=["GET"], name="report_page"),
    Route("/reports/id/{report_id:int}/verify", verify_page, methods=["GET"], name="report_verify"),
    Route("/reports/feedback/{form_id:int}/respond", respond, methods=["POST"], name="report_respond"),
    Route("/reports/{permit_number}/{kind}/{period}", editor_page, methods=["GET"], name="report_editor"),
    Route("/reports/{permit_number}/{kind}/{period}/save", save, methods=["POST"], name="report_save"),
    Route("/reports/{permit_number}/{kind}/{period}/check", check, methods=["POST"], name="report_check"),
    Route("/reports/{permit_number}/{kind}/{period}/submit", submit, methods=["POST"], name="report_submit"),
    Route("/receipts/{receipt_number}.pdf", receipt_pdf, methods=["GET"], name="report_receipt_pdf"),
    Route("/receipts/{receipt_number}", receipt_page, methods=["GET"], name="report_receipt"),
    Route("/review/dashboard", dashboard_page, methods=["GET"], name="review_dashboard"),
    Route("/review/dashboard/urge", urge, methods=["POST"], name="review_urge"),
    Route("/review/{report_id:int}", review_page, methods=["GET"], name="review_report"),
    Route("/review/{report_id:int}/feedback", issue_feedback, methods=["POST"], name="review_feedback"),
    Route("/review/{report_id:int}/accept", accept, methods=["POST"], name="review_accept"),
    Route(
        "/review/{report_id:int}/sections/{section}/clear",
        clear_section,
        methods=["POST"],
        name="review_clear_section",
    ),
    Route(
        "/review/{report_id:int}/sections/{section}/problems",
        record_section_problem,
        methods=["POST"],
        name="review_section_problem",
    ),
    Route("/public/reports/{permit_number}", public_page, methods=["GET"], name="public_reports"),
]
