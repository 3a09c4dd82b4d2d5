"""Working days (工作日) and deadlines counted in them; see ``domain.calendar.rules``."""

from domain.calendar.rules import (
    FIXED_HOLIDAYS,
    HOLIDAY_DATA_MISSING,
    MAX_WORKING_DAYS,
    Deadline,
    PublishedYear,
    holiday_data_warning,
    holiday_data_warning_params,
    is_covered,
    is_working_day,
    published_years,
    uncovered_years_between,
    use_published_years,
    working_days_after,
    working_days_before,
    working_days_between,
)

__all__ = [
    "FIXED_HOLIDAYS",
    "HOLIDAY_DATA_MISSING",
    "MAX_WORKING_DAYS",
    "Deadline",
    "PublishedYear",
    "holiday_data_warning",
    "holiday_data_warning_params",
    "is_covered",
    "is_working_day",
    "published_years",
    "uncovered_years_between",
    "working_days_after",
    "working_days_before",
    "use_published_years",
    "working_days_between",
]
