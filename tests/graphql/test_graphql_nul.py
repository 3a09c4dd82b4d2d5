"""A NUL character anywhere in the variables refuses the operation, naming where
(graphql_schema.input_guard)."""

from __future__ import annotations

from collections import OrderedDict, UserString

import pytest

from graphql_schema.input_guard import _holds_nul, _nul_in_value
from graphql_schema.schema import schema

# Refused before the variables are coerced, whatever the type declared.
QUERY = "query Q($input: Boolean!) { __typename @include(if: $input) }"


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"input": "a\x00b"}, "input"),
        ({"input": {"content": {"rows": [{"name": "ok"}, {"name": "x\x00"}]}}}, "input.content.rows.name"),
        ({"input": {"content": {"bad\x00key": 1}}}, "input.content"),
        ({"input": [["deep", ["\x00"]]]}, "input"),
    ],
)
async def test_a_nul_in_the_variables_refuses_the_operation_naming_the_argument(variables, field):
    result = await schema.execute(QUERY, variables)

    assert result.data is None
    assert [(e.extensions or {}).get("code") for e in result.errors or []] == ["invalid_character"]
    assert result.errors[0].extensions["field"] == field


@pytest.mark.parametrize(
    "variables",
    [{"input": True}, {"input": "\\x00 written out"}, {"input": {"n": 1, "f": 1.5, "b": True, "none": None}}],
)
async def test_variables_without_nul_are_not_refused_for_nul(variables):
    result = await schema.execute(QUERY, variables)

    assert not any((e.extensions or {}).get("code") == "invalid_character" for e in result.errors or [])


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        "a\x00",
        {"k": ["v", {"w": "\x00"}]},
        {"k": {"k\x00": 1}},
        [1, 2.0, None, True, "x"],
        OrderedDict(k="\x00"),
        UserString("\x00"),
        (("a\x00",),),  # not what JSON decodes to: neither walk looks inside a tuple
    ],
)
def test_the_quick_check_agrees_with_the_walk_that_names_the_field(value):
    assert _holds_nul(value) == (_nul_in_value(value, "") is not None)
