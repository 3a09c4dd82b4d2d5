"""Settle a merge or rebase conflict in the message catalogs: keep every translation of both sides.

Two branches that each added messages both rewrite ``messages.pot`` and ``messages.po`` (they are
sorted, so the additions interleave) and git cannot merge them. During the conflict:

    python tools/merge_po.py            # merges the catalogs' two sides, re-extracts, git-adds them
    git rebase --continue               # or git commit, for a merge

Every message of either side is kept with its translation (where both translated one message, the side
being merged in wins, being the newer text); then ``make extract-messages`` drops what no code uses any
more and adds what is new, so the result is what the merged code needs.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

LOCALES = Path("domain/i18n/locale")


def _stage(path: Path, stage: int) -> Catalog | None:
    shown = subprocess.run(["git", "show", f":{stage}:{path}"], capture_output=True, check=False)
    if shown.returncode != 0:
        return None
    return read_po(io.BytesIO(shown.stdout))


def merged(ours: Catalog, theirs: Catalog) -> Catalog:
    """``ours`` with every message of ``theirs`` added, and their translations where they have one."""
    for message in theirs:
        if not message.id:
            continue
        if message.id in ours:
            if message.string:
                ours[message.id].string = message.string
        else:
            ours[message.id] = message
    return ours


def main() -> int:
    catalogs = sorted(LOCALES.glob("*/LC_MESSAGES/messages.po"))
    for path in catalogs:
        ours, theirs = _stage(path, 2), _stage(path, 3)
        if ours is None or theirs is None:
            continue  # not in conflict
        out = io.BytesIO()
        write_po(out, merged(ours, theirs), width=100, sort_output=True, omit_header=False)
        path.write_bytes(out.getvalue())
        print(f"merged {path}")
    subprocess.run(["git", "checkout", "--ours", "--", str(LOCALES / "messages.pot")], check=False)
    subprocess.run(["make", "-s", "extract-messages"], check=True)
    subprocess.run(["git", "add", str(LOCALES)], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
