"""The committed GraphQL schema is the contract integrators read: it must match the code."""

from __future__ import annotations

from graphql_schema.export import SCHEMA_FILE, export_schema


def test_the_committed_schema_graphql_is_up_to_date():
    committed = SCHEMA_FILE.read_text(encoding="utf-8") if SCHEMA_FILE.exists() else ""

    assert committed == export_schema(), (
        "graphql_schema/schema.graphql is stale: regenerate it with "
        "`python -m graphql_schema.export` and commit the result"
    )
