import pytest

from domain.enterprises.rules import (
    EnterpriseInput,
    clean_enterprise_input,
    credit_code_error,
    make_credit_code,
)


def test_the_example_code_from_the_rules_is_valid():
    assert credit_code_error("91350100M000100Y43") is None


def test_a_code_of_the_wrong_length_says_how_long_it_is():
    error = credit_code_error("91350100M000100Y4")
    assert error is not None and error.code == "credit_code_length" and error.params == {"length": 17}


@pytest.mark.parametrize("symbol", ["I", "O", "S", "V", "Z", "a", "-"])
def test_a_character_outside_the_alphabet_is_named_with_its_position(symbol):
    code = "9135010" + symbol + "M000100Y43"
    error = credit_code_error(code)
    assert error is not None and error.code == "credit_code_character"
    assert error.params == {"symbol": symbol, "position": 8}


def test_a_wrong_check_character_says_what_it_should_be():
    error = credit_code_error("91350100M000100Y44")
    assert error is not None and error.code == "credit_code_check"
    assert error.params == {"expected": "3", "actual": "4"}


def test_make_credit_code_completes_a_valid_code():
    assert credit_code_error(make_credit_code("91310107000000001")) is None


def _valid_input(**overrides):
    values = dict(
        name="上海申普热电有限公司",
        credit_code="91350100M000100Y43",
        registered_address="上海市普陀区",
        legal_representative="陈建国",
        industry_code="4411",
        region_code="310107",
        management_category="key",
    )
    values.update(overrides)
    return EnterpriseInput(**values)


def test_valid_input_is_cleaned_and_the_operating_address_defaults_to_the_registered_one():
    cleaned, errors = clean_enterprise_input(_valid_input(credit_code=" 91350100m000100y43 "))
    assert errors == []
    assert cleaned.credit_code == "91350100M000100Y43"
    assert cleaned.operating_address == "上海市普陀区"


def test_every_problem_is_reported_at_once_with_its_field():
    _, errors = clean_enterprise_input(
        _valid_input(
            name="",
            industry_code="44",
            region_code="31",
            management_category="big",
            contact_phone="call me",
            legal_representative="x" * 51,
        )
    )
    assert {(e.field, e.code) for e in errors} == {
        ("name", "required"),
        ("industry_code", "industry_code_format"),
        ("region_code", "region_code_format"),
        ("management_category", "choice"),
        ("contact_phone", "phone_format"),
        ("legal_representative", "too_long"),
    }
