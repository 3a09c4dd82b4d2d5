"""Every check an operation passes around its execution, as one strawberry extension.

In the order they ran as seven extensions, each in its own module:

- before the operation: the depth, alias and token limits (``limits.QueryLimits``);
- parsing and validation, cached per query text (``limits.parse_document``, ``limits.ValidatedDocuments``);
- before execution: NUL in the arguments (``input_guard.refuse_nul_characters``), a query's reads sent
  to the replica (``context.mark_query_only``), the cost limit and the rate budget (``limits.CostLimit``),
  each seeing what the one before it decided, as before;
- after the operation: unexpected errors masked (``limits.MaskUnexpectedErrors``, which this extends).

Why one: strawberry builds every extension for every request and wraps each of its hooks in a fresh
context manager, so seven extensions cost about 8 µs each on every API call before any of them did its
work (issue 19; measured on the filing mutation, refused: 287 µs through ``Schema.execute`` with the
seven, each one left out saving 5 to 15 µs).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from functools import partial
from typing import Any

from strawberry.extensions import SchemaExtension
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule

from graphql_schema.context import mark_query_only
from graphql_schema.cost import CostCache
from graphql_schema.input_guard import refuse_nul_characters
from graphql_schema.limits import (
    CACHE_SIZE,
    CostLimit,
    MaskUnexpectedErrors,
    QueryLimits,
    ValidatedDocuments,
    parse_document,
)


class OperationChecks(MaskUnexpectedErrors):
    def __init__(
        self, limits: QueryLimits, validated: ValidatedDocuments, max_cost: int, costs: CostCache
    ) -> None:
        super().__init__()
        self.limits = limits
        self.validated = validated
        self.max_cost = max_cost
        self.costs = costs
        self.cost_limit: CostLimit | None = None

    def on_operation(self) -> Iterator[None]:
        self.limits.apply(self.execution_context)
        yield from super().on_operation()  # masks the unexpected errors of the result

    def on_parse(self) -> Iterator[None]:
        parse_document(self.execution_context)
        yield

    def on_validate(self) -> Iterator[None]:
        self.execution_context.pre_execution_errors = self.validated.errors(self.execution_context)
        yield

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        refuse_nul_characters(context)
        mark_query_only(context)
        self.cost_limit = CostLimit(self.max_cost, self.costs, context)
        await self.cost_limit.check()
        yield

    def get_results(self) -> dict[str, Any]:
        return self.cost_limit.results() if self.cost_limit is not None else {}


def operation_checks(
    *, max_depth: int, max_tokens: int, max_aliases: int, max_cost: int, list_estimate: int
) -> Callable[[], SchemaExtension]:
    """The extension factory of a schema (its rules and caches built once, shared by its requests)."""
    limits = QueryLimits((depth_rule(max_depth, None), alias_rule(max_aliases)), max_tokens)
    return partial(
        OperationChecks,
        limits,
        ValidatedDocuments(CACHE_SIZE),
        max_cost,
        CostCache(CACHE_SIZE, list_estimate),
    )
