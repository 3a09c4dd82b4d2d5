"""The estimated cost of a GraphQL operation: how many rows it may ask for.

Every connection (a field with a ``first`` argument) fetches ``first`` (or ``last``) rows for each
row of the connections around it, so its rows are the product of page sizes along its path;
both left out count as the argument's default, the default page (20) on a Relay connection
(one with ``last`` too), or the largest page otherwise
(and a ``first`` above the largest page as the largest page: the resolver refuses it anyway,
naming the argument).
A list of objects without ``first`` counts as ``list_estimate`` rows per row around it
(a permit's outlets, a report's submissions), except the page of a connection itself
(``edges``, ``nodes``), which its ``first`` already counted. Lists of scalars are columns,
not rows; introspection (``__schema``, ``__type``) reads no rows. The operation's cost is
the sum over every field, aliases and fragment spreads each counted where they appear,
and at least 1.

The shape of the sum depends only on the document, so it is worked out once per document
and operation (an LRU keyed by the query text) into terms; a request only multiplies the
terms out with its variables.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from math import prod
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_leaf_type,
)
from graphql.language import DocumentNode

from domain.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

PAGE_ARGUMENT = "first"
PAGE_ARGUMENTS = ("first", "last")


@dataclass(frozen=True)
class Variable:
    """A factor given by a variable: its value when it is an integer, else the fallback."""

    name: str
    fallback: int

    def value(self, variables: Mapping[str, Any]) -> int:
        given = variables.get(self.name)
        if isinstance(given, int) and not isinstance(given, bool):
            return page_rows(given)
        return self.fallback


def page_rows(first: int) -> int:
    """The rows a page can hold: a larger ``first`` is refused by the resolver, naming the argument."""
    return min(max(first, 1), MAX_PAGE_SIZE)


Factor = int | Variable
Term = tuple[Factor, ...]


def evaluate(terms: tuple[Term, ...], variables: Mapping[str, Any] | None) -> int:
    given = variables or {}
    return max(1, sum(prod(f if isinstance(f, int) else f.value(given) for f in term) for term in terms))


class CostPlanner:
    """Turns an operation into its cost terms (see the module's text)."""

    def __init__(self, schema: GraphQLSchema, list_estimate: int) -> None:
        self.schema = schema
        self.list_estimate = list_estimate

    def terms(self, document: DocumentNode, operation_name: str | None) -> tuple[Term, ...]:
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        chosen = [
            o for o in operations if operation_name is None or (o.name and o.name.value == operation_name)
        ]
        if not chosen:
            return ()
        operation = chosen[0]
        root = self.schema.get_root_type(operation.operation)
        if root is None:
            return ()
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.defaults: dict[str, int | None] = {}
        for definition in operation.variable_definitions or ():
            default = definition.default_value
            self.defaults[definition.variable.name.value] = (
                int(default.value) if isinstance(default, IntValueNode) else None
            )
        found: list[Term] = []
        self._walk(operation.selection_set, root, (), in_page=False, found=found)
        return tuple(found)

    def _walk(
        self,
        selection_set: SelectionSetNode | None,
        parent: GraphQLNamedType,
        path: Term,
        *,
        in_page: bool,
        found: list[Term],
    ) -> None:
        if selection_set is None:
            return
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                self._field(selection, parent, path, in_page=in_page, found=found)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                self._walk(selection.selection_set, target or parent, path, in_page=in_page, found=found)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    target = self.schema.get_type(fragment.type_condition.name.value)
                    self._walk(fragment.selection_set, target or parent, path, in_page=in_page, found=found)

    def _field(
        self,
        node: FieldNode,
        parent: GraphQLNamedType,
        path: Term,
        *,
        in_page: bool,
        found: list[Term],
    ) -> None:
        name = node.name.value
        fields = parent.fields if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType) else {}
        definition = fields.get(name)
        if name.startswith("__") or definition is None:
            return
        field_type = definition.type
        if isinstance(field_type, GraphQLNonNull):
            field_type = field_type.of_type
        named = get_named_type(field_type)
        if is_leaf_type(named):
            return
        if PAGE_ARGUMENT in definition.args:
            default = definition.args[PAGE_ARGUMENT].default_value
            if not isinstance(default, int) and "last" in definition.args:
                default = DEFAULT_PAGE_SIZE
            path = (*path, self._page_size(node, default))
            found.append(path)
            # A connection object's list fields (edges, nodes) are its page; a plain list's are not.
            is_connection = not isinstance(field_type, GraphQLList)
            self._walk(node.selection_set, named, path, in_page=is_connection, found=found)
            return
        if isinstance(field_type, GraphQLList) and not in_page:
            path = (*path, self.list_estimate)
            found.append(path)
        self._walk(node.selection_set, named, path, in_page=False, found=found)

    def _page_size(self, node: FieldNode, default: Any) -> Factor:
        fallback = default if isinstance(default, int) and default >= 1 else MAX_PAGE_SIZE
        for argument in node.arguments or ():
            if argument.name.value not in PAGE_ARGUMENTS:
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return page_rows(int(value.value))
            if isinstance(value, VariableNode):
                declared = self.defaults.get(value.name.value)
                return Variable(value.name.value, declared if declared and declared >= 1 else fallback)
        return fallback


class CostCache:
    """Cost terms per (query text, operation name) of one schema, least recently used dropped first."""

    def __init__(self, maxsize: int, list_estimate: int) -> None:
        self.maxsize = maxsize
        self.list_estimate = list_estimate
        self._planner: CostPlanner | None = None
        self._terms: OrderedDict[tuple[str, str | None], tuple[Term, ...]] = OrderedDict()

    def terms(
        self,
        schema: GraphQLSchema,
        query: str,
        document: DocumentNode,
        operation_name: str | None,
    ) -> tuple[Term, ...]:
        key = (query, operation_name)
        terms = self._terms.get(key)
        if terms is not None:
            self._terms.move_to_end(key)
            return terms
        if self._planner is None or self._planner.schema is not schema:
            self._planner = CostPlanner(schema, self.list_estimate)
        terms = self._planner.terms(document, operation_name)
        self._terms[key] = terms
        if len(self._terms) > self.maxsize:
            self._terms.popitem(last=False)
        return terms
