"""How domain errors reach GraphQL clients.

Mutations answer with a payload whose ``errors`` list holds one ``UserError`` per
problem (nothing was written). A query of an object (or of a permit's records) that does not
exist or is not the caller's answers null (``absent``); queries that are refused otherwise (no
credentials, an argument no request should send) raise a GraphQL error carrying the same
``code`` and ``field`` in its ``extensions`` (docs/integrators.md, "GraphQL: errors"). Field names are the
GraphQL ones (camelCase); messages are translated into the caller's locale.
"""

from __future__ import annotations

from collections.abc import Mapping

import strawberry
from graphql import GraphQLError

from domain.errors import DomainError, FieldError, NotFound, PermissionDenied
from domain.i18n import translate


@strawberry.type(description="用户可纠正的错误：指明字段、错误代码和本地化的说明")
class UserError:
    field: str | None = strawberry.field(description="出错的输入字段（camelCase）；与具体字段无关时为 null")
    code: str = strawberry.field(description="稳定的错误代码，例如 invalid、forbidden、credit_code_check")
    message: str = strawberry.field(description="按请求语言翻译的错误说明")


def camel_case(name: str | None) -> str | None:
    """credit_code -> creditCode: domain field names as the schema spells them."""
    if not name:
        return name
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _field_name(error: FieldError, rename: Mapping[str, str] | None) -> str | None:
    if rename and error.field is not None and error.field in rename:
        return rename[error.field]
    return camel_case(error.field)


def user_errors(
    error: DomainError, locale: str, *, rename: Mapping[str, str] | None = None
) -> list[UserError]:
    """Every problem of a domain error, for a mutation payload."""
    return [
        UserError(
            field=_field_name(problem, rename),
            code=problem.code,
            message=translate(problem.message, locale, **problem.params),
        )
        for problem in error.errors
    ]


class RefusedError(GraphQLError):
    """A query the domain refused (unauthenticated, forbidden, invalid input): shown as is."""


def refused(error: DomainError, locale: str, *, rename: Mapping[str, str] | None = None) -> RefusedError:
    """A GraphQL error for a refused query; ``extensions`` carry code, field and every problem."""
    problems = user_errors(error, locale, rename=rename)
    first = problems[0]
    return RefusedError(
        first.message,
        extensions={
            "code": first.code,
            "field": first.field,
            "errors": [{"field": p.field, "code": p.code, "message": p.message} for p in problems],
        },
    )


def absent(error: DomainError, locale: str, *, rename: Mapping[str, str] | None = None) -> None:
    """A query's object that does not exist or is not the caller's to see: the answer is null, the same
    for both, so nobody learns that someone else's object exists. Anything else (no credentials, a
    malformed argument) is refused with a top-level error."""
    if isinstance(error, NotFound | PermissionDenied):
        return None
    raise refused(error, locale, rename=rename) from None
