"""GraphQL: filing execution reports (idempotent, every submission time kept), findings that name their
field, review with one feedback form, drafts private to the unit, annual reports public."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from domain.audit.models import AuditEntry
from domain.clock import today
from domain.enterprises.models import Enterprise
from domain.ledgers.rules import ReadingInput
from domain.ledgers.service import readings as ledgers
from domain.reports import rules
from domain.reports.models import ExecutionReport, FeedbackForm, ReportSubmission
from tests.factories import actor as actor_of
from tests.factories import clear_every_section, make_enterprise, make_permit, make_user
from tests.graphql_helpers import bearer_token, count, graphql, graphql_data

ERRORS = "errors { field code message }"
REPORT = """
  id permitNumber kind period dueDate state firstSubmittedAt onTime latestVersion
  submissions { version submittedAt contentHash previousHash receiptNumber submittedBy onBehalfOf content }
  findings { code severity field message }
  feedbackForms { id status deadline response items { problem field ruleCode isViolation } }
"""
SUBMIT = (
    "mutation($input: SubmitExecutionReportInput!) { submitExecutionReport(input: $input) {"
    " report { id state latestVersion firstSubmittedAt }"
    " submission { version submittedAt receiptNumber contentHash previousHash submittedBy }"
    " findings { code severity field message } replayed " + ERRORS + " } }"
)
ONE = (
    "query($number: String!, $kind: ReportKind!, $period: String!) {"
    " executionReport(permitNumber: $number, kind: $kind, period: $period) {" + REPORT + "} }"
)
LIST = (
    "query($first: Int!, $filter: ExecutionReportFilterInput) {"
    " executionReports(first: $first, filter: $filter) { totalCount pageInfo { hasNextPage endCursor }"
    " edges { node { id permitNumber kind period state"
    " submissions { version submittedAt } findings { code field } } } } }"
)
DRAFT = (
    "query($number: String!, $kind: ReportKind!, $period: String!) {"
    " reportDraft(permitNumber: $number, kind: $kind, period: $period) { prefilled savedAt content } }"
)
SAVE = (
    "mutation($input: SaveReportDraftInput!) { saveReportDraft(input: $input) {"
    " draft { prefilled savedAt content } " + ERRORS + " } }"
)
CHECK = (
    "query($number: String!, $kind: ReportKind!, $period: String!, $content: JSON!) {"
    " checkReportDraft(permitNumber: $number, kind: $kind, period: $period, content: $content)"
    " { code severity field message } }"
)
FEEDBACK = (
    "mutation($id: ID!, $items: [FeedbackItemInput!]!, $deadline: Date!) {"
    " issueFeedback(reportId: $id, items: $items, deadline: $deadline) {"
    " form { id status items { problem field isViolation } } report { state } " + ERRORS + " } }"
)
RESPOND = (
    "mutation($id: ID!, $response: String!) { respondToFeedback(formId: $id, response: $response) {"
    " form { status response } report { state } " + ERRORS + " } }"
)
ACCEPT = "mutation($id: ID!) { acceptReport(reportId: $id) { report { state } " + ERRORS + " } }"
VERIFY = (
    "query($id: ID!) { verifyReportChain(reportId: $id) {"
    " intact links { version receiptNumber receivedAt intact } problems { code message } } }"
)
EN = {"Accept-Language": "en"}


def last_full_quarter() -> str:
    day = today()
    quarter = (day.month - 1) // 3
    year = day.year if quarter else day.year - 1
    return f"{year}-Q{quarter or 4}"


def last_year() -> str:
    return str(today().year - 1)


def content(**overrides: Any) -> dict[str, Any]:
    """A quarterly report as an integrator sends it: camelCase keys, every main outlet reported."""
    values: dict[str, Any] = {
        "emissions": [
            {
                "outlet": "DA001",
                "pollutant": pollutant,
                "method": "automatic",
                "concentrationAvg": avg,
                "concentrationMax": avg * 1.5,
                "unit": "mg/m3",
                "quantityT": 1.2,
                "compliant": True,
            }
            for pollutant, avg in (("SO2", 12.0), ("NOX", 20.0), ("PM", 3.0))
        ],
        "exceedances": [],
        "abnormalOperation": [],
        "statement": "本季度按证排污。",
    }
    values.update(overrides)
    return values


def annual_content() -> dict[str, Any]:
    return {
        **content(),
        "production": {"operatingDays": 330, "mainProducts": "电力", "output": "4.1 亿千瓦时"},
        "controlFacilities": [{"name": "湿法脱硫", "operatingHours": 7900, "abnormalHours": 0}],
        "selfMonitoring": {"planned": 3, "performed": 3},
        "ledgerExecution": {"complete": True},
        "disclosure": {"done": True},
        "managementSystem": {"responsiblePerson": "李娜"},
        "otherRequirements": "",
    }


async def unit(session):  # type: ignore[no-untyped-def]
    """A unit with an issued permit (quarterly and annual reports; products marked secret), its staff's
    token and the token of an ecology officer of its district."""
    enterprise = await make_enterprise(session)
    permit = await make_permit(session, enterprise, decision_date=(today() - timedelta(days=700)).isoformat())
    staff = await make_user(session, "enterprise_staff", enterprise=enterprise)
    officer = await make_user(session, "ecology", region_code="310107")
    return permit, staff, await bearer_token(session, staff), await bearer_token(session, officer)


async def submit(client, token, permit, key, *, kind="QUARTERLY", period=None, body=None, headers=None):  # type: ignore[no-untyped-def]
    values = {
        "permitNumber": permit.number,
        "kind": kind,
        "period": period or last_full_quarter(),
        "content": body if body is not None else content(),
        "idempotencyKey": key,
    }
    data = await graphql_data(client, SUBMIT, {"input": values}, token=token, headers=headers)
    return data["submitExecutionReport"]


async def one(client, permit, *, kind="QUARTERLY", period=None, token=None, headers=None):  # type: ignore[no-untyped-def]
    variables = {"number": permit.number, "kind": kind, "period": period or last_full_quarter()}
    return await graphql(client, ONE, variables, token=token, headers=headers)


async def test_the_same_idempotency_key_twice_files_one_version_and_says_replayed(client, session):
    permit, _staff, token, _officer = await unit(session)

    first = await submit(client, token, permit, "double-click-1")
    again = await submit(client, token, permit, "double-click-1")

    assert first["errors"] == [] and first["replayed"] is False
    assert first["submission"]["version"] == 1 and first["report"]["state"] == "SUBMITTED"
    assert again["errors"] == [] and again["replayed"] is True
    assert again["submission"] == first["submission"]
    assert await count(session, ReportSubmission) == 1


async def test_a_key_reused_with_other_content_or_by_another_person_is_refused(client, session):
    permit, staff, token, _officer = await unit(session)
    enterprise = await session.get(Enterprise, staff.enterprise_id)
    colleague = await make_user(session, "enterprise_staff", enterprise=enterprise)
    colleague_token = await bearer_token(session, colleague)
    first = await submit(client, token, permit, "key-1")

    changed = await submit(client, token, permit, "key-1", body=content(statement="另一份内容"), headers=EN)
    someone_else = await submit(client, colleague_token, permit, "key-1", headers=EN)

    for refused in (changed, someone_else):
        assert refused["submission"] is None and refused["replayed"] is False
        assert [(e["field"], e["code"]) for e in refused["errors"]] == [
            ("idempotencyKey", "idempotency_key_reused")
        ]
        assert "already used for a different filing" in refused["errors"][0]["message"]
    assert await count(session, ReportSubmission) == 1
    assert first["submission"]["submittedBy"] == staff.username


async def test_a_resubmission_lists_both_times_and_keeps_the_first(client, session):
    permit, staff, token, officer = await unit(session)

    first = await submit(client, token, permit, "v1")
    second = await submit(client, token, permit, "v2", body=content(statement="补充说明"))
    report = (await one(client, permit, token=officer)).json()["data"]["executionReport"]

    assert [s["version"] for s in report["submissions"]] == [2, 1]
    assert [s["submittedAt"] for s in report["submissions"]] == [
        second["submission"]["submittedAt"],
        first["submission"]["submittedAt"],
    ]
    assert report["firstSubmittedAt"] == first["submission"]["submittedAt"]
    assert second["report"]["firstSubmittedAt"] == first["report"]["firstSubmittedAt"]
    assert report["latestVersion"] == 2 and report["state"] == "SUBMITTED"
    assert report["submissions"][0]["previousHash"] == report["submissions"][1]["contentHash"]
    assert report["submissions"][1]["previousHash"] == rules.GENESIS
    assert report["submissions"][0]["submittedBy"] == staff.username
    assert report["submissions"][0]["content"]["statement"] == "补充说明"
    assert report["submissions"][0]["content"]["emissions"][0]["concentrationAvg"] == 12.0
    due = rules.due_date(rules.parse_period("quarterly", last_full_quarter()))
    assert report["dueDate"] == due.isoformat()
    received = datetime.fromisoformat(first["submission"]["submittedAt"])
    assert report["onTime"] is rules.on_time(received, due)

    verified = await graphql_data(client, VERIFY, {"id": report["id"]}, token=officer)

    chain = verified["verifyReportChain"]
    assert chain["intact"] is True
    assert [(link["version"], link["intact"]) for link in chain["links"]] == [(1, True), (2, True)]
    assert [link["receiptNumber"] for link in chain["links"]] == [
        first["submission"]["receiptNumber"],
        second["submission"]["receiptNumber"],
    ]


async def test_a_finding_names_the_exact_field_in_camel_case_with_both_figures(client, session):
    permit, staff, token, officer = await unit(session)
    label = last_full_quarter()
    period = rules.parse_period("quarterly", label)
    start = datetime.combine(period.start, datetime.min.time(), tzinfo=UTC) + timedelta(days=3)
    await ledgers.record_readings(
        session,
        actor_of(staff),
        permit_number=permit.number,
        readings=[
            ReadingInput("DA001", "SO2", "automatic", start + timedelta(hours=h), 0.43, "mg/m3", flow_m3=1e5)
            for h in range(48)
        ],
    )
    await session.flush()
    draft = (
        await graphql_data(
            client, DRAFT, {"number": permit.number, "kind": "QUARTERLY", "period": label}, token=token
        )
    )["reportDraft"]
    assert draft["prefilled"] is True
    rows = draft["content"]["emissions"]
    index = next(i for i, row in enumerate(rows) if (row["outlet"], row["pollutant"]) == ("DA001", "SO2"))
    assert rows[index]["concentrationAvg"] == 0.43
    rows[index]["concentrationAvg"] = 0.13
    expected = {
        "code": "G003",
        "severity": "ERROR",
        "field": f"content.emissions[{index}].concentrationAvg",
        "message": "DA001 SO2: the report says 0.13 mg/m3 on average, the ledger says 0.43 mg/m3.",
    }

    checked = await graphql_data(
        client,
        CHECK,
        {"number": permit.number, "kind": "QUARTERLY", "period": label, "content": draft["content"]},
        token=token,
        headers=EN,
    )
    filed = await submit(client, token, permit, "k", body=draft["content"], headers=EN)
    seen = (await one(client, permit, token=officer, headers=EN)).json()["data"]["executionReport"]

    assert expected in checked["checkReportDraft"]
    assert filed["errors"] == [] and expected in filed["findings"]
    assert expected in seen["findings"]
    assert all(f["severity"] in ("ERROR", "WARNING") for f in seen["findings"])


async def test_bad_content_is_refused_naming_the_field_and_nothing_is_written(client, session):
    permit, _staff, token, _officer = await unit(session)
    before = (await count(session, ExecutionReport), await count(session, ReportSubmission))

    bad_row = content()
    bad_row["emissions"][1]["quantityT"] = -3
    negative = await submit(client, token, permit, "k1", body=bad_row, headers=EN)
    shape = await submit(client, token, permit, "k2", body=content(emissions="lots"), headers=EN)
    period = await submit(client, token, permit, "k3", period="2026-13", headers=EN)
    key = await submit(client, token, permit, "", headers=EN)

    assert negative["errors"] == [
        {"field": "content.emissions[1].quantityT", "code": "negative", "message": "Must not be negative."}
    ]
    assert negative["report"] is None and negative["submission"] is None and negative["replayed"] is False
    assert [e["field"] for e in shape["errors"]] == ["content.emissions"]
    assert [(e["field"], e["code"]) for e in period["errors"]] == [("period", "period_format")]
    assert [e["field"] for e in key["errors"]] == ["idempotencyKey"]
    assert (await count(session, ExecutionReport), await count(session, ReportSubmission)) == before


async def test_feedback_returns_the_report_the_unit_resubmits_and_the_regulator_accepts(client, session):
    permit, _staff, token, officer = await unit(session)
    first = await submit(client, token, permit, "v1")
    report_id = first["report"]["id"]
    deadline = (today() + timedelta(days=10)).isoformat()
    items = [
        {
            "problem": "二氧化硫排放量与台账不符",
            "field": "content.emissions[0].quantityT",
            "ruleCode": "G004",
        },
        {"problem": "瞒报超标排放", "isViolation": True},
    ]

    refused = await graphql_data(
        client, FEEDBACK, {"id": report_id, "items": items, "deadline": deadline}, token=token
    )
    issued = await graphql_data(
        client, FEEDBACK, {"id": report_id, "items": items, "deadline": deadline}, token=officer
    )
    seen = (await one(client, permit, token=token)).json()["data"]["executionReport"]
    second = await submit(client, token, permit, "v2", body=content(statement="已更正"))
    answered = (await one(client, permit, token=officer)).json()["data"]["executionReport"]
    alone = await graphql_data(client, ACCEPT, {"id": report_id}, token=officer)
    await clear_every_section(session, int(report_id))  # every department clears its sections (PT §5)
    accepted = await graphql_data(client, ACCEPT, {"id": report_id}, token=officer)
    closed = (await one(client, permit, token=token)).json()["data"]["executionReport"]
    late = await submit(client, token, permit, "v3")

    assert [e["code"] for e in refused["issueFeedback"]["errors"]] == ["forbidden"]
    payload = issued["issueFeedback"]
    assert payload["errors"] == [] and payload["report"] == {"state": "RETURNED"}
    assert payload["form"]["status"] == "OPEN"
    assert payload["form"]["items"][0] == {
        "problem": "二氧化硫排放量与台账不符",
        "field": "content.emissions[0].quantityT",
        "isViolation": False,
    }
    assert seen["state"] == "RETURNED"
    [form] = seen["feedbackForms"]
    assert form["deadline"] == deadline and [i["isViolation"] for i in form["items"]] == [False, True]
    assert second["errors"] == [] and second["report"]["state"] == "SUBMITTED"
    assert answered["state"] == "SUBMITTED" and answered["feedbackForms"][0]["status"] == "ANSWERED"
    assert [s["version"] for s in answered["submissions"]] == [2, 1]
    assert alone["acceptReport"]["report"] is None  # a department cannot accept a report alone
    assert {e["code"] for e in alone["acceptReport"]["errors"]} == {"section_not_cleared"}
    assert accepted["acceptReport"] == {"report": {"state": "ACCEPTED"}, "errors": []}
    assert closed["state"] == "ACCEPTED" and closed["feedbackForms"][0]["status"] == "CLOSED"
    assert [e["code"] for e in late["errors"]] == ["conflict"] and late["submission"] is None
    assert await count(session, ReportSubmission) == 2


async def test_the_unit_answers_a_feedback_form_instead_of_resubmitting(client, session):
    permit, _staff, token, officer = await unit(session)
    report_id = (await submit(client, token, permit, "v1"))["report"]["id"]
    deadline = (today() + timedelta(days=5)).isoformat()
    issued = await graphql_data(
        client,
        FEEDBACK,
        {"id": report_id, "items": [{"problem": "请说明停产原因"}], "deadline": deadline},
        token=officer,
    )
    form_id = issued["issueFeedback"]["form"]["id"]

    empty = await graphql_data(client, RESPOND, {"id": form_id, "response": "  "}, token=token, headers=EN)
    unknown = await graphql_data(client, RESPOND, {"id": "999999", "response": "x"}, token=token)
    answered = await graphql_data(client, RESPOND, {"id": form_id, "response": "检修停产两周"}, token=token)

    assert [(e["field"], e["code"]) for e in empty["respondToFeedback"]["errors"]] == [
        ("response", "required")
    ]
    assert [(e["field"], e["code"]) for e in unknown["respondToFeedback"]["errors"]] == [
        ("formId", "not_found")
    ]
    assert answered["respondToFeedback"] == {
        "form": {"status": "ANSWERED", "response": "检修停产两周"},
        "report": {"state": "SUBMITTED"},
        "errors": [],
    }


async def test_a_feedback_form_without_problems_or_with_a_past_deadline_writes_nothing(client, session):
    permit, _staff, token, officer = await unit(session)
    report_id = (await submit(client, token, permit, "v1"))["report"]["id"]
    before = (await count(session, FeedbackForm), await count(session, AuditEntry))

    data = await graphql_data(
        client, FEEDBACK, {"id": report_id, "items": [], "deadline": today().isoformat()}, token=officer
    )
    unknown = await graphql_data(
        client, FEEDBACK, {"id": "abc", "items": [{"problem": "x"}], "deadline": "2099-01-01"}, token=officer
    )

    assert [(e["field"], e["code"]) for e in data["issueFeedback"]["errors"]] == [
        ("items", "required"),
        ("deadline", "past"),
    ]
    assert [(e["field"], e["code"]) for e in unknown["issueFeedback"]["errors"]] == [
        ("reportId", "not_found")
    ]
    assert (await count(session, FeedbackForm), await count(session, AuditEntry)) == before


async def test_a_regulator_cannot_read_the_units_draft(client, session):
    permit, _staff, token, officer = await unit(session)
    label = last_full_quarter()
    variables = {"number": permit.number, "kind": "QUARTERLY", "period": label}
    saved = await graphql_data(
        client,
        SAVE,
        {
            "input": {
                "permitNumber": permit.number,
                "kind": "QUARTERLY",
                "period": label,
                "content": content(),
            }
        },
        token=token,
    )

    mine = await graphql_data(client, DRAFT, variables, token=token)
    theirs = await graphql(client, DRAFT, variables, token=officer)
    report = await graphql_data(client, ONE, variables, token=officer)
    listed = await graphql_data(client, LIST, {"first": 10}, token=officer)
    own_list = await graphql_data(client, LIST, {"first": 10}, token=token)

    assert (
        saved["saveReportDraft"]["errors"] == [] and saved["saveReportDraft"]["draft"]["prefilled"] is False
    )
    assert mine["reportDraft"]["prefilled"] is False
    assert mine["reportDraft"]["content"]["emissions"][0]["concentrationAvg"] == 12.0
    body = theirs.json()
    # A regulator never sees a unit's draft: null, as for a draft that does not exist.
    assert "errors" not in body and body["data"] == {"reportDraft": None}
    assert report["executionReport"] is None
    assert listed["executionReports"]["totalCount"] == 0
    [edge] = own_list["executionReports"]["edges"]
    assert edge["node"]["state"] == "DRAFT" and edge["node"]["submissions"] == []


async def test_the_public_reads_annual_report_times_without_secrets_but_no_quarterly_report(client, session):
    permit, _staff, token, _officer = await unit(session)  # the permit marks its products as secret
    annual = await submit(
        client, token, permit, "a1", kind="ANNUAL", period=last_year(), body=annual_content()
    )
    await submit(client, token, permit, "q1")

    public = await one(client, permit, kind="ANNUAL", period=last_year())
    quarterly = await one(client, permit, headers=EN)
    listed = await graphql_data(client, LIST, {"first": 10})

    assert annual["errors"] == []
    report = public.json()["data"]["executionReport"]
    [submission] = report["submissions"]
    assert submission["submittedAt"] == annual["submission"]["submittedAt"]
    assert submission["receiptNumber"] == annual["submission"]["receiptNumber"]
    assert submission["submittedBy"] is None
    assert "production" not in submission["content"] and "controlFacilities" in submission["content"]
    assert report["findings"] is None and report["feedbackForms"] is None
    body = quarterly.json()
    assert body["data"] == {"executionReport": None}
    assert body["errors"][0]["extensions"]["code"] == "unauthenticated"
    assert [e["node"]["kind"] for e in listed["executionReports"]["edges"]] == ["ANNUAL"]
    assert listed["executionReports"]["edges"][0]["node"]["findings"] is None


async def test_the_list_is_scoped_to_the_unit_and_the_jurisdiction_and_filters(client, session):
    permit, _staff, token, officer = await unit(session)
    neighbour = await make_enterprise(session)
    other = await make_permit(session, neighbour, decision_date=(today() - timedelta(days=700)).isoformat())
    other_token = await bearer_token(
        session, await make_user(session, "enterprise_staff", enterprise=neighbour)
    )
    await submit(client, token, permit, "mine")
    await submit(client, token, permit, "annual", kind="ANNUAL", period=last_year(), body=annual_content())
    await submit(client, other_token, other, "theirs")
    elsewhere = await bearer_token(session, await make_user(session, "ecology", region_code="310110"))

    regional = await graphql_data(client, LIST, {"first": 10}, token=officer)
    filtered = await graphql_data(
        client,
        LIST,
        {"first": 10, "filter": {"permitNumber": permit.number, "kind": "QUARTERLY"}},
        token=officer,
    )
    own = await graphql_data(client, LIST, {"first": 10}, token=token)
    far = await graphql_data(client, LIST, {"first": 10}, token=elsewhere)
    bad = await graphql(
        client, LIST, {"first": 10, "filter": {"period": "Q1-2026"}}, token=officer, headers=EN
    )

    assert regional["executionReports"]["totalCount"] == 3
    assert [
        (e["node"]["permitNumber"], e["node"]["period"]) for e in filtered["executionReports"]["edges"]
    ] == [(permit.number, last_full_quarter())]
    assert {e["node"]["permitNumber"] for e in own["executionReports"]["edges"]} == {permit.number}
    assert far["executionReports"]["totalCount"] == 0
    assert bad.json()["errors"][0]["extensions"]["field"] == "period"


async def statements_of(client, db, query, variables, token):  # type: ignore[no-untyped-def]
    statements: list[str] = []

    def remember(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", remember)
    try:
        data = await graphql_data(client, query, variables, token=token)
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", remember)
    return data, statements


async def test_a_page_of_reports_costs_the_same_statements_whatever_its_size(client, session, db):
    officer = await bearer_token(session, await make_user(session, "ecology", region_code="310107"))
    for n in range(6):
        enterprise = await make_enterprise(session)
        permit = await make_permit(
            session, enterprise, decision_date=(today() - timedelta(days=700 + n)).isoformat()
        )
        staff = await make_user(session, "enterprise_staff", enterprise=enterprise)
        token = await bearer_token(session, staff)
        await submit(client, token, permit, f"k{n}")
    await graphql_data(client, LIST, {"first": 1}, token=officer)  # the token's first use is recorded once

    small, few = await statements_of(client, db, LIST, {"first": 2}, officer)
    large, many = await statements_of(client, db, LIST, {"first": 50}, officer)

    assert len(small["executionReports"]["edges"]) == 2 and len(large["executionReports"]["edges"]) == 6
    assert all(len(e["node"]["submissions"]) == 1 for e in large["executionReports"]["edges"])
    assert len(many) == len(few), many


SCHEDULE = (
    "query($number: String) { reportSchedule(permitNumber: $number) {"
    " permitNumber enterpriseName kind period periodStart dueDate state late report { id state } } }"
)


async def test_the_schedule_lists_every_period_with_its_state_and_hides_drafts_from_regulators(
    client, session
):
    permit, _staff, token, officer = await unit(session)
    quarter = last_full_quarter()
    year = last_year()
    await submit(client, token, permit, "filed-1")  # the last full quarter is filed
    saved = await graphql_data(
        client,
        SAVE,
        {"input": {"permitNumber": permit.number, "kind": "ANNUAL", "period": year, "content": content()}},
        token=token,
    )
    assert saved["saveReportDraft"]["errors"] == []
    day = today()
    current = f"{day.year}-Q{(day.month - 1) // 3 + 1}"  # still running: a draft started early
    early = await graphql_data(
        client,
        SAVE,
        {
            "input": {
                "permitNumber": permit.number,
                "kind": "QUARTERLY",
                "period": current,
                "content": content(),
            }
        },
        token=token,
    )
    assert early["saveReportDraft"]["errors"] == []

    mine = (await graphql_data(client, SCHEDULE, {}, token=token))["reportSchedule"]
    by_period = {(item["kind"], item["period"]): item for item in mine}
    assert {item["permitNumber"] for item in mine} == {permit.number}
    filed = by_period[("QUARTERLY", quarter)]
    assert filed["state"] == "SUBMITTED" and filed["report"]["state"] == "SUBMITTED"
    draft = by_period[("ANNUAL", year)]
    # last year's annual report was due on 31 January: a draft saved since is still overdue
    assert draft["state"] == "OVERDUE" and draft["report"]["state"] == "DRAFT"
    assert by_period[("QUARTERLY", current)]["state"] == "DRAFT"
    # periods nobody has started are listed too, with their due date; the permit is 700 days old
    untouched = [item for item in mine if item["report"] is None]
    assert untouched and {item["state"] for item in untouched} <= {"NOT_DUE", "OPEN", "OVERDUE"}
    assert any(item["state"] == "OVERDUE" and item["dueDate"] < today().isoformat() for item in untouched)
    starts = [item["periodStart"] for item in mine]
    assert starts[0] >= starts[-1]  # newest first

    # the ecology officer of the district sees the permit's schedule, but the unit's draft is not theirs
    seen = await graphql_data(client, SCHEDULE, {"number": permit.number}, token=officer)
    regulator_view = {(item["kind"], item["period"]): item for item in seen["reportSchedule"]}
    assert regulator_view[("QUARTERLY", quarter)]["state"] == "SUBMITTED"
    assert regulator_view[("ANNUAL", year)]["report"] is None
    assert regulator_view[("ANNUAL", year)]["state"] == "OVERDUE"
    assert regulator_view[("QUARTERLY", current)] | {"report": None} == regulator_view[("QUARTERLY", current)]
    assert regulator_view[("QUARTERLY", current)]["state"] == "NOT_DUE"

    # another unit's staff do not learn that the permit exists
    stranger = await make_user(session, "enterprise_staff", enterprise=await make_enterprise(session))
    stranger_token = await bearer_token(session, stranger)
    refused = await graphql(client, SCHEDULE, {"number": permit.number}, token=stranger_token, headers=EN)
    body = refused.json()
    assert "errors" not in body and body["data"] == {"reportSchedule": None}
    assert (await graphql_data(client, SCHEDULE, {}, token=stranger_token))["reportSchedule"] == []


async def test_the_chain_check_holds_the_report_row_to_version_one(client, session, connection):
    permit, _staff, token, officer = await unit(session)
    await submit(client, token, permit, "v1")
    report = (await one(client, permit, token=officer)).json()["data"]["executionReport"]
    verified = (await graphql_data(client, VERIFY, {"id": report["id"]}, token=officer))["verifyReportChain"]
    assert verified["intact"] is True and verified["problems"] == []
    # Someone with the owner's rights drops the report's guard and moves its first time a month back.
    if connection.dialect.name == "postgresql":
        await connection.execute(
            sa.text("ALTER TABLE execution_report DISABLE TRIGGER execution_report_keeps_record")
        )
        moved = "first_submitted_at - interval '30 days'"
    else:
        await connection.execute(sa.text("DROP TRIGGER execution_report_keeps_record"))
        moved = "'2020-01-01 00:00:00.000000'"
    await connection.execute(sa.text(f"UPDATE execution_report SET first_submitted_at = {moved}"))
    verified = (await graphql_data(client, VERIFY, {"id": report["id"]}, token=officer))["verifyReportChain"]
    assert verified["intact"] is False
    assert [link["intact"] for link in verified["links"]] == [True]
    assert verified["problems"] == [
        {"code": "first_time_differs", "message": "报告的首次提交时间与第 1 版的收到时间不一致。"}
    ]


async def test_a_period_that_has_not_ended_is_refused_naming_its_end(client, session):
    permit, _staff, token, _officer = await unit(session)
    day = today()
    current = f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    end = rules.parse_period("quarterly", current).end

    early = await submit(client, token, permit, "early", period=current)

    assert early["submission"] is None and early["report"] is None
    assert [(e["field"], e["code"]) for e in early["errors"]] == [("period", "period_not_ended")]
    assert early["errors"][0]["message"] == (
        f"报告期 {current} 于 {end.isoformat()} 结束：自 {(end + timedelta(days=1)).isoformat()} 起方可提交。"
    )
    assert await count(session, ReportSubmission) == 0
