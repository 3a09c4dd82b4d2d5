"""Bad arguments to any GraphQL field get a refusal or a payload error, never an internal error.

Every query and mutation field of the schema is enumerated from the schema itself. Hypothesis
builds arguments from each argument's type (strings with NUL and 40-digit numbers, ids out of
range, 1e308, year 0001 and 9999 dates, malformed cursors and cursors with huge offsets, enum
values, nested inputs and lists), passes them as variables, and selects the field's scalar
subfields. It runs anonymously and with a regulator's and an enterprise's bearer token, and asserts
no 5xx status and no ``internal_error`` (an exception nobody meant for the client).
"""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    get_named_type,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.clock import today
from graphql_schema.schema import schema
from tests.factories import make_enterprise, make_permit, make_user
from tests.graphql_helpers import GRAPHQL, bearer_token

FUZZ = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
ROLES = ["anonymous", "regulator", "enterprise"]
GRAPHQL_SCHEMA = schema._schema


def cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


HOSTILE_TEXT = [
    "",
    "\x00",
    "a\x00b",
    "0",
    "-1",
    str(2**31),
    str(2**63),
    "9" * 40,
    "9" * 5000,
    "1e308",
    "nan",
    "0001-01-01",
    "9999-12-31",
    "0001-01-01T00:00:00",
    "9999-12-31T23:59:59+08:00",
    "2026-02-30",
    "2026-Q9",
    cursor("offset:" + "9" * 30),
    cursor("offset:" + str(2**63)),
    cursor("offset:-5"),
    "!!!",
    "x" * 3000,
    "=1+1",
]
KNOWN: list[str] = []  # real permit numbers, credit codes … filled by the fixture
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)


def texts() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(HOSTILE_TEXT), st.deferred(lambda: st.sampled_from(KNOWN or [""])), TEXT)


def value_of(kind: GraphQLInputType, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values of a GraphQL input type, with nulls where the type allows them."""
    nullable = not isinstance(kind, GraphQLNonNull)
    inner = kind.of_type if isinstance(kind, GraphQLNonNull) else kind
    if isinstance(inner, GraphQLList):
        strategy: st.SearchStrategy[Any] = st.lists(value_of(inner.of_type, depth + 1), max_size=3)
    elif isinstance(inner, GraphQLEnumType):
        strategy = st.sampled_from(sorted(inner.values))
    elif isinstance(inner, GraphQLInputObjectType):
        fields = inner.fields
        required = {
            n: value_of(f.type, depth + 1) for n, f in fields.items() if isinstance(f.type, GraphQLNonNull)
        }
        optional = {
            n: value_of(f.type, depth + 1)
            for n, f in fields.items()
            if not isinstance(f.type, GraphQLNonNull)
        }
        strategy = st.fixed_dictionaries(required, optional=optional if depth < 3 else {})
    elif isinstance(inner, GraphQLScalarType):
        strategy = scalar(inner.name)
    else:  # pragma: no cover - every input type is one of the above
        raise AssertionError(inner)
    return st.one_of(st.none(), strategy) if nullable else strategy


def scalar(name: str) -> st.SearchStrategy[Any]:
    if name == "Int":
        return st.one_of(
            st.sampled_from([0, -1, 1, 100, 101, 2**31 - 1, -(2**31)]), st.integers(-(2**31), 2**31 - 1)
        )
    if name == "Float":
        return st.one_of(
            st.sampled_from([1e308, -1e308, 1e300, -1.0, 0.0, 5e-324]),
            st.floats(allow_nan=False, allow_infinity=False),
        )
    if name == "Boolean":
        return st.booleans()
    if name == "JSON":
        return st.one_of(
            st.dictionaries(
                TEXT,
                st.one_of(texts(), st.floats(allow_nan=False, allow_infinity=False), st.none()),
                max_size=3,
            ),
            texts(),
            st.lists(texts(), max_size=2),
        )
    return texts()  # String, ID, Date, DateTime and custom string scalars


def selection(kind: Any, depth: int = 0) -> str:
    """The scalar subfields of a result type (a level of objects below), or __typename."""
    named = get_named_type(kind)
    if not isinstance(named, GraphQLObjectType):
        return "" if isinstance(named, GraphQLScalarType | GraphQLEnumType) else "{ __typename }"
    parts = ["__typename"]
    for name, field in named.fields.items():
        if any(isinstance(a.type, GraphQLNonNull) for a in field.args.values()):
            continue
        child = get_named_type(field.type)
        if isinstance(child, GraphQLScalarType | GraphQLEnumType):
            parts.append(name)
        elif depth < 1 and isinstance(child, GraphQLObjectType):
            parts.append(f"{name} {selection(field.type, depth + 1)}")
    return "{ " + " ".join(parts) + " }"


def operations() -> list[tuple[str, str, GraphQLField]]:
    found = []
    for kind, root in (("query", GRAPHQL_SCHEMA.query_type), ("mutation", GRAPHQL_SCHEMA.mutation_type)):
        assert root is not None
        for name, field in sorted(root.fields.items()):
            found.append((kind, name, field))
    return found


OPERATIONS = operations()


def document(kind: str, name: str, field: GraphQLField) -> str:
    declared = ", ".join(f"${arg}: {field.args[arg].type}" for arg in field.args)
    passed = ", ".join(f"{arg}: ${arg}" for arg in field.args)
    head = f"{kind} Fuzz({declared})" if declared else f"{kind} Fuzz"
    call = f"{name}({passed})" if passed else name
    return f"{head} {{ {call} {selection(field.type)} }}"


@pytest.fixture
async def callers(app, session):  # type: ignore[no-untyped-def]
    enterprise = await make_enterprise(session)
    permit = await make_permit(session, enterprise, decision_date=(today() - timedelta(days=400)).isoformat())
    regulator = await make_user(session, "permitting")
    staff = await make_user(session, "enterprise_admin", enterprise=enterprise)
    KNOWN[:] = [permit.number, enterprise.credit_code, "DA001", "SO2", str(permit.id), "2025-Q1", "2025"]
    tokens = {
        "anonymous": None,
        "regulator": await bearer_token(session, regulator, scopes=["read", "write"]),
        "enterprise": await bearer_token(session, staff, scopes=["read", "write"]),
    }
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client, tokens


def internal_errors(body: Any) -> list[Any]:
    errors = body.get("errors") if isinstance(body, dict) else None
    return [e for e in errors or [] if (e.get("extensions") or {}).get("code") == "internal_error"]


async def ask(
    client: httpx.AsyncClient, token: str | None, query: str, variables: dict[str, Any]
) -> httpx.Response:
    headers = {"Accept-Language": "en"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return await client.post(GRAPHQL, json={"query": query, "variables": variables}, headers=headers)


@pytest.mark.parametrize("role", ROLES)
@FUZZ
@given(data=st.data())
async def test_no_graphql_field_fails_inside_on_any_arguments(callers, role, data):  # type: ignore[no-untyped-def]
    client, tokens = callers
    kind, name, field = data.draw(st.sampled_from(OPERATIONS), label="field")
    variables = data.draw(
        st.fixed_dictionaries({arg: value_of(spec.type) for arg, spec in field.args.items()}),
        label="variables",
    )
    query = document(kind, name, field)
    response = await ask(client, tokens[role], query, variables)
    assert response.status_code < 500, (name, variables, response.text[:300])
    assert internal_errors(response.json()) == [], (name, variables)


@pytest.mark.parametrize(("kind", "name", "field"), OPERATIONS, ids=[name for _, name, _ in OPERATIONS])
async def test_every_graphql_field_with_hostile_text_in_every_argument_fails_cleanly(
    callers, kind, name, field
):  # type: ignore[no-untyped-def]
    """A sweep beside the search: each field, as a regulator and as an enterprise, every text argument
    (and every text field of an input) set to values that once broke a page."""
    client, tokens = callers
    query = document(kind, name, field)
    for hostile in ("a\x00b", "9" * 40, "0001-01-01", "9999-12-31T23:59:59", cursor("offset:" + "9" * 30)):
        # Arguments that name a permit or a unit name the real ones, so the hostile value reaches the rest.
        real = {"permitNumber": KNOWN[0], "number": KNOWN[0], "creditCode": KNOWN[1]}
        variables = {
            arg: real.get(arg) or filled(spec.type, hostile, real) for arg, spec in field.args.items()
        }
        for role in ("regulator", "enterprise"):
            response = await ask(client, tokens[role], query, variables)
            assert response.status_code < 500, (role, variables, response.text[:300])
            assert internal_errors(response.json()) == [], (role, variables)


def filled(kind: Any, text: str, real: dict[str, str] | None = None) -> Any:
    """A value of ``kind`` whose every text is ``text`` (enums their first value, numbers 1), but for
    the fields named in ``real``."""
    inner = kind.of_type if isinstance(kind, GraphQLNonNull) else kind
    if isinstance(inner, GraphQLList):
        return [filled(inner.of_type, text, real)]
    if isinstance(inner, GraphQLEnumType):
        return next(iter(inner.values))
    if isinstance(inner, GraphQLInputObjectType):
        return {
            name: (real or {}).get(name) or filled(field.type, text, real)
            for name, field in inner.fields.items()
        }
    if inner.name == "Int":
        return 1
    if inner.name == "Float":
        return 1e308
    if inner.name == "Boolean":
        return True
    if inner.name == "JSON":
        return {"note": text}
    return text
