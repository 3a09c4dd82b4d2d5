"""Query limits, caches and error masking, built once per schema.

The depth and alias rules are created once and appended to every operation as
the same classes, so the validation cache (keyed by document and rule classes)
keeps hitting; strawberry's limiter extensions would build a new rule class per
request and defeat it (measured: 184 -> 722 mutations/s). The token limit is a
parser option: graphql-core stops reading a document past it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from functools import partial

from graphql import ASTValidationRule, GraphQLError
from strawberry.extensions import MaskErrors, ParserCache, SchemaExtension, ValidationCache
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule

from domain.errors import N_
from domain.i18n import translate

log = logging.getLogger("permitwatch.graphql")
CACHE_SIZE = 512


class QueryLimits(SchemaExtension):
    """Adds the shared limit rules and the token limit to an operation."""

    def __init__(self, rules: tuple[type[ASTValidationRule], ...], max_tokens: int) -> None:
        self.rules = rules
        self.max_tokens = max_tokens

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.parse_options["max_tokens"] = self.max_tokens
        context.validation_rules = (*context.validation_rules, *self.rules)
        yield


def is_unexpected(error: GraphQLError) -> bool:
    """An exception no one meant for the client (a bug, a lost database): masked and logged."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


class MaskUnexpectedErrors(MaskErrors):
    """Replace unexpected errors by a plain message and the request id; let the rest through."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        context = self.execution_context.context
        request_id = getattr(context, "request_id", None)
        masked = super().anonymise_error(error)
        masked.message = translate(
            N_("Something went wrong on our side. The error was logged as request {request_id}."),
            getattr(context, "locale", "en"),
            request_id=request_id,
        )
        masked.extensions = {"code": "internal_error", "requestId": request_id}
        return masked


def log_unexpected(errors: list[GraphQLError], request_id: str | None) -> None:
    for error in errors:
        if is_unexpected(error):
            log.error(
                "GraphQL error in request %s at %s",
                request_id,
                error.path,
                exc_info=error.original_error,
            )


def limit_extensions(
    *, max_depth: int, max_tokens: int, max_aliases: int
) -> list[Callable[[], SchemaExtension]]:
    """Extension factories for a schema: limits, parser and validation caches, error masking."""
    rules = (depth_rule(max_depth, None), alias_rule(max_aliases))
    return [
        partial(QueryLimits, rules, max_tokens),
        partial(ParserCache, maxsize=CACHE_SIZE),
        partial(ValidationCache, maxsize=CACHE_SIZE),
        MaskUnexpectedErrors,
    ]
