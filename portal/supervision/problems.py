"""Problems and rectification pages (docs/supervision.md, "Problems and rectification").

Regulators: the problem list with filters, the "clear to zero" board, a problem page with its whole
history and the verify / re-check / close / reopen forms, a form to raise a problem from an audit finding,
a feedback item or an exceedance, or by hand. The unit (and its agency): "my rectification items", what is
due first, and the progress form with figures and files. Each post parses its form and calls one use case."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.bounds import parse_id
from domain.clock import today
from domain.errors import N_, Conflict, FieldError, NotFound, ValidationFailed, reporting
from domain.i18n import translations_for
from domain.supervision.departments import DEPARTMENTS, department_label
from domain.supervision.problems import intake, queries, rules, service
from domain.supervision.problems.rules import (
    AttachmentInput,
    Figure,
    ProgressInput,
    RectificationInput,
)
from portal.forms import parse_day, parse_number
from portal.responses import actor_of, db_of, file_download, redirect, render
from portal.templating import field_errors
from web.request_context import request_locale

PAGE_SIZE = 30
MAX_FIGURE_ROWS = rules.MAX_FIGURES
DEFAULT_DEADLINE_DAYS = 30
DONE = {
    "raised": N_("The problem was recorded; the owning department and the unit are told."),
    "required": N_("Rectification required; the unit is told."),
    "progress": N_("Your progress report was sent to the department."),
    "verification": N_("The verification was recorded; the unit is told."),
    "recheck": N_("The re-check was recorded; the unit is told."),
    "closure": N_("The rectification item is closed (销号); the unit is told."),
    "reopening": N_("The rectification item is reopened with a new deadline; the unit is told."),
    "dismissed": N_("The problem was dismissed as unfounded; the department and the unit are told."),
}


def _labels(request: Request) -> dict[str, Any]:
    locale = request_locale(request)
    gettext = translations_for(locale).gettext

    def labelled(table: dict[str, str]) -> Any:
        return lambda key: gettext(table[key]) if key in table else str(key or "")

    done = DONE.get(request.query_params.get("done", ""))
    return {
        "source_label": labelled(rules.SOURCE_LABELS),
        "state_label": labelled(rules.STATE_LABELS),
        "step_label": labelled(rules.STEP_LABELS),
        "method_label": labelled(rules.METHOD_LABELS),
        "outcome_label": labelled(rules.OUTCOME_LABELS),
        "department_label": lambda role: department_label(role, locale) if role else "",
        "departments": [d.value for d in DEPARTMENTS],
        "source_kinds": rules.SOURCE_KINDS,
        "hand_sources": intake.HAND_SOURCES,
        "methods": rules.VERIFY_METHODS,
        "outcomes": rules.OUTCOMES,
        "today": today(),
        "done_message": gettext(done) if done else None,
    }


def _page_number(raw: str | None) -> int:
    number = parse_id(raw or "1")
    return max(1, min(number or 1, 100_000))


def _text(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


# ---------------------------------------------------------------------------
# Lists and the board
# ---------------------------------------------------------------------------


async def list_page(request: Request) -> Response:
    """Regulators' problem list (a unit's people are sent to their rectification items)."""
    actor = await actor_of(request)
    if actor.is_unit_side:
        return redirect("/supervision/rectification")
    params = request.query_params
    filters: dict[str, Any] = {
        "state": params.get("state", "unclosed")[:16],
        "department": params.get("department", "")[:32],
        "source_kind": params.get("source_kind", "")[:16],
        "overdue": params.get("overdue") == "1",
        "enterprise": params.get("enterprise", "")[:100],
    }
    page_number = _page_number(params.get("page"))
    errors: list[FieldError] = []
    async with db_of(request).read() as session:
        try:
            found = await queries.problems(
                session, actor, **filters, first=PAGE_SIZE, offset=(page_number - 1) * PAGE_SIZE
            )
        except ValidationFailed as error:
            errors = error.errors
            found = await queries.problems(session, actor, first=PAGE_SIZE)
    return render(
        request,
        "supervision/problems/list.html",
        {
            **_labels(request),
            "found": found,
            "filters": filters,
            "errors": field_errors(errors),
            "states": queries.LIST_STATES,
            "page_number": page_number,
            "last_page": max(1, -(-found.total // PAGE_SIZE)),
        },
        status_code=400 if errors else 200,
    )


async def my_items_page(request: Request) -> Response:
    """The unit's (or its agency's) rectification items, what is due first."""
    actor = await actor_of(request)
    include_closed = request.query_params.get("closed") == "1"
    page_number = _page_number(request.query_params.get("page"))
    async with db_of(request).read() as session:
        found = await queries.rectification_items(
            session,
            actor,
            include_closed=include_closed,
            first=PAGE_SIZE,
            offset=(page_number - 1) * PAGE_SIZE,
        )
    return render(
        request,
        "supervision/problems/my_items.html",
        {
            **_labels(request),
            "found": found,
            "include_closed": include_closed,
            "page_number": page_number,
            "last_page": max(1, -(-found.total // PAGE_SIZE)),
        },
    )


async def board_page(request: Request) -> Response:
    actor = await actor_of(request)
    by = request.query_params.get("by", "region")[:16]
    if by not in queries.BOARD_DIMENSIONS:
        by = "region"
    async with db_of(request).read() as session:
        board = await queries.board(session, actor, by=by, locale=request_locale(request))
    return render(
        request,
        "supervision/problems/board.html",
        {**_labels(request), "board": board, "dimensions": queries.BOARD_DIMENSIONS},
    )


# ---------------------------------------------------------------------------
# Raising a problem
# ---------------------------------------------------------------------------


def _rectification(
    form: FormData, problems: list[FieldError], prefix: str = "rectification."
) -> RectificationInput | None:
    """The rectification fields of a form; None when the regulator left them all blank (no order yet)."""
    measures = _text(form, f"{prefix}measures")
    person = _text(form, f"{prefix}responsible_person")
    deadline_text = _text(form, f"{prefix}deadline")
    if prefix and not (measures.strip() or person.strip() or deadline_text.strip()):
        return None
    return RectificationInput(
        measures=measures,
        deadline=parse_day(deadline_text, f"{prefix}deadline", problems),
        responsible_person=person,
    )


def _wording(form: FormData, problems: list[FieldError]) -> intake.Wording:
    return intake.Wording(
        title=_text(form, "title"),
        description=_text(form, "description"),
        legal_basis=_text(form, "legal_basis"),
        evidence=_text(form, "evidence"),
        department=_text(form, "department"),
        outlet_code=_text(form, "outlet_code"),
        rectification=_rectification(form, problems),
    )


def _values_of(draft: intake.Draft | None, actor_role: str | None) -> dict[str, str]:
    data = draft.data if draft else None
    return {
        "title": data.title if data else "",
        "description": data.description if data else "",
        "legal_basis": data.legal_basis if data else "",
        "evidence": data.evidence if data else "",
        "department": data.department if data else (actor_role or "ecology"),
        "outlet_code": (data.outlet_code or "") if data else "",
        "rectification.measures": "",
        "rectification.deadline": (today() + timedelta(days=DEFAULT_DEADLINE_DAYS)).isoformat(),
        "rectification.responsible_person": "",
        "credit_code": "",
        "permit_number": "",
        "source_kind": "manual",
    }


async def new_page(request: Request) -> Response:
    """The form to raise a problem: from a source record (``?source=…&id=…``), or by hand."""
    actor = await actor_of(request)
    source = request.query_params.get("source", "manual")[:16]
    record_id = parse_id(request.query_params.get("id", ""))
    draft = None
    already = None
    if source in intake.RECORD_SOURCES:
        if record_id is None:
            raise NotFound(N_("No such record."))
        async with db_of(request).read() as session:
            draft = await intake.draft(
                session, actor, source_kind=source, source_id=record_id, locale=request_locale(request)
            )
            already = await intake.existing(
                session, source_kind=draft.data.source_kind, source_ref=draft.data.source_ref
            )
        if already is not None:
            return redirect(f"/supervision/problems/{already.id}")
    else:
        source = "manual"
    return _new_form(
        request, source, record_id, draft, _values_of(draft, actor.role.value if actor.role else None)
    )


def _new_form(
    request: Request,
    source: str,
    record_id: int | None,
    draft: intake.Draft | None,
    values: dict[str, str],
    errors: list[FieldError] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "supervision/problems/new.html",
        {
            **_labels(request),
            "source": source,
            "record_id": record_id,
            "draft": draft,
            "values": values,
            "request_key": _text_or(values.get("request_key"), secrets.token_urlsafe(16)),
            "errors": field_errors(errors or []),
        },
        status_code=status_code,
    )


def _text_or(value: str | None, fallback: str) -> str:
    return value if value else fallback


async def create(request: Request) -> Response:
    actor = await actor_of(request)
    form = await request.form()
    source = _text(form, "source")[:16]
    record_id = parse_id(_text(form, "record_id"))
    problems: list[FieldError] = []
    wording = _wording(form, problems)
    try:
        async with db_of(request).transaction() as session, reporting(problems):
            if source in intake.RECORD_SOURCES:
                if record_id is None:
                    raise NotFound(N_("No such record."))
                problem = await intake.raise_from_record(
                    session,
                    actor,
                    source_kind=source,
                    source_id=record_id,
                    wording=wording,
                    locale=request_locale(request),
                )
            else:
                problem = await intake.raise_by_hand(
                    session,
                    actor,
                    source_kind=_text(form, "source_kind"),
                    request_key=_text(form, "request_key"),
                    credit_code=_text(form, "credit_code"),
                    permit_number=_text(form, "permit_number"),
                    wording=wording,
                )
            problem_id = problem.id
    except (ValidationFailed, Conflict) as error:
        draft = None
        if source in intake.RECORD_SOURCES and record_id is not None:
            async with db_of(request).read() as session:
                draft = await intake.draft(
                    session, actor, source_kind=source, source_id=record_id, locale=request_locale(request)
                )
        values = {key: _text(form, key) for key in _values_of(None, None)}
        values["request_key"] = _text(form, "request_key")
        return _new_form(
            request,
            source if source in intake.RECORD_SOURCES else "manual",
            record_id,
            draft,
            values,
            error.errors,
            409 if isinstance(error, Conflict) else 400,
        )
    return redirect(f"/supervision/problems/{problem_id}?done=raised")


# ---------------------------------------------------------------------------
# One problem and its steps
# ---------------------------------------------------------------------------


async def _problem(
    request: Request,
    problem_id: int,
    *,
    errors: list[FieldError] | None = None,
    typed: dict[str, str] | None = None,
    open_form: str = "",
    status_code: int = 200,
) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        page = await queries.problem_page(session, actor, problem_id=problem_id)
    return render(
        request,
        "supervision/problems/problem.html",
        {
            **_labels(request),
            "page": page,
            "errors": field_errors(errors or []),
            "typed": typed or {},
            "open_form": open_form,
            "figure_rows": range(3),
            "default_deadline": (today() + timedelta(days=DEFAULT_DEADLINE_DAYS)).isoformat(),
        },
        status_code=status_code,
    )


async def problem_page(request: Request) -> Response:
    return await _problem(request, request.path_params["problem_id"])


async def require(request: Request) -> Response:
    """Require rectification of a problem that has none yet."""
    actor = await actor_of(request)
    problem_id = request.path_params["problem_id"]
    form = await request.form()
    problems: list[FieldError] = []
    data = _rectification(form, problems, prefix="")
    assert data is not None
    try:
        async with db_of(request).transaction() as session, reporting(problems):
            await service.require_rectification(session, actor, problem_id=problem_id, data=data)
    except (ValidationFailed, Conflict) as error:
        typed = {k: _text(form, k) for k in ("measures", "deadline", "responsible_person")}
        return await _problem(
            request,
            problem_id,
            errors=error.errors,
            typed=typed,
            open_form="require",
            status_code=_code(error),
        )
    return redirect(f"/supervision/problems/{problem_id}?done=required")


async def dismiss(request: Request) -> Response:
    """Dismiss a problem found unfounded, with the reason (only before rectification is required)."""
    actor = await actor_of(request)
    problem_id = request.path_params["problem_id"]
    form = await request.form()
    reason = _text(form, "reason")
    try:
        async with db_of(request).transaction() as session:
            await service.dismiss_problem(session, actor, problem_id=problem_id, reason=reason)
    except (ValidationFailed, Conflict) as error:
        return await _problem(
            request,
            problem_id,
            errors=error.errors,
            typed={"reason": reason},
            open_form="dismiss",
            status_code=_code(error),
        )
    return redirect(f"/supervision/problems/{problem_id}?done=dismissed")


def _code(error: ValidationFailed | Conflict) -> int:
    return 409 if isinstance(error, Conflict) else 400


async def _step(request: Request, kind: str, call: Any, fields: tuple[str, ...]) -> Response:
    """Run one regulator's or unit's step on an item; its errors go back to the problem page's form."""
    actor = await actor_of(request)
    item_id = request.path_params["item_id"]
    async with db_of(request).read() as session:
        problem_id = await queries.problem_of_item(session, actor, item_id=item_id)
    form = await request.form()
    problems: list[FieldError] = []
    try:
        async with db_of(request).transaction() as session, reporting(problems):
            await call(session, actor, item_id, form, problems)
    except (ValidationFailed, Conflict) as error:
        typed = {name: _text(form, name) for name in fields}
        return await _problem(
            request, problem_id, errors=error.errors, typed=typed, open_form=kind, status_code=_code(error)
        )
    return redirect(f"/supervision/problems/{problem_id}?done={kind}#history")


async def progress(request: Request) -> Response:
    async def call(
        session: Any, actor: Any, item_id: int, form: FormData, problems: list[FieldError]
    ) -> None:
        figures: list[Figure] = []
        for index in range(MAX_FIGURE_ROWS + 1):
            name = _text(form, f"figures[{index}].name")
            value_text = _text(form, f"figures[{index}].value")
            unit = _text(form, f"figures[{index}].unit")
            if not (name.strip() or value_text.strip() or unit.strip()):
                continue
            value = parse_number(value_text, f"figures[{len(figures)}].value", problems, example=98.5)
            figures.append(Figure(name=name, value=value, unit=unit))
        files = []
        for upload in form.getlist("attachments"):
            if isinstance(upload, UploadFile) and upload.filename:
                name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1]
                files.append(AttachmentInput(name, await upload.read(rules.MAX_ATTACHMENT_BYTES + 1)))
        data = ProgressInput(text=_text(form, "text"), figures=figures, attachments=files)
        await service.report_progress(session, actor, item_id=item_id, data=data)

    return await _step(request, "progress", call, ("text",))


async def verify(request: Request) -> Response:
    async def call(
        session: Any, actor: Any, item_id: int, form: FormData, problems: list[FieldError]
    ) -> None:
        await service.verify_rectification(
            session,
            actor,
            item_id=item_id,
            method=_text(form, "method"),
            outcome=_text(form, "outcome"),
            note=_text(form, "note"),
        )

    return await _step(request, "verification", call, ("method", "outcome", "note"))


async def recheck(request: Request) -> Response:
    async def call(
        session: Any, actor: Any, item_id: int, form: FormData, problems: list[FieldError]
    ) -> None:
        await service.recheck_rectification(
            session,
            actor,
            item_id=item_id,
            sample=_text(form, "sample"),
            outcome=_text(form, "outcome"),
            note=_text(form, "note"),
        )

    return await _step(request, "recheck", call, ("sample", "outcome", "note"))


async def close(request: Request) -> Response:
    async def call(
        session: Any, actor: Any, item_id: int, form: FormData, problems: list[FieldError]
    ) -> None:
        await service.close_rectification(session, actor, item_id=item_id, note=_text(form, "note"))

    return await _step(request, "closure", call, ("note",))


async def reopen(request: Request) -> Response:
    async def call(
        session: Any, actor: Any, item_id: int, form: FormData, problems: list[FieldError]
    ) -> None:
        await service.reopen_rectification(
            session,
            actor,
            item_id=item_id,
            reason=_text(form, "reason"),
            deadline=parse_day(_text(form, "deadline"), "deadline", problems),
        )

    return await _step(request, "reopening", call, ("reason", "deadline"))


async def attachment(request: Request) -> Response:
    """A progress report's file, to whoever may see its problem, as the unit sent it."""
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        found = await queries.attachment(session, actor, attachment_id=request.path_params["attachment_id"])
    content = queries.attachment_content(found)
    return file_download(
        content,
        file_name=found.file_name,
        media_type=found.media_type,
        sha256=found.sha256,
        fallback=f"attachment-{found.id}.{found.file_name.rsplit('.', 1)[-1]}",
    )


routes = [
    Route("/supervision/problems", list_page, methods=["GET"], name="problems"),
    Route("/supervision/problems/new", new_page, methods=["GET"], name="problem_new"),
    Route("/supervision/problems/new", create, methods=["POST"], name="problem_create"),
    Route("/supervision/problems/{problem_id:int}", problem_page, methods=["GET"], name="problem"),
    Route(
        "/supervision/problems/{problem_id:int}/rectification",
        require,
        methods=["POST"],
        name="problem_require",
    ),
    Route(
        "/supervision/problems/{problem_id:int}/dismiss", dismiss, methods=["POST"], name="problem_dismiss"
    ),
    Route("/supervision/board", board_page, methods=["GET"], name="problem_board"),
    Route("/supervision/rectification", my_items_page, methods=["GET"], name="rectification_items"),
    Route(
        "/supervision/rectification/{item_id:int}/progress", progress, methods=["POST"], name="rect_progress"
    ),
    Route("/supervision/rectification/{item_id:int}/verify", verify, methods=["POST"], name="rect_verify"),
    Route("/supervision/rectification/{item_id:int}/recheck", recheck, methods=["POST"], name="rect_recheck"),
    Route("/supervision/rectification/{item_id:int}/close", close, methods=["POST"], name="rect_close"),
    Route("/supervision/rectification/{item_id:int}/reopen", reopen, methods=["POST"], name="rect_reopen"),
    Route("/supervision/files/{attachment_id:int}", attachment, methods=["GET"], name="rect_file"),
]
