"""Execution-report pages (执行报告): the unit's schedule and draft editor, receipts, the report and its
chain, the regulators' queue, review and filing dashboard, and the public annual reports.

Every endpoint parses its input, calls one use case of ``domain.reports`` and renders.
"""

from __future__ import annotations

import json
import re
import secrets
from datetime import date, datetime, timedelta
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.clock import CHINA, today
from domain.enterprises.rules import industry_name
from domain.errors import N_, Conflict, FieldError, ValidationFailed
from domain.i18n import translations_for
from domain.permits.reference import REPORT_KIND_LABELS, pollutant_name
from domain.regions import region_name
from domain.reports import rules, service, views
from domain.reports.filing import desk_for
from domain.reports.service import FeedbackItemInput, Filing
from portal.responses import actor_of, db_of, is_htmx, redirect, render
from portal.templating import field_errors
from web.request_context import request_locale

QUEUE_PAGE_SIZE = 50
FREE_PROBLEM_ROWS = 3
MAX_FREE_PROBLEM_ROWS = 50
DEFAULT_FEEDBACK_DAYS = 15
# A large plant's report has hundreds of rows of ten inputs each: more than Starlette's default 1000 fields.
MAX_FORM_FIELDS = 40_000
DONE_MESSAGES = {
    "saved": N_("Draft saved."),
    "respond": N_("Your explanation was sent to the regulator."),
    "feedback": N_("The report was returned with one feedback form; the unit is told at once."),
    "accept": N_("The report was accepted and is closed."),
}
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9]+")


# ---------------------------------------------------------------------------
# Helpers for the templates and for reading forms
# ---------------------------------------------------------------------------


def _number(value: Any) -> str:
    """18.2 -> "18.2", 12.0 -> "12", a value that is not a number stays as typed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".")
    return str(value)


def _report_time(value: Any) -> str:
    """A time inside report content: ISO times with a zone read in China time; anything else as typed."""
    if not isinstance(value, str) or not value:
        return "" if value is None else str(value)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        return value
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def _labelled(request: Request, table: dict[str, str]) -> Any:
    gettext = translations_for(request_locale(request)).gettext
    return lambda key: gettext(table[key]) if key in table else str(key or "")


def schedule_labels(request: Request) -> dict[str, Any]:
    """What a page showing report periods needs to name their kinds and states (the permit page too)."""
    return {
        "kind_label": _labelled(request, REPORT_KIND_LABELS),
        "state_label": _labelled(request, views.STATE_LABELS),
    }


def _helpers(request: Request) -> dict[str, Any]:
    locale = request_locale(request)
    gettext = translations_for(locale).gettext

    done = DONE_MESSAGES.get(request.query_params.get("done", ""))

    def labelled(table: dict[str, str]) -> Any:
        return _labelled(request, table)

    return {
        **schedule_labels(request),
        "method_label": labelled(views.METHOD_LABELS),
        "section_label": labelled(views.SECTION_LABELS),
        "column_label": labelled(views.FIELD_LABELS),
        "severity_label": labelled(views.SEVERITY_LABELS),
        "num": _number,
        "report_time": _report_time,
        "fid": lambda path: "f-" + _ID_UNSAFE.sub("-", path).strip("-"),
        "pct": lambda rate: f"{rate * 100:.1f} %",
        "pollutant_name": lambda code: pollutant_name(str(code or ""), locale),
        "unit_label": lambda unit: views.unit_label(str(unit or "")),
        "rule_code": lambda finding: getattr(finding, "rule_code", None) or getattr(finding, "code", ""),
        "list_sections": views.LIST_SECTIONS,
        "dict_sections": views.DICT_SECTIONS,
        "boolean_fields": views.BOOLEAN_FIELDS,
        "number_fields": views.NUMBER_FIELDS,
        "long_text_fields": views.LONG_TEXT_FIELDS,
        "methods": views.METHODS,
        "done_message": gettext(done) if done else None,
    }


def _path(request: Request) -> tuple[str, str, str]:
    params = request.path_params
    return str(params["permit_number"]).upper(), str(params["kind"]), str(params["period"])


def _base(permit_number: str, kind: str, period: str) -> str:
    return f"/reports/{permit_number}/{kind}/{period}"


def _editor_context(
    request: Request,
    page: views.EditorPage,
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
        "findings_at": views.findings_by_field(page.findings or []),
        "idempotency_key": key or secrets.token_urlsafe(24),
        "add": add if add in views.LIST_SECTIONS else None,
        "saved": request.query_params.get("saved"),
    }


def _carried_key(form: FormData) -> str | None:
    """The filing key the form carries, drawn again with the editor; one the domain would refuse is
    replaced by a fresh one."""
    key = str(form.get("idempotency_key", "")).strip()
    return key if 0 < len(key) <= rules.IDEMPOTENCY_KEY_MAX else None


def _form_content(form: FormData, kind: str) -> tuple[dict[str, Any], list[FieldError]]:
    return views.content_from_form(kind, ((k, str(v)) for k, v in form.multi_items()))


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
            page = await views.editor_page(
                session,
                actor,
                permit_number=permit_number,
                kind=kind,
                period=period,
                content=content,
                check=check and not errors,
            )
        except ValidationFailed as error:  # the content's shape: shown next to the fields, not checked
            page = await views.editor_page(
                session, actor, permit_number=permit_number, kind=kind, period=period, content=content
            )
            errors = [*errors, *error.errors]
            status_code = 200 if is_htmx(request) else 400
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


async def schedule(request: Request) -> Response:
    actor = await actor_of(request)
    elsewhere = views.landing(actor)
    if elsewhere:
        return redirect(elsewhere)
    async with db_of(request).read() as session:
        schedules = await views.my_schedules(session, actor)
    return render(request, "reports/schedule.html", {**_helpers(request), "schedules": schedules})


async def editor(request: Request) -> Response:
    actor = await actor_of(request)
    permit_number, kind, period = _path(request)
    async with db_of(request).read() as session:
        page = await views.editor_page(session, actor, permit_number=permit_number, kind=kind, period=period)
    return render(
        request, "reports/editor.html", _editor_context(request, page, add=request.query_params.get("add"))
    )


async def save(request: Request) -> Response:
    """Autosave (htmx: answers with the save status) and the plain "save draft" button."""
    actor = await actor_of(request)
    permit_number, kind, period = _path(request)
    form = await request.form(max_fields=MAX_FORM_FIELDS)
    content, errors = _form_content(form, kind)
    saved_at = None
    if not errors:
        try:
            async with db_of(request).transaction() as session:
                report = await service.save_draft(
                    session, actor, permit_number=permit_number, kind=kind, period=period, content=content
                )
                saved_at = report.draft_saved_at
        except (ValidationFailed, Conflict) as error:
            errors = error.errors
    if is_htmx(request):
        return render(
            request,
            "reports/_save_status.html",
            {**_helpers(request), "saved_at": saved_at, "errors": errors},
        )
    if errors:
        return await _editor_with(request, content, errors, key=_carried_key(form), status_code=400)
    add = str(form.get("_add", ""))
    suffix = f"&add={add}#section-{add}" if add in views.LIST_SECTIONS else ""
    return redirect(f"{_base(permit_number, kind, period)}?saved=1{suffix}")


async def check(request: Request) -> Response:
    """Run the audit rules on what is in the form; findings appear next to the fields they fault."""
    _permit_number, kind, _period = _path(request)
    form = await request.form(max_fields=MAX_FORM_FIELDS)
    content, errors = _form_content(form, kind)
    return await _editor_with(request, content, errors, key=_carried_key(form), check=True)


CARRIED_FIELDS = ("csrf_token", "idempotency_key", "confirmed", "_add")


async def submit(request: Request) -> Response:
    """File the report, once confirmed. Without ``confirmed`` the answer is the confirmation step (a page,
    or the editor's place for htmx): what will be filed, its errors and warnings, that it stays. The key
    was minted when the editor was drawn and travels through the confirmation: the same form sent twice
    files once."""
    actor = await actor_of(request)
    permit_number, kind, period = _path(request)
    form = await request.form(max_fields=MAX_FORM_FIELDS)
    content, errors = _form_content(form, kind)
    key = str(form.get("idempotency_key", ""))  # whole: a key the domain refuses is named, never cut
    if errors:
        return await _editor_with(request, content, errors, key=_carried_key(form), status_code=400)
    if form.get("confirmed") != "1":
        return await _confirmation(request, form, content, key)
    try:
        result = await desk_for(db_of(request)).file(
            Filing(actor, permit_number, kind, period, content, idempotency_key=key)
        )
        receipt = result.submission.receipt_number
        replayed = result.replayed
    except (ValidationFailed, Conflict) as error:
        # A key already used for another filing is spent: the editor comes back with a fresh one.
        reused = error.code == "idempotency_key_reused"
        return await _editor_with(
            request,
            content,
            error.errors,
            key=None if reused else _carried_key(form),
            status_code=409 if isinstance(error, Conflict) else 400,
        )
    return redirect(f"/receipts/{receipt}" + ("?replayed=1" if replayed else ""))


async def _confirmation(request: Request, form: FormData, content: dict[str, Any], key: str) -> Response:
    actor = await actor_of(request)
    permit_number, kind, period = _path(request)
    try:
        async with db_of(request).read() as session:
            page = await views.confirm_page(
                session, actor, permit_number=permit_number, kind=kind, period=period, content=content
            )
    except (ValidationFailed, Conflict) as error:
        status = 409 if isinstance(error, Conflict) else 400
        return await _editor_with(
            request, content, error.errors, key=key or None, status_code=200 if is_htmx(request) else status
        )
    return render(
        request,
        "reports/confirm.html",
        {
            **_helpers(request),
            "page": page,
            "base": _base(page.permit.number or "", kind, page.period.label),
            "carried": [(k, str(v)) for k, v in form.multi_items() if k not in CARRIED_FIELDS],
            "idempotency_key": key or secrets.token_urlsafe(24),
        },
        fragment="reports/_confirm.html",
    )


async def receipt(request: Request) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        found = await views.receipt_page(session, actor, receipt_number=request.path_params["receipt_number"])
    return render(
        request,
        "reports/receipt.html",
        {**_helpers(request), "r": found, "replayed": request.query_params.get("replayed")},
    )


# ---------------------------------------------------------------------------
# One report: submissions, findings, feedback; the chain
# ---------------------------------------------------------------------------


def _version(raw: str | None) -> int | None:
    try:
        return max(1, min(int(raw or ""), 100_000))
    except ValueError:
        return None


async def report(request: Request) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        page = await views.report_page(
            session,
            actor,
            report_id=request.path_params["report_id"],
            version=_version(request.query_params.get("version")),
        )
    return render(request, "reports/report.html", {**_helpers(request), "page": page, "errors": {}})


async def respond(request: Request) -> Response:
    """The unit answers a feedback form with an explanation (it may also resubmit)."""
    actor = await actor_of(request)
    form = await request.form()
    response_text = str(form.get("response", ""))[:5000]
    form_id = request.path_params["form_id"]
    try:
        async with db_of(request).transaction() as session:
            answered = await service.respond_to_feedback(
                session, actor, form_id=form_id, response=response_text
            )
            report_id = answered.report_id
    except (ValidationFailed, Conflict) as error:
        try:
            report_id = int(str(form.get("report_id", "")))
        except ValueError:
            raise error from None
        async with db_of(request).read() as session:
            page = await views.report_page(session, actor, report_id=report_id)
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


async def verify(request: Request) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        page = await views.verify_page(session, actor, report_id=request.path_params["report_id"])
    return render(request, "reports/verify.html", {**_helpers(request), "page": page})


# ---------------------------------------------------------------------------
# Regulators: queue, review, dashboard
# ---------------------------------------------------------------------------


def _page_number(raw: str | None) -> int:
    try:
        return max(1, min(int(raw or 1), 100_000))
    except ValueError:
        return 1


async def queue(request: Request) -> Response:
    actor = await actor_of(request)
    page_number = _page_number(request.query_params.get("page"))
    async with db_of(request).read() as session:
        found = await views.review_queue_page(
            session,
            actor,
            state=request.query_params.get("state", "submitted")[:16],
            first=QUEUE_PAGE_SIZE,
            offset=(page_number - 1) * QUEUE_PAGE_SIZE,
        )
    return render(
        request,
        "reports/queue.html",
        {
            **_helpers(request),
            "queue": found,
            "states": views.REVIEW_STATES,
            "page_number": page_number,
            "last_page": max(1, -(-found.total // QUEUE_PAGE_SIZE)),
        },
    )


def _review_context(request: Request, page: views.ReviewPage, **extra: Any) -> dict[str, Any]:
    values = {
        **_helpers(request),
        "page": page,
        "errors": {},
        "ticked": set(),
        "violations": set(),
        "free": [{"problem": "", "field": "", "violation": False} for _ in range(FREE_PROBLEM_ROWS)],
        "deadline": (today() + timedelta(days=DEFAULT_FEEDBACK_DAYS)).isoformat(),
    }
    values.update(extra)
    return values


async def review_report(request: Request) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        page = await views.review_page(session, actor, report_id=request.path_params["report_id"])
    return render(request, "reports/review.html", _review_context(request, page))


def _ids(form: FormData, name: str) -> set[int]:
    found = set()
    for value in form.getlist(name)[:500]:
        try:
            found.add(int(str(value)))
        except ValueError:
            continue
    return found


async def issue_feedback(request: Request) -> Response:
    """One feedback form: the findings ticked and the problems written, each possibly a violation."""
    actor = await actor_of(request)
    report_id = request.path_params["report_id"]
    form = await request.form()
    ticked, violations = _ids(form, "finding"), _ids(form, "finding_violation")
    free = []
    for index in range(MAX_FREE_PROBLEM_ROWS):
        if f"problem_{index}" not in form:
            break
        free.append(
            {
                "problem": str(form.get(f"problem_{index}", ""))[:2000],
                "field": str(form.get(f"problem_field_{index}", ""))[:40],
                "violation": form.get(f"problem_violation_{index}") == "true",
            }
        )
    raw_deadline = str(form.get("deadline", ""))[:20].strip()
    problems: list[FieldError] = []
    try:
        deadline = date.fromisoformat(raw_deadline)
    except ValueError:
        deadline = None
        problems.append(FieldError("deadline", "date", N_("Expected a date as YYYY-MM-DD.")))
    if not problems:
        assert deadline is not None
        try:
            async with db_of(request).transaction() as session:
                await views.return_report(
                    session,
                    actor,
                    report_id=report_id,
                    finding_ids=ticked,
                    violation_finding_ids=violations,
                    free_problems=[
                        FeedbackItemInput(
                            problem=row["problem"],
                            field=f"content.{row['field']}" if row["field"] in views.SECTION_LABELS else "",
                            is_violation=row["violation"],
                        )
                        for row in free
                    ],
                    deadline=deadline,
                    locale=request_locale(request),
                )
        except (ValidationFailed, Conflict) as error:
            problems = error.errors
    if problems:
        async with db_of(request).read() as session:
            page = await views.review_page(session, actor, report_id=report_id)
        return render(
            request,
            "reports/review.html",
            _review_context(
                request,
                page,
                errors=field_errors(problems),
                ticked=ticked,
                violations=violations,
                free=free or _review_context(request, page)["free"],
                deadline=raw_deadline,
            ),
            status_code=400,
        )
    return redirect(f"/review/{report_id}?done=feedback")


async def accept(request: Request) -> Response:
    actor = await actor_of(request)
    report_id = request.path_params["report_id"]
    try:
        async with db_of(request).transaction() as session:
            await service.accept_report(session, actor, report_id=report_id)
    except Conflict as error:
        async with db_of(request).read() as session:
            page = await views.review_page(session, actor, report_id=report_id)
        return render(
            request,
            "reports/review.html",
            _review_context(request, page, errors=field_errors(error.errors)),
            status_code=409,
        )
    return redirect(f"/review/{report_id}?done=accept")


async def filing_dashboard(request: Request) -> Response:
    actor = await actor_of(request)
    kind = request.query_params.get("kind", "quarterly")[:16]
    period = request.query_params.get("period", "")[:8]
    errors: dict[str, list[FieldError]] = {}
    async with db_of(request).read() as session:
        try:
            found = await views.dashboard(session, actor, kind=kind, period=period)
        except ValidationFailed as error:
            errors = field_errors(error.errors)
            found = await views.dashboard(session, actor, kind=kind, period=None)
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
    return render(
        request,
        "reports/dashboard.html",
        {
            **helpers,
            "d": found,
            "errors": errors,
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


async def public_reports(request: Request) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        found = await views.public_annual_reports(
            session, actor, permit_number=request.path_params["permit_number"]
        )
    return render(request, "reports/public.html", {**_helpers(request), "p": found})


routes = [
    Route("/reports", schedule, methods=["GET"], name="report_schedule"),
    Route("/reports/id/{report_id:int}", report, methods=["GET"], name="report_page"),
    Route("/reports/id/{report_id:int}/verify", verify, methods=["GET"], name="report_verify"),
    Route("/reports/feedback/{form_id:int}/respond", respond, methods=["POST"], name="report_respond"),
    Route("/reports/{permit_number}/{kind}/{period}", editor, methods=["GET"], name="report_editor"),
    Route("/reports/{permit_number}/{kind}/{period}/save", save, methods=["POST"], name="report_save"),
    Route("/reports/{permit_number}/{kind}/{period}/check", check, methods=["POST"], name="report_check"),
    Route("/reports/{permit_number}/{kind}/{period}/submit", submit, methods=["POST"], name="report_submit"),
    Route("/receipts/{receipt_number}", receipt, methods=["GET"], name="report_receipt"),
    Route("/review", queue, methods=["GET"], name="review_queue"),
    Route("/review/dashboard", filing_dashboard, methods=["GET"], name="review_dashboard"),
    Route("/review/{report_id:int}", review_report, methods=["GET"], name="review_report"),
    Route("/review/{report_id:int}/feedback", issue_feedback, methods=["POST"], name="review_feedback"),
    Route("/review/{report_id:int}/accept", accept, methods=["POST"], name="review_accept"),
    Route("/public/reports/{permit_number}", public_reports, methods=["GET"], name="public_reports"),
]
