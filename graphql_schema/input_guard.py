"""GraphQL's side of ``portal/input_guard.py``: a NUL character in any argument refuses the operation.

PostgreSQL cannot store or compare NUL in text, and no name, number or search term holds one. The
check looks at the variables and at the string literals of the document before anything executes,
and answers with one error naming the argument (code ``invalid_character``), so nothing runs and
nothing is written.
"""

from __future__ import annotations

from typing import Any

from graphql import DocumentNode, ExecutionResult, GraphQLError, StringValueNode, Visitor, visit
from strawberry.types import ExecutionContext

from domain.errors import N_
from domain.i18n import translate

MESSAGE = N_("“{field}” contains a character that is not allowed (NUL). Nothing was saved.")


_SCALARS = frozenset({int, float, bool, type(None)})


def _holds_nul(value: Any) -> bool:
    """Whether any string of ``value`` holds NUL: the common answer (no) at a third of the cost of
    ``_nul_in_value``, which builds the path of every value it passes (a filing has a hundred). Variables
    decoded from JSON are exactly these types; anything else gets the full walk."""
    kind = type(value)
    if kind is str:
        return "\x00" in value
    if kind in _SCALARS:
        return False
    # Loops rather than any() over a generator, which costs a third more here.
    if kind is dict:
        for key, item in value.items():  # noqa: SIM110
            if _holds_nul(key) or _holds_nul(item):
                return True
        return False
    if kind is list:
        for item in value:  # noqa: SIM110
            if _holds_nul(item):
                return True
        return False
    return isinstance(value, (str, dict, list)) and _nul_in_value(value, "") is not None


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


_LITERALS_SEEN: dict[str, bool] = {}
_LITERALS_KEPT = 512


def _nul_in_literals(query: str | None, document: DocumentNode) -> bool:
    """Whether a string literal of the document holds NUL, walked once per query text: an integrator sends
    the same few documents again and again, and walking the tree was a tenth of a refused request's CPU."""
    found = _LITERALS_SEEN.get(query) if query is not None else None
    if found is None:
        literals = _Literals()
        visit(document, literals)
        found = literals.found
        if query is None:
            return found
        if len(_LITERALS_SEEN) >= _LITERALS_KEPT:
            _LITERALS_SEEN.clear()
        _LITERALS_SEEN[query] = found
    return found


def refuse_nul_characters(context: ExecutionContext) -> None:
    """Answer the operation with the refusal, before it executes, when its variables or its document hold
    NUL (run by ``graphql_schema.operation_checks``)."""
    variables = context.variables or {}
    found = _nul_in_value(variables, "") if _holds_nul(variables) else None
    field = (found.lstrip(".") or "variables") if found is not None else None
    if not field and context.graphql_document is not None:
        field = "query" if _nul_in_literals(context.query, context.graphql_document) else None
    if field:
        locale = getattr(context.context, "locale", "en")
        message = translate(MESSAGE, locale, field=field[:60])
        context.result = ExecutionResult(
            data=None,
            errors=[GraphQLError(message, extensions={"code": "invalid_character", "field": field[:60]})],
        )
