"""Print the schema; ``python -m graphql_schema.export`` rewrites the committed schema.graphql."""

from __future__ import annotations

from pathlib import Path

from strawberry.printer import print_schema

from graphql_schema.schema import schema

SCHEMA_FILE = Path(__file__).with_name("schema.graphql")


def export_schema() -> str:
    # A bilingual description's blank line comes out indented; block strings drop that whitespace.
    return "\n".join(line.rstrip() for line in print_schema(schema).splitlines()) + "\n"


if __name__ == "__main__":
    SCHEMA_FILE.write_text(export_schema(), encoding="utf-8")
    print(f"wrote {SCHEMA_FILE}")
