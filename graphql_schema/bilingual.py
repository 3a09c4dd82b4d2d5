"""Every description of the schema in Chinese and English: "<中文>\\n\\n<English>".

The Chinese stays in the code beside each field (strawberry ``description=``); the English comes from
one table, ``descriptions_en.json`` (Chinese text -> English text), applied once to the built
graphql-core schema (``apply``), so the committed ``schema.graphql`` and introspection (GraphiQL)
show both, the Chinese paragraph first (docs/integrators.md, "Descriptions"). A deprecated field's
reason is written and translated the same way (``deprecation_reason=`` in Chinese, its English from
the table). A description whose
Chinese is not in the table stays Chinese only, and ``tests/graphql/test_graphql_descriptions.py``
names it; ``python tools/graphql_descriptions.py`` lists the Chinese still to translate.

The scalars whose text comes from graphql-core or strawberry (English only) get their Chinese here
(``SCALARS``; ``DateTime`` has its own, graphql_schema/scalars.py). The built-in ones (``String``,
``Int``...) are graphql-core's own objects, shared by every schema of the process, so ``apply`` leaves
a description that is already bilingual as it is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
)

TABLE_FILE = Path(__file__).with_name("descriptions_en.json")
SEPARATOR = "\n\n"
CHINESE = re.compile(r"[\u3400-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")

SCALARS = {
    "String": "字符串（UTF-8 文本）",
    "Int": "整数（32 位有符号，-2^31 至 2^31-1）",
    "Float": "浮点数（IEEE 754 双精度）",
    "Boolean": "布尔值：true 或 false",
    "ID": "标识符：以字符串返回，输入时可为字符串或整数",
    "Date": "日期（ISO 8601，如 2026-03-31）",
    "Decimal": '定点小数（以字符串传递，如 "12.50"）',
    "JSON": "JSON 值（ECMA-404）",
}


@cache
def table() -> dict[str, str]:
    """Chinese description -> its English translation."""
    loaded: dict[str, str] = json.loads(TABLE_FILE.read_text(encoding="utf-8"))
    return loaded


def elements(schema: GraphQLSchema) -> Iterator[tuple[str, Any]]:
    """Every described element of the schema, named as an integrator would look it up:
    ``Type``, ``Type.field``, ``Type.field(argument)``, ``Enum.VALUE``."""
    for name, type_ in sorted(schema.type_map.items()):
        if name.startswith("__"):
            continue
        yield name, type_
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for field_name, field in type_.fields.items():
                yield f"{name}.{field_name}", field
                for argument_name, argument in getattr(field, "args", {}).items():
                    yield f"{name}.{field_name}({argument_name})", argument
        elif isinstance(type_, GraphQLEnumType):
            for value_name, value in type_.values.items():
                yield f"{name}.{value_name}", value


def deprecated(schema: GraphQLSchema) -> Iterator[tuple[str, Any]]:
    """Every element that carries a deprecation reason (fields, arguments, input fields, enum values)."""
    for name, element in elements(schema):
        if getattr(element, "deprecation_reason", None):
            yield name, element


def bilingual_text(text: str) -> str:
    """A Chinese text the table translates as "<中文>\\n\\n<English>", any other text as it is."""
    chinese = chinese_part(text)
    english = table().get(chinese)
    return chinese + SEPARATOR + english if english else text


def chinese_part(description: str | None) -> str:
    """The Chinese of a description, bilingual or not yet."""
    text = description or ""
    chinese, separator, english = text.rpartition(SEPARATOR)
    if separator and table().get(chinese) == english:
        return chinese
    return text


def apply(schema: GraphQLSchema) -> GraphQLSchema:
    """Set each description the table translates to "<中文>\\n\\n<English>" (idempotent)."""
    english = table()
    for name, element in elements(schema):
        if (
            isinstance(element, GraphQLScalarType)
            and name in SCALARS
            and not CHINESE.search(element.description or "")
        ):
            element.description = SCALARS[name]  # graphql-core's and strawberry's are English only
        chinese = chinese_part(element.description)
        if chinese in english:
            element.description = chinese + SEPARATOR + english[chinese]
    for _name, element in deprecated(schema):
        element.deprecation_reason = bilingual_text(element.deprecation_reason)
    return schema


def problems(schema: GraphQLSchema) -> list[str]:
    """Each element without a Chinese description or without its English, named."""
    found = []
    for name, element in elements(schema):
        chinese, separator, english = (element.description or "").rpartition(SEPARATOR)
        if not element.description or not CHINESE.search(element.description):
            found.append(f"{name}: no Chinese description")
        elif not separator or not LATIN.search(english) or table().get(chinese) != english:
            found.append(f"{name}: no English for {chunk(element.description)!r}")
    for name, element in deprecated(schema):
        reason = element.deprecation_reason
        chinese, separator, english = reason.rpartition(SEPARATOR)
        if not CHINESE.search(reason):
            found.append(f"{name}: deprecation reason not in Chinese")
        elif not separator or not LATIN.search(english) or table().get(chinese) != english:
            found.append(f"{name}: no English for deprecation reason {chunk(reason)!r}")
    return found


def untranslated(schema: GraphQLSchema) -> list[str]:
    """The Chinese descriptions the table does not translate yet, each once, in schema order."""
    english = table()
    seen: dict[str, None] = {}
    for _name, element in elements(schema):
        chinese = chinese_part(element.description)
        if chinese and CHINESE.search(chinese) and chinese not in english:
            seen.setdefault(chinese)
    for _name, element in deprecated(schema):
        chinese = chinese_part(element.deprecation_reason)
        if CHINESE.search(chinese) and chinese not in english:
            seen.setdefault(chinese)
    return list(seen)


def unused(schema: GraphQLSchema) -> list[str]:
    """Table entries no description of the schema uses any more."""
    used = {chinese_part(element.description) for _name, element in elements(schema)}
    used |= {chinese_part(element.deprecation_reason) for _name, element in deprecated(schema)}
    return sorted(set(table()) - used)


def chunk(text: str, size: int = 60) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"
