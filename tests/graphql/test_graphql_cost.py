"""The cost estimate on a schema with nested connections (the product rule along a path)."""

from __future__ import annotations

import strawberry
from graphql import parse

from domain.pagination import MAX_PAGE_SIZE
from graphql_schema.cost import CostCache, evaluate


@strawberry.type
class Leaf:
    name: str


@strawberry.type
class Page:
    total: int
    nodes: list[Leaf]


@strawberry.type
class Node:
    name: str
    tags: list[str]
    leaves: list[Leaf]

    @strawberry.field
    def children(self, first: int = 10) -> Page:  # pragma: no cover - never run
        raise AssertionError

    @strawberry.field
    def unbounded(self, first: int | None = None) -> Page:  # pragma: no cover - never run
        raise AssertionError


@strawberry.type
class Query:
    @strawberry.field
    def nodes(self, first: int = 20) -> list[Node]:  # pragma: no cover - never run
        raise AssertionError

    @strawberry.field
    def one(self) -> Node:  # pragma: no cover - never run
        raise AssertionError


SCHEMA = strawberry.Schema(query=Query)._schema


def cost(query: str, variables: dict | None = None, operation: str | None = None) -> int:  # type: ignore[type-arg]
    cache = CostCache(8, list_estimate=5)
    return evaluate(cache.terms(SCHEMA, query, parse(query), operation), variables)


def test_rows_multiply_along_nested_connections():
    # nodes: 3; children: 3 × 4 = 12; their page of nodes is the connection's own rows.
    assert cost("{ nodes(first: 3) { children(first: 4) { total nodes { name } } } }") == 3 + 12


def test_a_missing_first_counts_as_its_default_or_the_largest_page():
    assert cost("{ nodes { name } }") == 20
    assert cost("{ nodes(first: 2) { children { total } } }") == 2 + 2 * 10
    assert cost("{ nodes(first: 2) { unbounded { total } } }") == 2 + 2 * MAX_PAGE_SIZE


def test_a_first_beyond_the_largest_page_counts_as_the_largest_page():
    # the resolver refuses it with an error naming `first`; the cost must not hide that error
    assert cost("{ nodes(first: 5000) { name } }") == MAX_PAGE_SIZE
    assert cost("query($n: Int!) { nodes(first: $n) { name } }", {"n": 5000}) == MAX_PAGE_SIZE


def test_aliases_and_fragment_spreads_each_add_their_rows():
    assert cost("{ a: nodes(first: 3) { name } b: nodes(first: 4) { name } }") == 7
    query = (
        "{ ...F ...F one { ... on Node { children(first: 6) { total } } } }"
        " fragment F on Query { nodes(first: 3) { name } }"
    )
    assert cost(query) == 3 + 3 + 6


def test_variables_give_first_and_their_declared_defaults_stand_in():
    query = "query($n: Int = 7) { nodes(first: $n) { children(first: $n) { total } } }"
    assert cost(query, {"n": 9}) == 9 + 81
    assert cost(query, {}) == 7 + 49


def test_lists_without_first_count_the_estimate_and_scalar_lists_count_nothing():
    assert cost("{ one { tags leaves { name } } }") == 5
    assert cost("{ nodes(first: 2) { leaves { name } } }") == 2 + 2 * 5


def test_introspection_reads_no_rows_and_every_operation_costs_at_least_one():
    assert cost("{ __schema { types { name fields { name } } } }") == 1
    assert cost("{ one { name } }") == 1


def test_only_the_operation_asked_for_is_counted():
    query = "query A { nodes(first: 3) { name } } query B { nodes(first: 50) { name } }"
    assert cost(query, operation="A") == 3
    assert cost(query, operation="B") == 50
