"""Query limits, caches and error masking, built once per schema.

The depth and alias rules are created once and appended to every operation as
the same classes, so the validation cache (keyed by query text and rule classes)
keeps hitting; strawberry's limiter extensions would build a new rule class per
request and defeat it (measured: 184 -> 722 mutations/s). The token limit is a
parser option: graphql-core stops reading a document past it.

The cost limit (``graphql_schema.cost``) needs the variables, so it is no validation
rule: its terms are cached per document, multiplied out per request before execution,
and an operation over the limit is answered without running. Every response states the
estimate and the limit in ``extensions.cost``.

The rate budget (``domain.api_budget``) charges each operation's estimate to its caller (a
bearer token, a session's user, an anonymous address) in the database, one upsert per
request, so it holds across worker processes. ``extensions.cost`` states what the request
asked for (``requested``), what is left (``remaining``) and when the window ends
(``resetAt``); past the budget the operation is refused before it runs, with the code
``rate_limited``, HTTP 429 and a ``Retry-After`` header.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from graphql import ASTValidationRule, ExecutionResult, GraphQLError, parse
from strawberry.extensions import MaskErrors
from strawberry.schema.schema import validate_document
from strawberry.types import ExecutionContext

from domain.api_budget import Charge, charge
from domain.db import database_unavailable
from domain.errors import N_
from domain.i18n import translate
from graphql_schema.cost import CostCache, evaluate
from web.auth import InvalidToken, recheck
from web.unavailable import (
    RETRY_AFTER_SECONDS,
    retry_after_headers,
    unavailable_message,
)

log = logging.getLogger("permitwatch.graphql")
CACHE_SIZE = 512


class QueryLimits:
    """Adds the shared limit rules and the token limit to an operation."""

    def __init__(self, rules: tuple[type[ASTValidationRule], ...], max_tokens: int) -> None:
        self.rules = rules
        self.max_tokens = max_tokens

    def apply(self, context: ExecutionContext) -> None:
        context.parse_options["max_tokens"] = self.max_tokens
        context.validation_rules = (*context.validation_rules, *self.rules)


# strawberry's ParserCache, shared by every schema as strawberry shares it.
_parse_cached = lru_cache(maxsize=CACHE_SIZE)(parse)


def parse_document(context: ExecutionContext) -> None:
    """The operation's document, parsed once per query text and parse options (the token limit)."""
    context.graphql_document = _parse_cached(context.query, **context.parse_options)


def parsed_documents() -> Any:
    """The parser cache's ``cache_info()`` (tests)."""
    return _parse_cached.cache_info()


class ValidatedDocuments:
    """The validation errors of each query text (with its parse options and the rules) of one schema, least
    recently used dropped first.

    strawberry's ValidationCache keyed by the query text rather than the parsed document: the parser
    cache hands back the same document for the same text and parse options, so the text (which Python
    hashes once) names it; strawberry's cache hashes the document itself, a frozen dataclass whose hash
    walks the whole tree on every request (13 µs for the filing mutation: issue 19).
    """

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self.hits = 0
        self._errors: OrderedDict[Hashable, list[GraphQLError]] = OrderedDict()

    def errors(self, context: ExecutionContext) -> list[GraphQLError]:
        assert context.graphql_document is not None
        schema, rules = context.schema._schema, context.validation_rules
        if context.query is None:  # a document handed in, no text to know it by
            return validate_document(schema, context.graphql_document, rules)
        key = (context.query, tuple(context.parse_options.items()), tuple(rules))
        errors = self._errors.get(key)
        if errors is not None:
            self.hits += 1
            self._errors.move_to_end(key)
            return errors
        errors = self._errors[key] = validate_document(schema, context.graphql_document, rules)
        if len(self._errors) > self.maxsize:
            self._errors.popitem(last=False)
        return errors


@dataclass(frozen=True)
class RateBudget:
    """Estimated rows a caller may ask for in each window of ``window_seconds``."""

    rows: int
    window_seconds: int


class CostLimit:
    """Estimates the rows an operation asks for; refuses it before execution above the limit, or
    when the caller's rate budget is spent. One per request (it keeps the request's estimate and charge)."""

    def __init__(self, limit: int, cache: CostCache, execution_context: ExecutionContext) -> None:
        self.limit = limit
        self.cache = cache
        self.execution_context = execution_context
        self.cost: int | None = None
        self.charge: Charge | None = None

    async def check(self) -> None:
        """Before the operation executes: estimate, refuse above the limit, else charge the budget."""
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.query is not None:
            terms = self.cache.terms(context.schema._schema, context.query, document, context.operation_name)
            self.cost = evaluate(terms, context.variables)
            if self.cost > self.limit:
                context.result = ExecutionResult(data=None, errors=[self._refusal(self.cost)])
            else:
                await self._charge(self.cost)

    async def _charge(self, cost: int) -> None:
        """Charge the caller's budget (one statement); refuse the operation when it is spent."""
        request = self.execution_context.context
        budget: RateBudget | None = getattr(request, "rate_budget", None)
        if budget is None:
            return
        now = datetime.now(UTC)
        try:
            # One upsert, its own transaction (Database.statements: one round trip). The request's turn at
            # the database is held, as for any of its units of work.
            seen = getattr(request, "credential_version", None)
            async with request.exclusive(), request.db.statements(write=True) as connection:
                self.charge = await charge(
                    connection,
                    subject=request.rate_subject,
                    cost=cost,
                    budget=budget.rows,
                    window_seconds=budget.window_seconds,
                    now=now,
                    with_credential_version=seen is not None,
                )
            if seen is not None and self.charge.credential_version != seen:
                # Credentials changed somewhere since this actor was read (web.token_cache): read it again
                # before anything runs; a token refused now is refused here.
                actor = await recheck(request.request, request.db, request_id=request.request_id)
                if actor is None:
                    self._refuse_token(request)
                    return
                request.actor = actor
        except Exception as lost:
            if not database_unavailable(lost):
                raise
            log.warning("database unavailable, GraphQL request %s", getattr(request, "request_id", None))
            self.execution_context.result = ExecutionResult(
                data=None, errors=[database_unavailable_error(request)]
            )
            return
        if self.charge.refused:
            retry_after = self.charge.retry_after(now)
            message = translate(
                N_(
                    "You have asked for more rows than your budget of {budget} every {window} seconds. "
                    "Try again in {seconds} seconds."
                ),
                getattr(request, "locale", "en"),
                budget=budget.rows,
                window=budget.window_seconds,
                seconds=retry_after,
            )
            error = GraphQLError(
                message,
                extensions={
                    "code": "rate_limited",
                    "retryAfter": retry_after,
                    "resetAt": self.charge.reset_at.isoformat(),
                },
            )
            self.execution_context.result = ExecutionResult(data=None, errors=[error])
            if request.response is not None:
                request.response.status_code = 429
                request.response.headers["Retry-After"] = str(retry_after)

    def _refuse_token(self, request: Any) -> None:
        refused = InvalidToken()
        message = translate(refused.message, getattr(request, "locale", "en"))
        error = GraphQLError(message, extensions={"code": refused.code})
        self.execution_context.result = ExecutionResult(data=None, errors=[error])
        if request.response is not None:
            request.response.status_code = refused.status_code
            request.response.headers.update(refused.headers)

    def _refusal(self, cost: int) -> GraphQLError:
        locale = getattr(self.execution_context.context, "locale", "en")
        message = translate(
            N_(
                "This query could fetch about {cost} rows, more than the limit of {limit}. "
                "Ask for fewer rows with smaller first arguments, fewer aliases or less nesting."
            ),
            locale,
            cost=cost,
            limit=self.limit,
        )
        return GraphQLError(
            message, extensions={"code": "query_too_expensive", "cost": cost, "limit": self.limit}
        )

    def results(self) -> dict[str, Any]:
        """``extensions.cost`` of the response (nothing when no estimate was made)."""
        if self.cost is None:
            return {}
        cost: dict[str, Any] = {"estimatedRows": self.cost, "limit": self.limit}
        if self.charge is not None:
            cost |= {
                "requested": self.charge.requested,
                "remaining": self.charge.remaining,
                "resetAt": self.charge.reset_at.isoformat(),
            }
        return {"cost": cost}


def is_unexpected(error: GraphQLError) -> bool:
    """An exception no one meant for the client (a bug, a lost database): masked and logged."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


class MaskUnexpectedErrors(MaskErrors):
    """Replace unexpected errors by a plain message and the request id; let the rest through."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected)

    def _process_result(self, result: object) -> None:
        # strawberry's own check is an isinstance against a runtime-checkable Protocol, which walks the
        # protocol's attributes on every request (15 µs, more than the rest of this extension): the same
        # test, whether the result has errors, asked directly.
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = self._process_errors(errors)  # type: ignore[attr-defined]

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        context = self.execution_context.context
        request_id = getattr(context, "request_id", None)
        masked = super().anonymise_error(error)
        if database_unavailable(error.original_error):
            unavailable = database_unavailable_error(context)
            masked.message, masked.extensions = unavailable.message, unavailable.extensions
            return masked
        masked.message = translate(
            N_("Something went wrong on our side. The error was logged as request {request_id}."),
            getattr(context, "locale", "en"),
            request_id=request_id,
        )
        masked.extensions = {"code": "internal_error", "requestId": request_id}
        return masked


def database_unavailable_error(context: Any) -> GraphQLError:
    """The database restarts or is away (web.unavailable): the whole answer becomes a 503 with
    Retry-After, and the error says so in the caller's language."""
    response = getattr(context, "response", None)
    if response is not None:
        response.status_code = 503
        response.headers.update(retry_after_headers())
    return GraphQLError(
        unavailable_message(getattr(context, "locale", "en")),
        extensions={
            "code": "database_unavailable",
            "retryAfter": RETRY_AFTER_SECONDS,
            "requestId": getattr(context, "request_id", None),
        },
    )


def log_unexpected(errors: list[GraphQLError], request_id: str | None) -> None:
    for error in errors:
        if is_unexpected(error) and database_unavailable(error.original_error):
            log.warning("database unavailable, GraphQL request %s at %s", request_id, error.path)
        elif is_unexpected(error):
            log.error(
                "GraphQL error in request %s at %s",
                request_id,
                error.path,
                exc_info=error.original_error,
            )
