import pytest

from domain.regions import covers, significant_prefix


@pytest.mark.parametrize(
    ("jurisdiction", "region", "expected"),
    [
        ("370100", "370102", True),  # a city covers its districts
        ("370100", "370200", False),  # not another city
        ("370000", "370116", True),  # a province covers all its cities
        ("310107", "310107", True),  # a district covers itself
        ("310107", "310110", False),  # not the neighbouring district
        ("000000", "440300", True),  # the national level covers everything
    ],
)
def test_jurisdiction_covers_the_regions_below_it(jurisdiction, region, expected):
    assert covers(jurisdiction, region) is expected


def test_significant_prefix_drops_trailing_zero_pairs():
    assert [significant_prefix(c) for c in ("370000", "370100", "370102", "000000")] == [
        "37",
        "3701",
        "370102",
        "",
    ]
