"""Bad input to any portal route gets a 4xx (or a page), never a 500.

Every route of the application is enumerated from the Starlette router. Hypothesis draws a route, its
path parameters (real ids and numbers of the data set up here, ids too large for an integer, NUL
bytes, odd text), a query string and, for POST routes, a form built from the parameter and field
names the portal reads (collected from its source and its templates), with hostile values: NUL,
numbers of 30 digits, 1e308, NaN, year 0001 and 9999 dates, cursors with huge offsets or none at all.
It does so anonymously and logged in as each kind of user. The example counts stay small (the
``fuzz`` settings profile): the point is breadth over every route, run on both databases.

Beside the search, the defects found once are pinned as plain examples, so they stay fixed.
"""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.routing import Route

from domain.clock import today
from tests.agencies.test_portal_agencies import CLERK_PASSWORD, make_agency
from tests.factories import PASSWORD, make_enterprise, make_permit, make_user
from tests.portal_helpers import csrf_from, log_in

ROOT = Path(__file__).resolve().parents[2]
FUZZ = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,  # the same requests on every run and both databases: a failure reproduces
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
# Routes that end the client's own session or need a browser upload are left to their own tests.
SKIPPED = {"logout", "static"}
ROLES = ["anonymous", "admin", "permitting", "legal", "enterprise_admin", "agency_staff"]


def _names_read_by_the_portal() -> list[str]:
    """Every query parameter and form field name the portal's code or templates read."""
    names: set[str] = set()
    code = "\n".join(path.read_text() for path in (ROOT / "portal").glob("*.py"))
    names.update(re.findall(r"(?:params|form|data)(?:\.get|\.getlist)?[\(\[]\s*\"([a-z_]+)\"", code))
    for template in (ROOT / "web_templates").rglob("*.html"):
        names.update(re.findall(r'name="([a-z_]+)"', template.read_text()))
    names.discard("csrf_token")
    return sorted(names)


PARAMETER_NAMES = _names_read_by_the_portal()


def cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


HOSTILE = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "%00",
    "0",
    "-1",
    "1",
    str(2**31 - 1),
    str(2**31),
    str(2**63 - 1),
    str(2**63),
    "9" * 40,
    "1e308",
    "-1e308",
    "1e-320",
    "nan",
    "inf",
    "-inf",
    "0001-01-01",
    "9999-12-31",
    "0000-00-00",
    "0001-01",
    "9999-12",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "2026-02-30",
    "2026-13",
    "2026-Q9",
    cursor("offset:" + "9" * 30),
    cursor("offset:" + str(2**63)),
    cursor("offset:-5"),
    cursor("nonsense"),
    "!!!not-base64",
    "x" * 3000,
    "<script>alert(1)</script>",
    "'; DROP TABLE users; --",
    "../../etc/passwd",
    "=1+1",
    "en",
    "true",
    "approve",
    "monthly",
    "quarterly",
    "annual",
]
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)


def values(known: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(known + HOSTILE), TEXT, st.integers(-(2**70), 2**70).map(str), st.floats().map(str)
    )


def routes_of(app) -> list[Route]:  # type: ignore[no-untyped-def]
    found = [route for route in app.router.routes if isinstance(route, Route)]
    return sorted(
        (route for route in found if route.name not in SKIPPED and route.path != "/graphql"),
        key=lambda route: (route.path, sorted(route.methods or [])),
    )


class World:
    """The data the fuzzing requests can name: one unit with a permit, an agency, people of each role."""

    def __init__(self) -> None:
        self.known: list[str] = []
        self.clients: dict[str, httpx.AsyncClient] = {}
        self.tokens: dict[str, str] = {}
        self.path_values: dict[str, str] = {}

    def path_value(self, route: Route, name: str) -> str:
        """A value of a path parameter that names a real row where the data set has one."""
        if name == "code":
            for part, value in (("/enterprises/", "enterprise"), ("/outlets/", "outlet"), ("/lang/", "lang")):
                if part in route.path:
                    return self.path_values[value]
        if name.endswith("_id") and name not in self.path_values:
            return "1"
        return self.path_values.get(name, self.path_values["number"])


@pytest.fixture
async def world(app, session):  # type: ignore[no-untyped-def]
    enterprise = await make_enterprise(session)
    permit = await make_permit(session, enterprise, decision_date=(today() - timedelta(days=400)).isoformat())
    agency, clerk = await make_agency(session)
    users = {
        "admin": await make_user(session, "admin"),
        "permitting": await make_user(session, "permitting"),
        "legal": await make_user(session, "legal"),
        "enterprise_admin": await make_user(session, "enterprise_admin", enterprise=enterprise),
        "agency_staff": clerk,
    }
    world = World()
    world.known = [
        permit.number,
        enterprise.credit_code,
        agency.credit_code,
        "DA001",
        "DW001",
        "SO2",
        str(permit.id),
        str(enterprise.id),
        "2025-Q1",
        "2025-01",
        "2025",
        users["admin"].username,
    ]
    world.path_values = {
        "number": permit.number,
        "permit_number": permit.number,
        "code": agency.credit_code,
        "enterprise": enterprise.credit_code,
        "outlet": "DA001",
        "lang": "en",
        "permit_id": str(permit.id),
        "kind": "quarterly",
        "period": f"{today().year - 1}-Q1",
        "username": users["enterprise_admin"].username,
    }
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 50000), raise_app_exceptions=False)
    for role in ROLES:
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver", follow_redirects=False)
        if role != "anonymous":
            password = CLERK_PASSWORD if role == "agency_staff" else PASSWORD
            response = await log_in(client, users[role].username, password)
            assert response.status_code in (302, 303), (role, response.status_code)
        world.clients[role] = client
        world.tokens[role] = csrf_from(
            (await client.get("/login" if role == "anonymous" else "/account")).text
        )
    yield world
    for client in world.clients.values():
        await client.aclose()


async def send(world: World, role: str, method: str, path: str, query: dict, form: dict, htmx: bool):  # type: ignore[no-untyped-def,type-arg]
    headers = {"X-CSRF-Token": world.tokens[role], "Accept-Language": "en"}
    if htmx:
        headers["HX-Request"] = "true"
    client = world.clients[role]
    if method == "GET":
        return await client.get(path, params=query, headers=headers)
    return await client.post(path, params=query, data=form, headers=headers)


def fill(route: Route, params: dict[str, str]) -> str:
    path = route.path_format
    for name, value in params.items():
        path = path.replace("{" + name + "}", quote(value, safe=""))
    return path


@pytest.mark.parametrize("role", ROLES)
@FUZZ
@given(data=st.data())
async def test_no_portal_route_answers_500_to_any_parameters(app, world, role, data):  # type: ignore[no-untyped-def]
    route = data.draw(st.sampled_from(routes_of(app)), label="route")
    method = data.draw(st.sampled_from(sorted(route.methods - {"HEAD"})), label="method")
    params = {}
    for name, convertor in route.param_convertors.items():
        if type(convertor).__name__ in ("IntegerConvertor",) or name.endswith("_id"):
            strategy = st.one_of(
                st.sampled_from(["0", "1", "2", str(2**31 - 1), str(2**31), str(2**63), "9" * 40]),
                st.integers(0, 2**80).map(str),
            )
        else:
            strategy = values(world.known).filter(
                lambda text: "/" not in text and text not in ("", ".", "..")
            )
        params[name] = data.draw(strategy, label=name)
    names = st.sampled_from(PARAMETER_NAMES)
    query = data.draw(st.dictionaries(names, values(world.known), max_size=4), label="query")
    form = (
        data.draw(st.dictionaries(names, values(world.known), max_size=6), label="form")
        if method == "POST"
        else {}
    )
    htmx = data.draw(st.booleans(), label="htmx")
    path = fill(route, params)
    response = await send(world, role, method, path, query, form, htmx)
    assert response.status_code < 500, (role, method, path, query, form, response.status_code)


# ---------------------------------------------------------------------------
# The defects found, pinned
# ---------------------------------------------------------------------------

PINNED = [
    ("permitting", "GET", "/permits/id/" + str(2**31), {}),
    ("permitting", "GET", "/permits/id/" + str(2**63), {}),
    ("permitting", "GET", "/permits/id/" + "9" * 40, {}),
    ("permitting", "GET", "/reports/id/" + str(2**31), {}),
    ("permitting", "GET", "/review/" + str(2**63), {}),
    ("enterprise_admin", "GET", "/reports/id/" + str(2**31) + "/verify", {}),
    ("anonymous", "GET", "/public/permits", {"q": "a\x00b"}),
    ("anonymous", "GET", "/public/permits/a%00b", {}),
    ("anonymous", "GET", "/public/outlets/a%00b/DA001", {}),
    ("anonymous", "GET", "/public/agencies/a%00b", {}),
    ("anonymous", "GET", "/public/reports/a%00b", {}),
    ("anonymous", "GET", "/receipts/a%00b", {}),
    ("permitting", "GET", "/enterprises", {"q": "\x00"}),
    ("permitting", "GET", "/enterprises/a%00b", {}),
    ("permitting", "GET", "/permits", {"q": "\x00", "page": "9" * 30}),
    ("legal", "GET", "/agencies/a%00b", {}),
    ("permitting", "GET", "/ledger/a%00b", {}),
    ("admin", "GET", "/admin/audit", {"page": "9" * 30}),
    ("admin", "GET", "/admin/users", {"q": "\x00"}),
    ("anonymous", "GET", "/public/expired", {"month": "9999-12"}),
    ("anonymous", "GET", "/public/expired", {"month": "0001-01"}),
    ("anonymous", "GET", "/public/expired.csv", {"month": "0001-01"}),
    ("anonymous", "GET", "/public/agencies", {"page": "9" * 30}),
]


@pytest.mark.parametrize(("role", "method", "path", "query"), PINNED)
async def test_a_hostile_parameter_found_once_gets_a_client_error(app, world, role, method, path, query):  # type: ignore[no-untyped-def]
    response = await send(world, role, method, path, query, {}, False)
    assert 400 <= response.status_code < 500 or response.status_code == 200, response.status_code


async def test_an_export_of_year_0001_or_9999_is_refused_naming_the_field(app, world):  # type: ignore[no-untyped-def]
    number = world.known[0]
    for first, last in (
        ("0001-01-01", "0001-01-31"),
        ("9999-12-01", "9999-12-31"),
        ("2026-01-01", "9999-12-31"),
    ):
        response = await send(
            world,
            "enterprise_admin",
            "GET",
            f"/ledger/{number}/export.xlsx",
            {"from": first, "to": last},
            {},
            False,
        )
        assert response.status_code == 400, (first, last, response.status_code)


# The values that broke pages once (NUL is refused at the door, so it would test nothing deeper).
SWEEP = ["9" * 40, "1e308", "0001-01-01", "9999-12-31", cursor("offset:" + "9" * 30)]


@pytest.mark.parametrize("role", ["enterprise_admin", "admin"])
async def test_every_route_with_every_parameter_set_to_a_hostile_value_answers_below_500(app, world, role):  # type: ignore[no-untyped-def]
    """A sweep beside the search: every route, its path naming real rows, every parameter name the portal
    reads set to one of the values that once broke a page (rotated so each name meets each value)."""
    failures = []
    for route in routes_of(app):
        params = {name: world.path_value(route, name) for name in route.param_convertors}
        path = fill(route, params)
        for method in sorted(route.methods - {"HEAD"}):
            for turn in range(len(SWEEP)):
                query = {name: SWEEP[(i + turn) % len(SWEEP)] for i, name in enumerate(PARAMETER_NAMES)}
                form = query if method == "POST" else {}
                response = await send(world, role, method, path, {} if form else query, form, False)
                if response.status_code >= 500:
                    failures.append((method, path, turn))
    assert failures == []
