"""No domain module past LIMIT lines: a module that grows past it holds more than one idea and is split
by capability (docs/architecture.md, "Where a new feature goes"). Run by `make lint`; exits 1 and names
each module over the bound.

    python tools/module_size.py
"""

from __future__ import annotations

import sys
from pathlib import Path

LIMIT = 600
ROOT = Path(__file__).resolve().parent.parent


def oversized(package: str = "domain", limit: int = LIMIT) -> list[tuple[str, int]]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > limit:
            found.append((str(path.relative_to(ROOT)), lines))
    return found


def main() -> int:
    over = oversized()
    for name, lines in over:
        print(f"{name}: {lines} lines (more than {LIMIT}); split it by capability")
    if over:
        return 1
    print(f"no domain module over {LIMIT} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
