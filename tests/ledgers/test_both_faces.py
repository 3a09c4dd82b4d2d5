"""The same ledger writes through both faces, compared: a form posted to the portal and the GraphQL
mutation reach one use case, so they accept or refuse alike, name the same field with the same error,
and write the same rows.

Each case runs once per face, on targets of its own (an entry to void, an exceedance to explain), and
the outcomes are compared: accepted or refused (and how: not found, forbidden, invalid), every error as
(field, code) and its message in English (the portal marks each error beside its field with the
field's name and the code, GraphQL returns field, code and message), and the rows written.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import operator
from domain.accounts.models import User
from domain.agencies import service as agencies
from domain.agencies.rules import AgencyInput, AuthorisationInput, QualificationInput, StaffInput
from domain.clock import CHINA, today
from domain.ledgers.entry_rules import EntryInput
from domain.ledgers.models import Exceedance, LedgerEntry, MonitoringReading, ShutdownPeriod
from domain.ledgers.rules import ReadingInput
from domain.ledgers.service import entries as entry_cases
from domain.ledgers.service import readings as reading_cases
from domain.permits.models import Permit
from graphql_schema.errors import camel_case
from tests.factories import actor, credit_code, make_enterprise, make_permit, make_user
from tests.graphql_helpers import bearer_token, graphql_data
from tests.portal_helpers import csrf_token, log_in

EN = {"Accept-Language": "en"}
AGENCY_PASSWORD = "agency-password-1"

# ---------------------------------------------------------------------------
# The world: a unit's permit, its staff, a regulator, another unit, two agencies
# ---------------------------------------------------------------------------


@dataclass
class World:
    permit: Permit
    users: dict[str, User]
    passwords: dict[str, str] = field(default_factory=dict)


async def _agency_clerk(session: AsyncSession, enterprise: Any, scopes: list[str], n: int) -> User:
    agency = await agencies.register_agency(
        session,
        operator("portal"),
        data=AgencyInput(
            name=f"上海绿源环境技术服务有限公司{n}",
            credit_code=credit_code(),
            address="上海市普陀区",
            region_code="310107",
            contact_person="周敏",
            contact_phone="021-52000000",
            service_types=["ledger", "self_monitoring", "facility_operation", "reports"],
            qualifications=[QualificationInput("检验检测机构资质认定", "CMA-1", date(2099, 12, 31))],
        ),
        staff=[StaffInput(username=f"both-faces-clerk-{n}", password=AGENCY_PASSWORD)],
    )
    await session.flush()
    await agencies.review_agency(session, operator(), credit_code=agency.credit_code, decision="approve")
    admin = actor(await make_user(session, "enterprise_admin", enterprise=enterprise))
    await agencies.authorise_agency(
        session,
        admin,
        data=AuthorisationInput(
            agency.credit_code, scopes, today() - timedelta(days=1), today() + timedelta(days=365), "HT-1"
        ),
    )
    await session.flush()
    return (await session.exec(select(User).where(User.agency_id == agency.id))).one()


async def make_world(session: AsyncSession) -> World:
    enterprise = await make_enterprise(session)
    decided = (today() - timedelta(days=200)).isoformat()
    permit = await make_permit(session, enterprise, decision_date=decided)
    users = {
        "staff": await make_user(session, "enterprise_staff", enterprise=enterprise),
        "regulator": await make_user(session, "enforcement", region_code="310107"),
        "stranger": await make_user(session, "enterprise_staff"),  # another unit's officer
        "monitoring_agency": await _agency_clerk(session, enterprise, ["self_monitoring"], 1),
        "ledger_agency": await _agency_clerk(session, enterprise, ["ledger"], 2),
    }
    passwords = {"monitoring_agency": AGENCY_PASSWORD, "ledger_agency": AGENCY_PASSWORD}
    return World(permit, users, passwords)


def china(day_offset: int, hour: int) -> datetime:
    moment = datetime.now(CHINA) + timedelta(days=day_offset)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


# ---------------------------------------------------------------------------
# Outcomes
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    accepted: bool
    refusal: str | None  # not_found / forbidden / invalid
    errors: frozenset[tuple[str | None, str]]  # (camelCase field, English message)
    written: tuple[tuple[str, int], ...]


COUNTED: dict[str, tuple[Any, ...]] = {
    "readings": (MonitoringReading, col(MonitoringReading.voided_at).is_(None)),
    "void readings": (MonitoringReading, col(MonitoringReading.voided_at).is_not(None)),
    "entries": (LedgerEntry, col(LedgerEntry.voided_at).is_(None)),
    "void entries": (LedgerEntry, col(LedgerEntry.voided_at).is_not(None)),
    "exceedances": (Exceedance, Exceedance.status == "open"),
    "explained": (Exceedance, Exceedance.status == "explained"),
    "shutdowns": (ShutdownPeriod,),
}


async def counts(session: AsyncSession) -> dict[str, int]:
    found = {}
    for name, (model, *where) in COUNTED.items():
        statement = select(func.count()).select_from(model).where(*where)
        found[name] = int((await session.exec(statement)).one())
    return found


def _delta(before: dict[str, int], after: dict[str, int]) -> tuple[tuple[str, int], ...]:
    return tuple((name, after[name] - before[name]) for name in COUNTED if after[name] != before[name])


ERROR = re.compile(r'<p class="error" data-field="([^"]*)" data-code="([^"]*)">(.*?)</p>', re.S)


def portal_outcome(
    response: Any, written: tuple[tuple[str, int], ...]
) -> tuple[Outcome, frozenset[tuple[str | None, str]]]:
    """The outcome, and the errors as (field, code): the page marks each error with both."""
    if response.status_code in (403, 404):
        refusal = {403: "forbidden", 404: "not_found"}[response.status_code]
        return Outcome(False, refusal, frozenset(), written), frozenset()
    found = [
        (camel_case(name) or None, code, html.unescape(re.sub(r"<[^>]+>", "", message)).strip())
        for name, code, message in ERROR.findall(response.text)
    ]
    errors = frozenset((name, message) for name, _code, message in found)
    codes = frozenset((name, code) for name, code, _message in found)
    if errors or response.status_code >= 400:
        return Outcome(False, "invalid", errors, written), codes
    assert response.status_code in (200, 303), response.status_code
    return Outcome(True, None, frozenset(), written), codes


ACCESS_CODES = ("not_found", "forbidden", "unauthenticated")


def graphql_outcome(
    errors: list[dict[str, Any]], written: tuple[tuple[str, int], ...]
) -> tuple[Outcome, frozenset[tuple[str | None, str]]]:
    """The outcome, and the errors as (field, code) to check against the case."""
    codes = frozenset(((e["field"] or "").removeprefix("readings[0].") or None, e["code"]) for e in errors)
    if not errors:
        return Outcome(True, None, frozenset(), written), codes
    access = {e["code"] for e in errors} & set(ACCESS_CODES)
    if access:
        return Outcome(False, access.pop(), frozenset(), written), codes
    messages = frozenset(
        ((e["field"] or "").removeprefix("readings[0].") or None, e["message"]) for e in errors
    )
    return Outcome(False, "invalid", messages, written), codes


# ---------------------------------------------------------------------------
# The operations, each through both faces
# ---------------------------------------------------------------------------

ERRORS = "errors { field code message }"


async def _post(client: Any, path: str, data: dict[str, str]) -> Any:
    token = await csrf_token(client, "/")
    return await client.post(path, data={**data, "csrf_token": token}, headers=EN)


def _number(value: Any) -> str:
    return "" if value is None else str(value)


class Operation:
    """One write: what it needs prepared for each run, and how each face asks for it."""

    async def prepare(self, session: AsyncSession, world: World, run: int) -> dict[str, Any]:
        return {}

    async def portal(self, client: Any, number: str, values: dict[str, Any], target: dict[str, Any]) -> Any:
        raise NotImplementedError

    async def graphql(
        self, client: Any, token: str, number: str, values: dict[str, Any], target: dict[str, Any]
    ) -> list[dict[str, Any]]:
        raise NotImplementedError


class RecordReading(Operation):
    async def prepare(self, session: AsyncSession, world: World, run: int) -> dict[str, Any]:
        return {"measured_at": china(-1, 8 + 4 * run)}  # hours apart: never one reading or episode twice

    async def portal(self, client: Any, number: str, values: dict[str, Any], target: dict[str, Any]) -> Any:
        form = {
            "outlet": values.get("outlet", "DA001"),
            "pollutant": values.get("pollutant", "SO2"),
            "method": values.get("method", "automatic"),
            "measured_at": target["measured_at"].strftime("%Y-%m-%dT%H:%M"),
            "concentration": _number(values.get("concentration", 20.5)),
            "unit": values.get("unit", "mg/m3"),
            "quantity_unit": "kg",
        }
        return await _post(client, f"/ledger/{number}/readings", form)

    async def graphql(
        self, client: Any, token: str, number: str, values: dict[str, Any], target: dict[str, Any]
    ) -> list[dict[str, Any]]:
        reading = {
            "outletCode": values.get("outlet", "DA001"),
            "pollutant": values.get("pollutant", "SO2"),
            "method": values.get("method", "automatic"),
            "measuredAt": target["measured_at"].isoformat(),
            "concentration": values.get("concentration", 20.5),
            "unit": values.get("unit", "mg/m3"),
        }
        data = await graphql_data(
            client,
            "mutation($n: String!, $r: [ReadingInputType!]!) { submitMonitoringBatch(permitNumber: $n, "
            f"readings: $r) {{ written {ERRORS} }} }}",
            {"n": number, "r": [reading]},
            token=token,
            headers=EN,
        )
        return data["submitMonitoringBatch"]["errors"]  # type: ignore[no-any-return]


def _entry_values(values: dict[str, Any], start: datetime) -> dict[str, Any]:
    return {
        "kind": values.get("kind", "production_facility"),
        "subject": values.get("subject", "1#燃煤锅炉"),
        "data": values.get("data", {"status": "正常运行", "hours": "24"}),
        "period_start": start,
    }


class RecordEntry(Operation):
    async def prepare(self, session: AsyncSession, world: World, run: int) -> dict[str, Any]:
        return {"start": china(-1 - run, 0)}

    async def portal(self, client: Any, number: str, values: dict[str, Any], target: dict[str, Any]) -> Any:
        entry = _entry_values(values, target["start"])
        form = {
            "kind": entry["kind"],
            "subject": entry["subject"],
            "period_start": entry["period_start"].strftime("%Y-%m-%dT%H:%M"),
            **{f"data.{name}": str(value) for name, value in entry["data"].items()},
        }
        return await _post(client, f"/ledger/{number}/entries", form)

    async def graphql(
        self, client: Any, token: str, number: str, values: dict[str, Any], target: dict[str, Any]
    ) -> list[dict[str, Any]]:
        entry = _entry_values(values, target["start"])
        data = await graphql_data(
            client,
            "mutation($n: String!, $i: LedgerEntryInputType!) { recordLedgerEntry(permitNumber: $n, "
            f"input: $i) {{ entry {{ id }} {ERRORS} }} }}",
            {
                "n": number,
                "i": {
                    "kind": entry["kind"],
                    "subject": entry["subject"],
                    "periodStart": entry["period_start"].isoformat(),
                    "data": entry["data"],
                },
            },
            token=token,
            headers=EN,
        )
        return data["recordLedgerEntry"]["errors"]  # type: ignore[no-any-return]


class VoidEntry(Operation):
    async def prepare(self, session: AsyncSession, world: World, run: int) -> dict[str, Any]:
        entry = await entry_cases.record_entry(
            session,
            actor(world.users["staff"]),
            permit_number=world.permit.number or "",
            data=EntryInput("other", "DA001", china(-2, run), data={"description": "重复录入的记录"}),
        )
        return {"entry_id": entry.id}

    async def portal(self, client: Any, number: str, values: dict[str, Any], target: dict[str, Any]) -> Any:
        path = f"/ledger/{number}/entries/{target['entry_id']}/void"
        return await _post(client, path, {"reason": values["reason"]})

    async def graphql(
        self, client: Any, token: str, number: str, values: dict[str, Any], target: dict[str, Any]
    ) -> list[dict[str, Any]]:
        data = await graphql_data(
            client,
            "mutation($id: Int!, $r: String!) { voidLedgerEntry(id: $id, reason: $r) "
            f"{{ entry {{ id }} {ERRORS} }} }}",
            {"id": target["entry_id"], "r": values["reason"]},
            token=token,
            headers=EN,
        )
        return data["voidLedgerEntry"]["errors"]  # type: ignore[no-any-return]


class VoidReading(Operation):
    """Through the portal only (GraphQL has no mutation for it): checked against what the case expects."""

    async def prepare(self, session: AsyncSession, world: World, run: int) -> dict[str, Any]:
        moment = china(-3, run)
        await reading_cases.record_readings(
            session,
            actor(world.users["staff"]),
            permit_number=world.permit.number or "",
            readings=[ReadingInput("DA001", "SO2", "automatic", moment, 20.0, "mg/m3")],
        )
        reading = (
            await session.exec(select(MonitoringReading).where(MonitoringReading.measured_at == moment))
        ).one()
        return {"reading_id": reading.id}

    async def portal(self, client: Any, number: str, values: dict[str, Any], target: dict[str, Any]) -> Any:
        path = f"/ledger/{number}/readings/{target['reading_id']}/void"
        return await _post(client, path, {"reason": values["reason"]})


class ExplainExceedance(Operation):
    async def prepare(self, session: AsyncSession, world: World, run: int) -> dict[str, Any]:
        start = china(-4, 3 * run)  # hours apart: episodes of their own
        await reading_cases.record_readings(
            session,
            actor(world.users["staff"]),
            permit_number=world.permit.number or "",
            readings=[ReadingInput("DA001", "SO2", "automatic", start, 60.0, "mg/m3")],
        )
        exceedance = (await session.exec(select(Exceedance).where(Exceedance.started_at == start))).one()
        return {"exceedance_id": exceedance.id}

    async def portal(self, client: Any, number: str, values: dict[str, Any], target: dict[str, Any]) -> Any:
        path = f"/ledger/{number}/exceedances/{target['exceedance_id']}/explain"
        return await _post(client, path, {"cause": values["cause"], "measures": values["measures"]})

    async def graphql(
        self, client: Any, token: str, number: str, values: dict[str, Any], target: dict[str, Any]
    ) -> list[dict[str, Any]]:
        data = await graphql_data(
            client,
            "mutation($id: Int!, $c: String!, $m: String!) { explainExceedance(id: $id, cause: $c, "
            f"measures: $m) {{ exceedance {{ id }} {ERRORS} }} }}",
            {"id": target["exceedance_id"], "c": values["cause"], "m": values["measures"]},
            token=token,
            headers=EN,
        )
        return data["explainExceedance"]["errors"]  # type: ignore[no-any-return]


class RecordShutdown(Operation):
    async def prepare(self, session: AsyncSession, world: World, run: int) -> dict[str, Any]:
        first = today() - timedelta(days=30 - 10 * run)
        return {"starts_on": first, "ends_on": first + timedelta(days=2)}

    async def portal(self, client: Any, number: str, values: dict[str, Any], target: dict[str, Any]) -> Any:
        form = {
            "starts_on": target["starts_on"].isoformat(),
            "ends_on": target["ends_on"].isoformat(),
            "reason": values["reason"],
        }
        return await _post(client, f"/ledger/{number}/shutdowns", form)

    async def graphql(
        self, client: Any, token: str, number: str, values: dict[str, Any], target: dict[str, Any]
    ) -> list[dict[str, Any]]:
        data = await graphql_data(
            client,
            "mutation($n: String!, $s: Date!, $e: Date, $r: String!) { recordShutdown(permitNumber: $n, "
            f"startsOn: $s, endsOn: $e, reason: $r) {{ shutdown {{ id }} {ERRORS} }} }}",
            {
                "n": number,
                "s": target["starts_on"].isoformat(),
                "e": target["ends_on"].isoformat(),
                "r": values["reason"],
            },
            token=token,
            headers=EN,
        )
        return data["recordShutdown"]["errors"]  # type: ignore[no-any-return]


OPERATIONS: dict[str, Operation] = {
    "record reading": RecordReading(),
    "record entry": RecordEntry(),
    "void entry": VoidEntry(),
    "void reading": VoidReading(),
    "explain exceedance": ExplainExceedance(),
    "record shutdown": RecordShutdown(),
}


# ---------------------------------------------------------------------------
# The cases
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    operation: str
    user: str
    values: dict[str, Any]
    accepted: bool
    errors: frozenset[tuple[str | None, str]] = frozenset()  # (field, code) as GraphQL names them
    written: tuple[tuple[str, int], ...] = ()

    def __str__(self) -> str:
        return f"{self.user}-{self.operation}"


def refused(*pairs: tuple[str | None, str]) -> frozenset[tuple[str | None, str]]:
    return frozenset(pairs)


CASES = [
    # AGENCY_SCOPE_OF: monitoring readings are the self-monitoring scope, the ledger's entries the ledger's.
    Case("record reading", "monitoring_agency", {}, True, written=(("readings", 1),)),
    Case("record reading", "ledger_agency", {}, False, refused((None, "forbidden"))),
    Case("record entry", "monitoring_agency", {}, False, refused((None, "forbidden"))),
    Case("record entry", "ledger_agency", {}, True, written=(("entries", 1),)),
    Case("record entry", "regulator", {}, False, refused((None, "forbidden"))),
    Case("record entry", "staff", {}, True, written=(("entries", 1),)),
    Case(
        "record reading", "staff", {"concentration": 48}, True, written=(("readings", 1), ("exceedances", 1))
    ),
    # A void reason longer than its column is refused, never cut.
    Case("void entry", "staff", {"reason": "重" * 600}, False, refused(("reason", "too_long"))),
    Case("void entry", "staff", {"reason": "重复录入"}, True, written=(("entries", -1), ("void entries", 1))),
    # An empty value.
    Case("void entry", "staff", {"reason": "  "}, False, refused(("reason", "required"))),
    Case("record reading", "staff", {"unit": ""}, False, refused(("unit", "required"))),
    Case("record reading", "staff", {"outlet": ""}, False, refused(("outlet", "required"))),
    # Codes are read alike, whatever their case (the form and the file import lowered the method).
    Case("record reading", "staff", {"method": " Manual "}, True, written=(("readings", 1),)),
    Case("record entry", "staff", {"subject": ""}, False, refused(("subject", "required"))),
    Case("record shutdown", "staff", {"reason": ""}, False, refused(("reason", "required"))),
    # A too-long text.
    Case("record entry", "staff", {"subject": "锅" * 101}, False, refused(("subject", "too_long"))),
    Case(
        "explain exceedance",
        "staff",
        {"cause": "泵" * 2001, "measures": "更换"},
        False,
        refused(("cause", "too_long")),
    ),
    Case("record shutdown", "staff", {"reason": "检" * 501}, False, refused(("reason", "too_long"))),
    # A foreign permit: another unit's ledger does not exist for this user.
    Case("record reading", "stranger", {}, False, refused(("permitNumber", "not_found"))),
    Case("record entry", "stranger", {}, False, refused(("permitNumber", "not_found"))),
    Case("void entry", "stranger", {"reason": "删除"}, False, refused(("id", "not_found"))),
    Case(
        "explain exceedance", "stranger", {"cause": "a", "measures": "b"}, False, refused(("id", "not_found"))
    ),
    Case(
        "explain exceedance",
        "ledger_agency",
        {"cause": "故障", "measures": "检修"},
        True,
        written=(("exceedances", -1), ("explained", 1)),
    ),
    Case("record shutdown", "staff", {"reason": "锅炉检修"}, True, written=(("shutdowns", 1),)),
]


async def _log_in(client: Any, world: World, who: str) -> None:
    client.cookies.clear()
    await log_in(client, world.users[who].username, world.passwords.get(who, "correct-horse-battery"))


@pytest.mark.parametrize("case", CASES, ids=str)
async def test_both_faces_accept_and_refuse_alike(client, session, case: Case) -> None:  # type: ignore[no-untyped-def]
    world = await make_world(session)
    operation = OPERATIONS[case.operation]
    number = world.permit.number or ""
    user = world.users[case.user]

    # The portal: the user's browser posts the form.
    target = await operation.prepare(session, world, 0)
    await session.flush()
    await _log_in(client, world, case.user)
    before = await counts(session)
    response = await operation.portal(client, number, case.values, target)
    through_portal, portal_codes = portal_outcome(response, _delta(before, await counts(session)))

    # GraphQL: the same user's integration sends the mutation.
    target = await operation.prepare(session, world, 1)
    token = await bearer_token(session, user)
    client.cookies.clear()
    before = await counts(session)
    problems = await operation.graphql(client, token, number, case.values, target)
    through_graphql, codes = graphql_outcome(problems, _delta(before, await counts(session)))

    assert through_portal == through_graphql
    assert (through_graphql.accepted, codes, through_graphql.written) == (
        case.accepted,
        case.errors,
        case.written,
    )


PORTAL_ONLY = [
    Case("void reading", "staff", {"reason": "仪" * 600}, False, refused(("reason", "too_long"))),
    Case("void reading", "staff", {"reason": ""}, False, refused(("reason", "required"))),
    Case(
        "void reading",
        "monitoring_agency",
        {"reason": "录入错误"},
        True,
        written=(("readings", -1), ("void readings", 1)),
    ),
    Case("void reading", "ledger_agency", {"reason": "录入错误"}, False),
    Case("void reading", "stranger", {"reason": "录入错误"}, False),
]


@pytest.mark.parametrize("case", PORTAL_ONLY, ids=str)
async def test_the_portal_only_writes_follow_the_same_rules(client, session, case: Case) -> None:  # type: ignore[no-untyped-def]
    """Voiding a reading has no GraphQL mutation: the portal applies the rules the cases above pin."""
    world = await make_world(session)
    operation = OPERATIONS[case.operation]
    target = await operation.prepare(session, world, 0)
    await session.flush()
    await _log_in(client, world, case.user)
    before = await counts(session)
    response = await operation.portal(client, world.permit.number or "", case.values, target)
    outcome, codes = portal_outcome(response, _delta(before, await counts(session)))
    assert (outcome.accepted, outcome.written) == (case.accepted, case.written)
    expected_refusal = {"ledger_agency": "forbidden", "stranger": "not_found"}.get(case.user, "invalid")
    assert outcome.refusal == (None if case.accepted else expected_refusal)
    assert codes == case.errors
