"""Three-supervision linkage pages (三监联动, PT §8, annexes 4-5): the department's queue first, the task
with its trace and the form of the step the reader's department owes, the new-task form, and the
printable transfer sheet (线下转办单) whose outcome the permitting section enters back.

Each endpoint reads its form into the use case's input, calls one use case of
``domain.supervision.linkage.service`` (or one read of ``queries``) and renders; the form's problems and
the use case's refusal are shown together."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.bounds import parse_id
from domain.clock import today
from domain.errors import N_, Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed, reporting
from domain.supervision.departments import DEPARTMENTS
from domain.supervision.linkage import queries, rules, service
from domain.supervision.linkage.rules import StepInput, TaskInput
from portal.forms import parse_day
from portal.responses import actor_of, db_of, redirect, render
from portal.templating import field_errors

PAGE_SIZE = 50
DEFAULT_DAYS = 10  # a new task's feedback date, unless the initiator sets one
STEP_USE_CASES = {
    "receive": service.receive_task,
    "execute": service.record_execution,
    "feedback": service.feed_back,
}
DONE = {
    "new": N_("The task was sent; the people of each receiving department are told."),
    "receive": N_("Received."),
    "execute": N_("Execution recorded."),
    "feedback": N_("Feedback sent to the initiating department."),
    "archive": N_("The task is archived."),
}


def _text(form: FormData, name: str) -> str:
    return str(form.get(name) or "")


def _labels(request: Request) -> dict[str, Any]:
    return {
        "departments": [d.value for d in DEPARTMENTS],
        "kind_labels": rules.KIND_LABELS,
        "stage_labels": rules.STAGE_LABELS,
        "step_labels": rules.STEP_LABELS,
        "view_labels": rules.VIEW_LABELS,
        "done": DONE.get(request.query_params.get("done", "")),
        "today": today(),
    }


def _page_number(raw: str | None) -> int:
    try:
        return max(1, min(int(raw or 1), 100_000))
    except ValueError:
        return 1


async def list_page(request: Request) -> Response:
    """The department's queue (its steps to record) first; then open, overdue, archived and all tasks."""
    actor = await actor_of(request)
    view = request.query_params.get("view", "mine")[:16]
    page_number = _page_number(request.query_params.get("page"))
    async with db_of(request).read() as session:
        found = await queries.task_list(
            session, actor, view=view, first=PAGE_SIZE, offset=(page_number - 1) * PAGE_SIZE
        )
    return render(
        request,
        "supervision/linkage/list.html",
        {
            **_labels(request),
            "tasks": found,
            "view": view,
            "views": queries.VIEWS,
            "page_number": page_number,
            "last_page": max(1, -(-found.total // PAGE_SIZE)),
        },
    )


def _task_form(form: FormData, problems: list[FieldError]) -> TaskInput:
    problem_text = _text(form, "problem_id").strip()
    problem_id: int | None = None
    if problem_text:
        problem_id = parse_id(problem_text)
        if problem_id is None:
            problems.append(FieldError("problem_id", "unknown_problem", N_("No such problem.")))
    return TaskInput(
        description=_text(form, "description"),
        requested_action=_text(form, "requested_action"),
        receivers=tuple(str(v) for v in form.getlist("receivers")),
        handler=_text(form, "handler"),
        responsible_person=_text(form, "responsible_person"),
        initiated_on=parse_day(_text(form, "initiated_on"), "initiated_on", problems),
        due_on=parse_day(_text(form, "due_on"), "due_on", problems),
        credit_code=_text(form, "credit_code"),
        unit_name=_text(form, "unit_name"),
        permit_number=_text(form, "permit_number"),
        outlet_code=_text(form, "outlet_code"),
        remarks=_text(form, "remarks"),
        department=_text(form, "department"),
        problem_id=problem_id,
        via_sheet=_text(form, "via_sheet") == "1",
    )


async def new_page(request: Request) -> Response:
    actor = await actor_of(request)
    values = {
        "initiated_on": today().isoformat(),
        "due_on": (today() + timedelta(days=DEFAULT_DAYS)).isoformat(),
        "credit_code": request.query_params.get("credit_code", "")[:18],
        "problem_id": request.query_params.get("problem", "")[:10],
        "receivers": [],
        "department": actor.role.value if actor.role else "",
    }
    return render(
        request,
        "supervision/linkage/new.html",
        {**_labels(request), "values": values, "errors": {}, "may_name": service.may_name_department(actor)},
    )


async def create(request: Request) -> Response:
    actor = await actor_of(request)
    form = await request.form()
    problems: list[FieldError] = []
    data = _task_form(form, problems)
    try:
        async with db_of(request).transaction() as session, reporting(problems):
            task = await service.initiate_task(session, actor, data=data)
            task_id = task.id
    except (ValidationFailed, Conflict) as error:
        values: dict[str, Any] = {key: _text(form, key) for key in form}
        values["receivers"] = [str(v) for v in form.getlist("receivers")]
        return render(
            request,
            "supervision/linkage/new.html",
            {
                **_labels(request),
                "values": values,
                "errors": field_errors(error.errors),
                "may_name": service.may_name_department(actor),
            },
            status_code=400,
        )
    return redirect(f"/linkage/{task_id}?done=new")


async def _task_page(request: Request, task_id: str, **extra: Any) -> dict[str, Any]:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        page = await queries.task_page(session, actor, task_id=task_id)
    return {**_labels(request), "page": page, "errors": {}, "values": {}, "step_form": None, **extra}


async def task_page(request: Request) -> Response:
    context = await _task_page(request, request.path_params["task_id"])
    return render(request, "supervision/linkage/task.html", context)


async def sheet_page(request: Request) -> Response:
    """The offline transfer sheet (annex 5): the task's fields and every step so far, blank rows for the
    steps still to come, for printing."""
    context = await _task_page(request, request.path_params["task_id"])
    return render(request, "supervision/linkage/sheet.html", context)


def _step_form(form: FormData, problems: list[FieldError]) -> StepInput:
    return StepInput(
        text=_text(form, "text"),
        handler=_text(form, "handler"),
        responsible_person=_text(form, "responsible_person"),
        done_on=parse_day(_text(form, "done_on"), "done_on", problems),
        remarks=_text(form, "remarks"),
        via_sheet=_text(form, "via_sheet") == "1",
    )


async def step(request: Request) -> Response:
    """One step of a receiving department (receive, execute, feed back) or the archive."""
    actor = await actor_of(request)
    task_id = request.path_params["task_id"]
    kind = request.path_params["kind"]
    form = await request.form()
    problems: list[FieldError] = []
    data = _step_form(form, problems)
    department = _text(form, "department")
    status = 400
    try:
        async with db_of(request).transaction() as session, reporting(problems):
            if kind == "archive":
                await service.archive_task(session, actor, task_id=task_id, data=data)
            elif kind in STEP_USE_CASES:
                await STEP_USE_CASES[kind](session, actor, task_id=task_id, department=department, data=data)
            else:
                raise NotFound(N_("No such linkage task."), field="task")
    except (ValidationFailed, Conflict, PermissionDenied) as error:
        status = 403 if isinstance(error, PermissionDenied) else 409 if isinstance(error, Conflict) else 400
        values = {key: _text(form, key) for key in form}
        context = await _task_page(
            request,
            task_id,
            errors=field_errors(error.errors),
            values=values,
            step_form="sheet" if data.via_sheet else kind,
        )
        return render(request, "supervision/linkage/task.html", context, status_code=status)
    return redirect(f"/linkage/{task_id}?done={kind}#trace")


routes = [
    Route("/linkage", list_page, methods=["GET"], name="linkage_list"),
    Route("/linkage/new", new_page, methods=["GET"], name="linkage_new"),
    Route("/linkage/new", create, methods=["POST"], name="linkage_create"),
    Route("/linkage/{task_id}", task_page, methods=["GET"], name="linkage_task"),
    Route("/linkage/{task_id}/sheet", sheet_page, methods=["GET"], name="linkage_sheet"),
    Route("/linkage/{task_id}/{kind}", step, methods=["POST"], name="linkage_step"),
]
