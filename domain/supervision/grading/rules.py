"""The grading's rules as pure functions (PT annex 2, 普陀区排污许可单位年度等级评定方法).

Unqualified (不合格) when any of these holds for the year graded (annex 2, item 3):
1. an administrative penalty by the ecology authorities (a case decided in the year with a fine);
2. a serious "not discharging per permit" problem found (a case decided in the year classified as
   discharging without a permit or against it);
3. a complaint confirmed but not rectified (a problem from a complaint raised in the year whose
   rectification deadline passed without verification);
4. not cooperating with the authorities, and 5. other serious violations: recorded by the regulators
   themselves when they decide, with the reason (no record proves them by itself).
Excellent (优秀) is proposed only for clean records (no ground, no problem, no case in the year); the
commendations, media reports and contributions of annex 2 item 4 are the regulators' reasons for choosing
among them. Excellent units are at most 10 % of the previous year's permit holders of the district
(annex 2 item 1: 一般不超过); the cap rounds down (``excellent_cap``): 10 % of 25 units is 2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum

from domain.errors import N_, FieldError

EXCELLENT_SHARE = 0.10
REASON_MAX = 1000


class Grade(StrEnum):
    EXCELLENT = "excellent"  # 优秀
    QUALIFIED = "qualified"  # 合格
    UNQUALIFIED = "unqualified"  # 不合格


GRADE_LABELS = {
    Grade.EXCELLENT: N_("Excellent"),
    Grade.QUALIFIED: N_("Qualified"),
    Grade.UNQUALIFIED: N_("Unqualified"),
}


class Ground(StrEnum):
    PENALTY = "penalty"
    NOT_PER_PERMIT = "not_per_permit"
    COMPLAINT_UNRECTIFIED = "complaint_unrectified"


GROUND_LABELS = {
    Ground.PENALTY: N_("Administrative penalty"),
    Ground.NOT_PER_PERMIT: N_("Discharging without or against the permit"),
    Ground.COMPLAINT_UNRECTIFIED: N_("Complaint confirmed and not rectified"),
}


@dataclass(frozen=True)
class GroundRecord:
    """One ground and the record it rests on (a case, a problem), by how people name it."""

    ground: Ground
    record_kind: str  # case, problem
    record_id: int
    record_label: str  # a case's document number, a problem's title


@dataclass(frozen=True)
class UnitRecord:
    """What the year's records say about one permit holder."""

    enterprise_id: int
    grounds: list[GroundRecord] = field(default_factory=list)
    problems: int = 0  # problems raised in the year, of any source
    cases: int = 0  # cases opened in the year


def proposed_grade(record: UnitRecord) -> Grade:
    if record.grounds:
        return Grade.UNQUALIFIED
    if record.problems == 0 and record.cases == 0:
        return Grade.EXCELLENT
    return Grade.QUALIFIED


def excellent_cap(previous_year_holders: int) -> int:
    """At most 10 % of the previous year's permit holders, rounded down."""
    return math.floor(previous_year_holders * EXCELLENT_SHARE + 1e-9)


def decision_errors(
    grade: str, reason: str, proposed: Grade, grounds: list[GroundRecord]
) -> list[FieldError]:
    """A grade is one of the three; changing the proposal needs a reason; a unit with a ground stays
    unqualified (annex 2 item 3: 列为不合格)."""
    errors: list[FieldError] = []
    if grade not in {g.value for g in Grade}:
        errors.append(FieldError("grade", "choice", N_("Choose excellent, qualified or unqualified.")))
        return errors
    if len(reason) > REASON_MAX:
        errors.append(
            FieldError("reason", "too_long", N_("At most {limit} characters."), {"limit": REASON_MAX})
        )
    if grade != proposed.value and not reason.strip():
        errors.append(
            FieldError("reason", "required", N_("Give the reason for a grade other than the proposed one."))
        )
    if grounds and grade != Grade.UNQUALIFIED.value:
        errors.append(
            FieldError(
                "grade",
                "ground_holds",
                N_("An unqualified ground holds for this unit (listed beside it); its grade is unqualified."),
            )
        )
    return errors
