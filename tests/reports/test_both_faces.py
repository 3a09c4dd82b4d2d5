"""The same report operations through both faces, the portal's form posts and the API's mutations, with
the same outcome: accepted or refused, the errors (field and code) and what was written. Review is split
by department (PT §5): a department clears or records problems in the sections it checks, and the report is
accepted only once every department has cleared its sections (the "accept" case clears them first; a
department accepting alone is refused).

Each case runs once per face on a world of its own (a unit with a filed report, its district's officer,
an officer of another district, another unit). The outcomes are read as ``tests.faces`` reads them; field
names are compared in the domain's spelling: the API's camelCase paths in snake_case, the portal's review
rows (``problem_<row>``) as the problems they are (``items[<row>].problem``).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, func, select

from domain.audit.models import AuditEntry
from domain.clock import today
from domain.reports.models import (
    EnforcementLead,
    ExecutionReport,
    FeedbackForm,
    FeedbackItem,
    ReportSubmission,
    SectionItem,
    SectionReview,
)
from domain.reports.queries.editor import get_draft
from domain.reports.rules import FeedbackItemInput
from domain.reports.service.review import issue_feedback
from tests.faces import Outcome, graphql_outcome, portal_outcome
from tests.factories import actor, clear_every_section, file_report, make_enterprise, make_permit, make_user
from tests.graphql_helpers import bearer_token, graphql_data
from tests.portal_helpers import csrf_from, log_in

ERRORS = "errors { field code message }"
FEEDBACK = (
    "mutation($id: ID!, $items: [FeedbackItemInput!]!, $deadline: Date!) {"
    " issueFeedback(reportId: $id, items: $items, deadline: $deadline) { form { id } " + ERRORS + " } }"
)
RESPOND = (
    "mutation($id: ID!, $response: String!) { respondToFeedback(formId: $id, response: $response) {"
    " form { id } " + ERRORS + " } }"
)
ACCEPT = "mutation($id: ID!) { acceptReport(reportId: $id) { report { id } " + ERRORS + " } }"
CLEAR = (
    "mutation($id: ID!, $section: String!) { clearReportSection(reportId: $id, section: $section) {"
    " review { canAccept } " + ERRORS + " } }"
)
RECORD = (
    "mutation($id: ID!, $section: String!, $items: [FeedbackItemInput!]!) {"
    " recordSectionProblems(reportId: $id, section: $section, items: $items) { review { canAccept } "
    + ERRORS
    + " } }"
)
SUBMIT = (
    "mutation($input: SubmitExecutionReportInput!) { submitExecutionReport(input: $input) {"
    " submission { version } " + ERRORS + " } }"
)
SAVE = (
    "mutation($input: SaveReportDraftInput!) { saveReportDraft(input: $input) { draft { prefilled } "
    + ERRORS
    + " } }"
)
PROBLEM_ROW = re.compile(r"^problem_(\d+)$")
SECTION_PROBLEM = re.compile(r"^problem_[a-z_]+$")  # the problem recorded in one section: the only one
# The portal's page for a row that is not found names no field.
NOT_NAMED = {"reportId": None, "formId": None, "permitNumber": None}


def last_full_quarter() -> str:
    day = today()
    quarter = (day.month - 1) // 3
    year = day.year if quarter else day.year - 1
    return f"{year}-Q{quarter or 4}"


@dataclass
class World:
    """One face's world: a unit whose quarterly report is filed (and, when asked, returned)."""

    permit: Any
    label: str
    report_id: int
    form_id: int | None
    content: dict[str, Any]
    staff: Any  # users
    officer: Any
    outsider: Any  # an officer of another district
    stranger: Any  # the staff of another unit


async def arrange(session, db, *, returned: bool = False, cleared: bool = False) -> World:  # type: ignore[no-untyped-def]
    enterprise = await make_enterprise(session)
    permit = await make_permit(session, enterprise, decision_date=(today() - timedelta(days=700)).isoformat())
    staff = await make_user(session, "enterprise_staff", enterprise=enterprise)
    officer = await make_user(session, "ecology", region_code="310107")
    outsider = await make_user(session, "ecology", region_code="310110")
    stranger = await make_user(session, "enterprise_staff", enterprise=await make_enterprise(session))
    label = last_full_quarter()
    draft = await get_draft(
        session, actor(staff), permit_number=permit.number, kind="quarterly", period=label
    )
    await session.flush()
    filed = await file_report(db, actor(staff), permit, label, draft.content, "first")
    form_id = None
    if returned:
        form = await issue_feedback(
            session,
            actor(officer),
            report_id=filed.report.id,
            items=[FeedbackItemInput("请说明二氧化硫排放量计算方法")],
            deadline=today() + timedelta(days=10),
        )
        await session.flush()
        form_id = form.id
    if cleared:
        await clear_every_section(session, filed.report.id)
    return World(permit, label, filed.report.id, form_id, draft.content, staff, officer, outsider, stranger)


async def written(session, world: World) -> tuple[Any, ...]:  # type: ignore[no-untyped-def]
    """What the world's report holds now: its state and versions, its forms and their problems, its leads,
    and how many report operations the audit trail holds."""
    fresh = {"populate_existing": True}  # the faces wrote in sessions of their own
    report = await session.get(ExecutionReport, world.report_id, populate_existing=True)
    forms = (
        await session.exec(
            select(FeedbackForm)
            .where(FeedbackForm.report_id == world.report_id)
            .order_by(col(FeedbackForm.id))
            .execution_options(**fresh)
        )
    ).all()
    items = (
        await session.exec(
            select(FeedbackItem)
            .where(col(FeedbackItem.form_id).in_([f.id for f in forms] or [0]))
            .order_by(col(FeedbackItem.id))
            .execution_options(**fresh)
        )
    ).all()
    leads = (
        await session.exec(select(EnforcementLead).where(EnforcementLead.report_id == world.report_id))
    ).all()
    versions = (
        await session.exec(select(func.count()).where(ReportSubmission.report_id == world.report_id))
    ).one()
    audited = (
        await session.exec(select(func.count()).where(col(AuditEntry.action).startswith("report.")))
    ).one()
    steps = (
        await session.exec(
            select(SectionReview)
            .where(SectionReview.report_id == world.report_id)
            .order_by(col(SectionReview.id))
            .execution_options(**fresh)
        )
    ).all()
    recorded = (
        await session.exec(
            select(SectionItem)
            .where(col(SectionItem.review_id).in_([s.id for s in steps] or [0]))
            .order_by(col(SectionItem.id))
        )
    ).all()
    return (
        report.state,
        versions,
        tuple((f.status, f.response, f.deadline) for f in forms),
        tuple((i.problem, i.field, i.rule_code, i.is_violation, i.section, i.department) for i in items),
        tuple(lead.description for lead in leads),
        tuple((s.section, s.department, s.outcome) for s in steps),
        tuple((i.problem, i.is_violation) for i in recorded),
        audited,
    )


def portal(response) -> Outcome:  # type: ignore[no-untyped-def]
    outcome = portal_outcome(response)
    named = set()
    for field, code in outcome.errors:
        row = PROBLEM_ROW.match(field or "")
        if SECTION_PROBLEM.match(field or ""):
            field = "items[0].problem"
        named.add((f"items[{row.group(1)}].problem" if row else field, code))
    return Outcome(outcome.accepted, frozenset(named))


def api(payload: dict[str, Any]) -> Outcome:
    return graphql_outcome(payload, rename=NOT_NAMED)


# ---------------------------------------------------------------------------
# The two faces of each operation
# ---------------------------------------------------------------------------


async def as_user(client, user) -> str:  # type: ignore[no-untyped-def]
    """Logged in to the portal as the user; the CSRF token of a page they may open."""
    client.cookies.clear()
    assert (await log_in(client, user.username)).status_code == 303
    return csrf_from((await client.get("/notifications")).text)


async def portal_return(client, world, user, problems, deadline):  # type: ignore[no-untyped-def]
    token = await as_user(client, user)
    data: dict[str, Any] = {"csrf_token": token, "deadline": deadline.isoformat()}
    for row, (problem, section, violation) in enumerate(problems):
        data[f"problem_{row}"] = problem
        data[f"problem_field_{row}"] = section
        if violation:
            data[f"problem_violation_{row}"] = "true"
    response = await client.post(f"/review/{world.report_id}/feedback", data=data)
    return portal(response)


async def graphql_return(client, session, world, user, problems, deadline):  # type: ignore[no-untyped-def]
    items = [
        {"problem": problem, "field": f"content.{section}" if section else None, "isViolation": violation}
        for problem, section, violation in problems
        if problem  # a row left empty in the form is no problem: the API sends none
    ]
    variables = {"id": str(world.report_id), "items": items, "deadline": deadline.isoformat()}
    data = await graphql_data(client, FEEDBACK, variables, token=await bearer_token(session, user))
    return api(data["issueFeedback"])


async def portal_respond(client, world, user, text):  # type: ignore[no-untyped-def]
    token = await as_user(client, user)
    response = await client.post(
        f"/reports/feedback/{world.form_id}/respond",
        data={"csrf_token": token, "response": text, "report_id": world.report_id},
    )
    return portal(response)


async def graphql_respond(client, session, world, user, text):  # type: ignore[no-untyped-def]
    variables = {"id": str(world.form_id), "response": text}
    data = await graphql_data(client, RESPOND, variables, token=await bearer_token(session, user))
    return api(data["respondToFeedback"])


async def portal_accept(client, world, user):  # type: ignore[no-untyped-def]
    token = await as_user(client, user)
    response = await client.post(f"/review/{world.report_id}/accept", data={"csrf_token": token})
    return portal(response)


async def graphql_accept(client, session, world, user):  # type: ignore[no-untyped-def]
    data = await graphql_data(
        client, ACCEPT, {"id": str(world.report_id)}, token=await bearer_token(session, user)
    )
    return api(data["acceptReport"])


def form_fields(content: dict[str, Any]) -> dict[str, Any]:
    """Report content as the editor's inputs carry it (every value as text)."""
    fields: dict[str, Any] = {"content.statement": content.get("statement", "")}
    for section in ("emissions", "exceedances", "abnormal_operation", "shutdowns"):
        for index, row in enumerate(content.get(section, [])):
            for key, value in row.items():
                text = (
                    ""
                    if value is None
                    else ("true" if value is True else "false" if value is False else str(value))
                )
                fields[f"content.{section}[{index}].{key}"] = text
    return fields


async def portal_file(client, world, user, content, key, action="submit"):  # type: ignore[no-untyped-def]
    token = await as_user(client, user)
    data = {**form_fields(content), "csrf_token": token, "idempotency_key": key, "confirmed": "1"}
    path = f"/reports/{world.permit.number}/quarterly/{world.label}/{action}"
    response = await client.post(path, data=data)
    return portal(response)


async def graphql_file(client, session, world, user, content, key, action="submit"):  # type: ignore[no-untyped-def]
    values = {
        "permitNumber": world.permit.number,
        "kind": "QUARTERLY",
        "period": world.label,
        "content": content,
    }
    token = await bearer_token(session, user)
    if action == "save":
        data = await graphql_data(client, SAVE, {"input": values}, token=token)
        return api(data["saveReportDraft"])
    data = await graphql_data(client, SUBMIT, {"input": {**values, "idempotencyKey": key}}, token=token)
    return api(data["submitExecutionReport"])


def with_errors(content: dict[str, Any]) -> dict[str, Any]:
    """The world's report with three mistakes: a negative quantity, a concentration that is no number,
    a statement longer than a report holds."""
    row = {
        "outlet": "DA001",
        "pollutant": "SO2",
        "method": "automatic",
        "concentration_avg": "十二",
        "concentration_max": 30.0,
        "unit": "mg/m3",
        "quantity_t": -3,
        "compliant": True,
    }
    return {**content, "emissions": [row], "statement": "说明" * 2501}


# ---------------------------------------------------------------------------
# The cases
# ---------------------------------------------------------------------------

Face = Callable[..., Awaitable[Outcome]]
LATER = timedelta(days=10)
PROBLEM = ("二氧化硫排放量与台账不符", "emissions", False)


def _return(
    problems: list[tuple[str, str, bool]], *, who: str = "officer", days: int = 10
) -> tuple[Face, Face]:
    async def portal(client, session, world):  # type: ignore[no-untyped-def]
        return await portal_return(
            client, world, getattr(world, who), problems, today() + timedelta(days=days)
        )

    async def api(client, session, world):  # type: ignore[no-untyped-def]
        return await graphql_return(
            client, session, world, getattr(world, who), problems, today() + timedelta(days=days)
        )

    return portal, api


def _respond(text: str, *, who: str = "staff") -> tuple[Face, Face]:
    async def portal(client, session, world):  # type: ignore[no-untyped-def]
        return await portal_respond(client, world, getattr(world, who), text)

    async def api(client, session, world):  # type: ignore[no-untyped-def]
        return await graphql_respond(client, session, world, getattr(world, who), text)

    return portal, api


def _accept(*, who: str = "officer") -> tuple[Face, Face]:
    async def portal(client, session, world):  # type: ignore[no-untyped-def]
        return await portal_accept(client, world, getattr(world, who))

    async def api(client, session, world):  # type: ignore[no-untyped-def]
        return await graphql_accept(client, session, world, getattr(world, who))

    return portal, api


async def portal_section(client, world, user, section, problem):  # type: ignore[no-untyped-def]
    token = await as_user(client, user)
    if problem is None:
        response = await client.post(
            f"/review/{world.report_id}/sections/{section}/clear", data={"csrf_token": token}
        )
    else:
        response = await client.post(
            f"/review/{world.report_id}/sections/{section}/problems",
            data={"csrf_token": token, "problem": problem},
        )
    return portal(response)


async def graphql_section(client, session, world, user, section, problem):  # type: ignore[no-untyped-def]
    token = await bearer_token(session, user)
    variables: dict[str, Any] = {"id": str(world.report_id), "section": section}
    if problem is None:
        data = await graphql_data(client, CLEAR, variables, token=token)
        return api(data["clearReportSection"])
    variables["items"] = [{"problem": problem}]
    data = await graphql_data(client, RECORD, variables, token=token)
    return api(data["recordSectionProblems"])


def _section(section: str, problem: str | None = None, *, who: str = "officer") -> tuple[Face, Face]:
    """The world's ecology officer clears a section (``problem`` None) or records a problem in it."""

    async def portal(client, session, world):  # type: ignore[no-untyped-def]
        return await portal_section(client, world, getattr(world, who), section, problem)

    async def api(client, session, world):  # type: ignore[no-untyped-def]
        return await graphql_section(client, session, world, getattr(world, who), section, problem)

    return portal, api


def _file(
    change: Callable[[dict[str, Any]], dict[str, Any]],
    key: str,
    *,
    who: str = "staff",
    action: str = "submit",
) -> tuple[Face, Face]:
    async def portal(client, session, world):  # type: ignore[no-untyped-def]
        return await portal_file(client, world, getattr(world, who), change(world.content), key, action)

    async def api(client, session, world):  # type: ignore[no-untyped-def]
        return await graphql_file(
            client, session, world, getattr(world, who), change(world.content), key, action
        )

    return portal, api


def _unchanged(content: dict[str, Any]) -> dict[str, Any]:
    return content


def _restated(content: dict[str, Any]) -> dict[str, Any]:
    return {**content, "statement": "补充说明"}


def _too_long(content: dict[str, Any]) -> dict[str, Any]:
    return {**content, "statement": "说明" * 2501}


@dataclass(frozen=True)
class Case:
    name: str
    faces: tuple[Face, Face]
    accepted: bool
    errors: frozenset[tuple[str | None, str]] = frozenset()
    returned: bool = False  # the world's report was returned with a feedback form first
    cleared: bool = False  # every department cleared its sections first


CASES = [
    Case("return with a feedback form", _return([PROBLEM, ("瞒报超标排放", "exceedances", True)]), True),
    Case(
        "return with an empty reason", _return([("", "", False)]), False, frozenset({("items", "required")})
    ),
    Case(
        "return with a too-long text",
        _return([("问题" * 1001, "emissions", False)]),
        False,
        frozenset({("items[0].problem", "too_long")}),
    ),
    Case(
        "return with every error at once",
        _return([PROBLEM, ("问题" * 1001, "", False)], days=0),
        False,
        frozenset({("items[1].problem", "too_long"), ("deadline", "past")}),
    ),
    Case(
        "return a foreign report", _return([PROBLEM], who="outsider"), False, frozenset({(None, "not_found")})
    ),
    Case(
        "return by the unit itself", _return([PROBLEM], who="staff"), False, frozenset({(None, "forbidden")})
    ),
    Case("accept", _accept(), True, cleared=True),
    Case(
        "accept by one department alone",
        _accept(),
        False,
        frozenset({(None, "section_not_cleared")}),
    ),
    Case("clear a section", _section("emissions"), True),
    Case(
        "clear a section another department checks",
        _section("abnormal_operation"),
        False,
        frozenset({("section", "not_your_section")}),
    ),
    Case(
        "clear a section twice",
        _section("emissions"),
        False,
        frozenset({("section", "conflict")}),
        cleared=True,
    ),
    Case(
        "clear an unknown section", _section("nonsense"), False, frozenset({("section", "unknown_section")})
    ),
    Case(
        "clear a foreign report's section",
        _section("emissions", who="outsider"),
        False,
        frozenset({(None, "not_found")}),
    ),
    Case(
        "clear a section of a returned report",
        _section("emissions"),
        False,
        frozenset({(None, "conflict")}),
        returned=True,
    ),
    Case("record a problem", _section("exceedances", "自行监测点位与许可证不一致"), True),
    Case(
        "record an empty problem",
        _section("exceedances", "  "),
        False,
        frozenset({("items[0].problem", "required")}),
    ),
    Case(
        "record a problem too long",
        _section("exceedances", "问" * 2001),
        False,
        frozenset({("items[0].problem", "too_long")}),
    ),
    Case("accept a foreign report", _accept(who="outsider"), False, frozenset({(None, "not_found")})),
    Case("file again", _file(_restated, "second"), True),
    Case(
        "submit with errors",
        _file(with_errors, "with-errors"),
        False,
        frozenset(
            {
                ("content.emissions[0].quantity_t", "negative"),
                ("content.emissions[0].concentration_avg", "type"),
                ("content.statement", "too_long"),
            }
        ),
    ),
    Case(
        "submit with a key too long",
        _file(_restated, "k" * 81),
        False,
        frozenset({("idempotency_key", "idempotency_key")}),
    ),
    Case(
        "submit for a foreign permit",
        _file(_restated, "foreign", who="stranger"),
        False,
        frozenset({(None, "not_found")}),
    ),
    Case(
        "save a draft with a too-long text",
        _file(_too_long, "", action="save"),
        False,
        frozenset({("content.statement", "too_long")}),
    ),
    Case("answer a feedback form", _respond("按自动监测数据核算。"), True, returned=True),
    Case(
        "answer with an empty reason",
        _respond("  "),
        False,
        frozenset({("response", "required")}),
        returned=True,
    ),
    Case(
        "answer with a too-long text",
        _respond("说明" * 2501),
        False,
        frozenset({("response", "too_long")}),
        returned=True,
    ),
    Case(
        "answer a foreign form",
        _respond("x", who="stranger"),
        False,
        frozenset({(None, "not_found")}),
        returned=True,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
async def test_both_faces_give_the_same_outcome(case: Case, client, session, db):  # type: ignore[no-untyped-def]
    client.headers["accept-language"] = "en"
    outcomes, writes = [], []
    for face in case.faces:
        world = await arrange(session, db, returned=case.returned, cleared=case.cleared)
        before = await written(session, world)
        outcome = await face(client, session, world)
        after = await written(session, world)
        outcomes.append(outcome)
        # The audit trail is shared by both worlds: what each operation added is compared.
        writes.append((*after[:-1], after[-1] - before[-1]))
        if not outcome.accepted:
            assert after == before, f"{case.name}: a refused operation wrote something"
    assert outcomes[0] == outcomes[1], f"{case.name}: portal {outcomes[0]}, API {outcomes[1]}"
    assert writes[0] == writes[1], f"{case.name}: the faces wrote differently"
    assert outcomes[0] == Outcome(case.accepted, case.errors)
