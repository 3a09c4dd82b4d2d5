"""GraphQL's side of ``portal/input_guard.py``: a NUL character in any argument refuses the operation.

PostgreSQL cannot store or compare NUL in text, and no name, number or search term holds one. The
check looks at the variables and at the string literals of the document before anything executes,
and answers with one error naming the argument (code ``invalid_character``), so nothing runs and
nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import ExecutionResult, GraphQLError, StringValueNode, Visitor, visit
from strawberry.extensions import SchemaExtension

from domain.errors import N_
from domain.i18n import translate

MESSAGE = N_("“{field}” contains a character that is not allowed (NUL). Nothing was saved.")


def _nul_in_value(value: Any, path: str) -> str | None:
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _nul_in_value(key, path) or _nul_in_value(item, f"{path}.{key}")
            if found:
                return found
    if isinstance(value, list):
        for item in value:
            found = _nul_in_value(item, path)
            if found:
                return found
    return None


class _Literals(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def enter_string_value(self, node: StringValueNode, *_args: Any) -> None:
        if "\x00" in node.value:
            self.found = True


class RefuseNulCharacters(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        found = _nul_in_value(context.variables or {}, "")
        field = (found.lstrip(".") or "variables") if found is not None else None
        if not field and context.graphql_document is not None:
            literals = _Literals()
            visit(context.graphql_document, literals)
            field = "query" if literals.found else None
        if field:
            locale = getattr(context.context, "locale", "en")
            message = translate(MESSAGE, locale, field=field[:60])
            context.result = ExecutionResult(
                data=None,
                errors=[GraphQLError(message, extensions={"code": "invalid_character", "field": field[:60]})],
            )
        yield
