"""Prints how long a history import takes: 200 units' permits (2 versions each), a renewal application and
four quarterly submissions each (1,400 records), then the same file again (nothing new).

Run: make bench  (or .venv/bin/python -m tests.benchmarks.bench_history_import [UNITS])
"""

import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

from domain import migrate
from domain.db import Database
from domain.history.service import import_history
from tests.factories import actor, make_enterprise, make_user, permit_content

VERSIONS = (
    ("first", "2019-06-03", "2019-06-03", "2024-06-02"),
    ("renewal", "2024-05-20", "2024-06-03", "2029-06-02"),
)


def history_lines(codes: list[str]) -> list[dict]:  # type: ignore[type-arg]
    lines: list[dict] = []  # type: ignore[type-arg]
    content = permit_content()
    for code in codes:
        number = f"{code}001P"
        for version, (reason, decided, start, end) in enumerate(VERSIONS, start=1):
            lines.append(
                {
                    "type": "permit_version",
                    "permit_number": number,
                    "version": version,
                    "reason": reason,
                    "enterprise_credit_code": code,
                    "category": "key",
                    "issuing_authority": "上海市普陀区生态环境局",
                    "decision_date": decided,
                    "valid_from": start,
                    "valid_until": end,
                    "content": content,
                }
            )
        lines.append(
            {
                "type": "application",
                "platform_id": f"XK-{code}",
                "permit_number": number,
                "kind": "renewal",
                "status": "completed",
                "received_on": "2024-04-01",
                "accepted_on": "2024-04-03",
                "decided_on": "2024-05-10",
                "completed_on": "2024-05-20",
            }
        )
        for quarter, received in enumerate(("2024-04-10", "2024-07-10", "2024-10-10", "2025-01-10"), start=1):
            lines.append(
                {
                    "type": "submission",
                    "permit_number": number,
                    "kind": "quarterly",
                    "period": f"2024-Q{quarter}",
                    "version": 1,
                    "received_at": f"{received}T10:00:00+08:00",
                    "submitted_by": "张敏",
                    "content": {"statement": "按期报告"},
                }
            )
    return lines


async def measure(url: str, units: int) -> None:
    database = Database(url)
    try:
        async with database.transaction() as session:
            codes = [(await make_enterprise(session, region_code="310107")).credit_code for _ in range(units)]
            officer = actor(await make_user(session, "permitting", region_code="310107"))
        lines = history_lines(codes)
        data = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode()
        for attempt in ("first import", "same file again"):
            began = time.perf_counter()
            async with database.transaction() as session:
                result = await import_history(session, officer, file_name="bench.jsonl", data=data)
            elapsed = time.perf_counter() - began
            print(
                f"history import, {attempt}: {len(lines)} records ({len(data) / 1e6:.1f} MB) "
                f"in {elapsed:.1f} s (written {result.written}, skipped {result.skipped})"
            )
    finally:
        await database.dispose()


def main(units: int = 200) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'history.db'}"
        migrate.upgrade(url)
        asyncio.run(measure(url, units))


def test_print_history_import_figures() -> None:
    main()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
