"""The GraphQL schema's Chinese descriptions that have no English yet (graphql_schema/bilingual.py).

    python tools/graphql_descriptions.py              # JSON {"中文": ""} of what to translate
    python tools/graphql_descriptions.py --merge F    # add F's {"中文": "English"} to the table
    python tools/graphql_descriptions.py --unused     # table entries no description uses
    python tools/graphql_descriptions.py --prune      # drop those entries from the table

Translate the printed skeleton (regulatory terms as docs/integrators.md, "Descriptions", lists them),
merge it, then `python -m graphql_schema.export`. Exits 1 while something is left to translate.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from graphql_schema import bilingual  # noqa: E402
from graphql_schema.schema import schema  # noqa: E402


def write_table(entries: dict[str, str]) -> None:
    text = json.dumps(dict(sorted(entries.items())), ensure_ascii=False, indent=1)
    bilingual.TABLE_FILE.write_text(text + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--merge", type=Path, help="JSON file of Chinese -> English to add")
    parser.add_argument("--unused", action="store_true", help="list table entries no description uses")
    parser.add_argument("--prune", action="store_true", help="remove table entries no description uses")
    args = parser.parse_args()
    built = schema._schema
    entries = dict(bilingual.table())
    if args.merge:
        added = json.loads(args.merge.read_text(encoding="utf-8"))
        empty = [chinese for chinese, english in added.items() if not english.strip()]
        entries.update({chinese: english.strip() for chinese, english in added.items() if english.strip()})
        write_table(entries)
        print(f"merged {len(added) - len(empty)} translations ({len(empty)} left empty)", file=sys.stderr)
        return 0
    if args.unused or args.prune:
        stale = bilingual.unused(built)
        if args.prune:
            write_table({chinese: english for chinese, english in entries.items() if chinese not in stale})
        print("\n".join(stale))
        return 0
    missing = bilingual.untranslated(built)
    print(json.dumps(dict.fromkeys(missing, ""), ensure_ascii=False, indent=1))
    print(f"{len(missing)} Chinese descriptions without English", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
