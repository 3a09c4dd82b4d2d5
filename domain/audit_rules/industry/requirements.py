"""What the industry rule sets require, as data: the one table of it.

Every kind of check in ``common`` records here what it asks of an industry (required pollutants per
outlet kind, automatic monitoring, a frequency floor, a standard's limit values) when it registers its
report rule, with that rule's code and title (the title cites the HJ/GB standard and clause). The report
rules check a report against these figures; the permit quality audit (``domain.supervision.quality``)
checks a permit's copy against the same figures, so the two never disagree about an industry.
``SPECIFICATIONS`` names, per industry, its technical specification for permit application and
issuance and its self-monitoring guideline (the modules' references).
"""

from __future__ import annotations

from dataclasses import dataclass, field

POLLUTANTS, AUTOMATIC, FREQUENCY, STANDARD = "pollutants", "automatic", "frequency", "standard"


@dataclass(frozen=True)
class Requirement:
    """One requirement of an industry rule set (``kind`` one of the four above)."""

    rule_code: str  # the report rule that checks it (I4411-01 …)
    kind: str
    scope: tuple[str, ...]  # GB/T 4754 industry codes
    title: str  # the report rule's title (message id), naming its standard and clause
    medium: str | None  # air / water; None: fugitive sources
    pollutants: tuple[str, ...] = ()
    outlet_kind: str | None = "main"  # None: every outlet of the medium
    marked_by: tuple[str, ...] = ()  # only outlets where one of these is permitted
    key_only: bool = False  # only permits under key management
    # Holds only under a condition the report states (a coal-fired plant): the permit audit leaves it to
    # the hand checklist.
    conditional: bool = False
    per_outlet: bool = True  # False: at one outlet of the kind at least
    floors: dict[str, str] = field(default_factory=dict)  # pollutant → the lowest frequency allowed
    values: dict[str, float] = field(default_factory=dict)  # pollutant → the standard's limit
    standard: str = ""


REQUIREMENTS: list[Requirement] = []

# Per industry: (permit application and issuance specification, self-monitoring guideline), as the rule
# modules name them; where a module names no industry guideline, the general one (HJ 819-2017) applies.
SPECIFICATIONS: dict[str, tuple[str, str]] = {
    "4411": ("HJ 942-2018", "HJ 820-2017"),
    "4412": ("HJ 942-2018", "HJ 820-2017"),
    "2211": ("环水体〔2016〕189号", "HJ 821-2017"),
    "2221": ("环水体〔2016〕189号", "HJ 821-2017"),
    "2319": ("HJ 1066-2019", "HJ 819-2017"),
    "3110": ("HJ 846-2017", "HJ 878-2017"),
    "3120": ("HJ 846-2017", "HJ 878-2017"),
    "2521": ("HJ 854-2017", "HJ 878-2017"),
    "3360": ("HJ 855-2017", "HJ 985-2018"),
    "3211": ("HJ 863.3-2017", "HJ 989-2018"),
    "3212": ("HJ 863.1-2017", "HJ 989-2018"),
    "3216": ("HJ 863.2-2017", "HJ 989-2018"),
    "4620": ("HJ 978-2018", "HJ 819-2017"),
    "7820": ("HJ 1039-2019", "HJ 819-2017"),
    "1713": ("HJ 861-2017", "HJ 879-2017"),
    "1910": ("HJ 859.1-2017", "HJ 819-2017"),
    "2614": ("HJ 853-2017", "HJ 947-2018"),
    "2619": ("HJ 853-2017", "HJ 947-2018"),
    "2621": ("HJ 864.1-2017", "HJ 819-2017"),
    "2651": ("HJ 853-2017", "HJ 947-2018"),
    "2511": ("HJ 853-2017", "HJ 880-2017"),
    "2710": ("HJ 858.1-2017", "HJ 883-2017"),
    "2720": ("HJ 858.1-2017", "HJ 883-2017"),
    "3011": ("HJ 847-2017", "HJ 848-2017"),
    "3041": ("HJ 856-2017", "HJ 819-2017"),
}


def remember(requirement: Requirement) -> None:
    REQUIREMENTS.append(requirement)


def requirements_for(industry_code: str) -> list[Requirement]:
    """The requirements of an industry, in the order the rule sets register them."""
    return [r for r in REQUIREMENTS if industry_code in r.scope]
