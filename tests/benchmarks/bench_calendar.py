"""Prints how long working-day deadlines take (lists of thousands of permits need one each).

Run: make bench  (or .venv/bin/python -m tests.benchmarks.bench_calendar)
"""

import time
from datetime import date, timedelta

from domain.calendar.rules import working_days_before


def main() -> None:
    expiries = [date(2024, 1, 1) + timedelta(days=i % 1000) for i in range(10_000)]
    working_days_before(expiries[0], 30)  # warm the per-year tables
    began = time.perf_counter()
    for expiry in expiries:
        working_days_before(expiry, 30)
    elapsed = time.perf_counter() - began
    print(f"calendar: 10,000 renewal deadlines (30 working days before expiry) in {elapsed * 1000:.1f} ms")


def test_print_calendar_figures() -> None:
    main()


if __name__ == "__main__":
    main()
