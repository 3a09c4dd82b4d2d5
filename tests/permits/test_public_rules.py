"""Pure rules of the public disclosure: months of the expiry list, freshness, announcement notes."""

from datetime import UTC, date, datetime

import pytest

from domain.clock import china_midnight
from domain.disclosure.queries.permits import (
    ORIGINAL_FIELDS,
    adjacent_months,
    combine_freshness,
    expiry_transition,
    month_bounds,
    parse_month,
    split_cancellation_note,
)
from domain.enterprises.models import PERSONAL_FIELDS
from domain.errors import ValidationFailed


def test_a_permit_turns_expired_at_the_china_midnight_after_its_last_valid_day():
    assert china_midnight(date(2027, 3, 1)) == datetime(2027, 2, 28, 16, 0, tzinfo=UTC)
    assert expiry_transition(date(2027, 2, 28)) == datetime(2027, 2, 28, 16, 0, tzinfo=UTC)


def test_a_month_runs_from_its_first_to_its_last_day():
    assert month_bounds(date(2024, 2, 10)) == (date(2024, 2, 1), date(2024, 2, 29))
    assert month_bounds(date(2025, 12, 31)) == (date(2025, 12, 1), date(2025, 12, 31))


def test_the_month_asked_for_defaults_to_the_current_one_and_is_never_in_the_future():
    on = date(2025, 6, 15)
    assert parse_month("", on) == date(2025, 6, 1)
    assert parse_month(" 2025-06 ", on) == date(2025, 6, 1)
    assert parse_month("2024-2", on) == date(2024, 2, 1)
    for wrong, code in (
        ("2025-13", "month"),
        ("June", "month"),
        ("2025-06-01", "month"),
        ("2025-07", "future"),
    ):
        with pytest.raises(ValidationFailed) as caught:
            parse_month(wrong, on)
        assert caught.value.errors[0].field == "month" and caught.value.errors[0].code == code, wrong


def test_the_month_picker_offers_no_month_after_the_current_one():
    on = date(2025, 6, 15)
    assert adjacent_months(date(2025, 6, 1), on) == (date(2025, 5, 1), None)
    assert adjacent_months(date(2025, 5, 1), on) == (date(2025, 4, 1), date(2025, 6, 1))
    assert adjacent_months(date(2025, 1, 1), on) == (date(2024, 12, 1), date(2025, 2, 1))


def test_a_cancellation_note_names_its_ground_and_keeps_the_free_text():
    assert split_cancellation_note("expired_not_renewed: 逾期未申请延续") == (
        "expired_not_renewed",
        "逾期未申请延续",
    )
    assert split_cancellation_note("unit_terminated") == ("unit_terminated", "")
    assert split_cancellation_note("其他: 说明") == (None, "其他: 说明")


def test_freshness_is_the_latest_change_and_its_fingerprint_follows_the_data():
    early = datetime(2025, 1, 1, 8, tzinfo=UTC)
    late = datetime(2025, 3, 1, 8, tzinfo=UTC)
    fresh = combine_freshness(3, early, None, late)
    assert fresh.changed_at == late and fresh.count == 3
    assert combine_freshness(0).changed_at is None
    naive = combine_freshness(1, datetime(2025, 3, 1, 8))  # SQLite may hand back a naive UTC time
    assert naive.changed_at == late
    assert fresh.fingerprint == combine_freshness(3, late).fingerprint
    assert fresh.fingerprint != combine_freshness(4, late).fingerprint
    assert fresh.fingerprint != combine_freshness(3, datetime(2025, 3, 1, 8, 0, 1, tzinfo=UTC)).fingerprint


def test_the_original_shows_no_staff_data():
    assert not PERSONAL_FIELDS & set(ORIGINAL_FIELDS)
    assert "legal_representative" in ORIGINAL_FIELDS  # printed on the original (正本)
