from datetime import date

from domain.permits.content import parse_content
from domain.permits.rules import (
    CANCELLATION_NOTE_LIMIT,
    EXPIRED,
    TEXT_LIMIT,
    ApplicationKind,
    CancellationReason,
    application_errors,
    change_kind_error,
    display_status,
    effective_acceptance_date,
    permit_number_error,
    text_error,
    validity_end,
)
from tests.factories import permit_content


def test_a_first_permit_is_valid_three_years_inclusive():
    assert validity_end(date(2024, 3, 1), 3) == date(2027, 2, 28)


def test_a_renewed_permit_is_valid_five_years_and_a_leap_day_rolls_forward():
    assert validity_end(date(2024, 2, 29), 5) == date(2029, 2, 28)


def test_a_phase_out_deadline_cuts_the_validity_short():
    assert validity_end(date(2024, 3, 1), 3, cut_to=date(2025, 12, 31)) == date(2025, 12, 31)


def test_an_issued_permit_past_its_last_day_shows_as_expired():
    assert display_status("issued", date(2026, 1, 31), date(2026, 2, 1)) == EXPIRED
    assert display_status("issued", date(2026, 1, 31), date(2026, 1, 31)) == "issued"
    assert display_status("revoked", date(2020, 1, 1), date(2026, 1, 1)) == "revoked"


def test_an_acceptance_deadline_let_pass_counts_as_acceptance_on_receipt():
    received, due = date(2026, 3, 2), date(2026, 3, 9)
    assert effective_acceptance_date(received, due, date(2026, 3, 5)) == date(2026, 3, 5)
    assert effective_acceptance_date(received, due, date(2026, 3, 10)) == received


def test_permit_numbers_begin_with_the_units_credit_code():
    code = "91350100M000100Y43"
    assert permit_number_error(code + "001P", code) is None
    assert permit_number_error("91310107000000001F001P", code).code == "permit_number_unit"
    assert permit_number_error(code + "01P", code).code == "permit_number_format"


def test_valid_content_parses_into_outlets_limits_and_requirements():
    content, errors = parse_content(permit_content())
    assert errors == []
    assert [o.code for o in content.outlets] == ["DA001", "DW001"]
    assert content.outlets[0].limits[0].annual_quantity_limit == 120.5
    assert content.report_kinds == ["quarterly", "annual"]
    assert content.public_dict()["products"] is None  # marked as commercial secret
    assert content.public_dict()["outlets"][0]["code"] == "DA001"


def test_every_content_error_names_its_exact_path():
    bad = permit_content()
    bad["outlets"][0]["code"] = "DW009"  # air outlet with a water code
    bad["outlets"][0]["limits"][1]["unit"] = "mg/L"
    bad["outlets"][0]["limits"][2]["concentration_limit"] = -3
    bad["outlets"][1]["limits"][0]["pollutant"] = "SO2"  # not a water pollutant
    bad["monitoring"][2] = {
        "point": "DW002",
        "pollutant": "COD",
        "frequency": "quarterly",
        "method": "manual",
    }
    bad["report_kinds"] = ["monthly"]
    _, errors = parse_content(bad)
    assert {(e.field, e.code) for e in errors} == {
        ("outlets[0].code", "outlet_code"),
        ("outlets[0].limits[1].unit", "unit"),
        ("outlets[0].limits[2].concentration_limit", "not_positive"),
        ("outlets[1].limits[0].pollutant", "pollutant_medium"),
        ("monitoring[2].point", "unknown_point"),
        # DA001 no longer exists once it is renamed, so its monitoring rows point nowhere.
        ("monitoring[0].point", "unknown_point"),
        ("monitoring[1].point", "unknown_point"),
        ("report_kinds", "annual_required"),
    }


def test_wrong_types_are_reported_not_crashed_on():
    _, errors = parse_content({"outlets": "DA001", "report_kinds": ["annual"]})
    assert ("outlets", "type") in {(e.field, e.code) for e in errors}
    _, errors = parse_content(
        permit_content(
            outlets=[
                {
                    "code": "DA001",
                    "medium": "air",
                    "kind": "main",
                    "name": "x",
                    "limits": [{"pollutant": "SO2", "unit": "mg/m3", "concentration_limit": "lots"}],
                }
            ]
        )
    )
    assert ("outlets[0].limits[0].concentration_limit", "type") in {(e.field, e.code) for e in errors}


# ---------------------------------------------------------------------------
# What applicants and the authority write
# ---------------------------------------------------------------------------


def test_a_text_over_its_limit_is_refused_and_never_cut():
    assert text_error("  理由  ", "reason") is None
    assert text_error("", "reason").code == "required"  # type: ignore[union-attr]
    assert text_error("", "note", required=False) is None
    too_long = text_error("理" * (TEXT_LIMIT + 1), "reason")
    assert too_long is not None and too_long.code == "too_long"
    assert too_long.params == {"limit": TEXT_LIMIT, "length": TEXT_LIMIT + 1}
    assert text_error(" " + "理" * TEXT_LIMIT + " ", "reason") is None  # surrounding spaces are not counted


def test_a_cancellation_note_leaves_room_for_its_ground_in_the_announcement():
    longest = max(len(reason.value) for reason in CancellationReason)
    assert len(f"{'x' * longest}: {'n' * CANCELLATION_NOTE_LIMIT}") == TEXT_LIMIT


def test_an_applications_fields_are_checked_together():
    received = date(2026, 5, 4)
    errors = application_errors(
        ApplicationKind.CHANGE_BASIC,
        received=received,
        category="registration",
        change_description="",
        event_date=None,
    )
    assert {(e.field, e.code) for e in errors} == {
        ("category", "choice"),
        ("change_description", "required"),
        ("event_date", "required"),
    }
    first = application_errors(
        ApplicationKind.FIRST,
        received=received,
        category="key",
        change_description="",
        issuing_authority="局" * 101,
    )
    assert [(e.field, e.code) for e in first] == [("issuing_authority", "too_long")]
    replacement = application_errors(
        ApplicationKind.REPLACEMENT,
        received=received,
        category="key",
        change_description="",
        event_date=date(2026, 5, 5),
    )
    assert [(e.field, e.code) for e in replacement] == [("event_date", "future")]
    assert (
        application_errors(
            ApplicationKind.RENEWAL, received=received, category="simplified", change_description=""
        )
        == []
    )


def test_a_change_names_one_of_the_three_kinds():
    assert change_kind_error("change_items") is None
    assert change_kind_error("renewal").code == "choice"  # type: ignore[union-attr]
