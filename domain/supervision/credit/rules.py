"""The enterprise credit formula as pure values (docs/domain-rules.md, Enterprise credit).

Every unit starts at 100 points; each event not voided adds or removes the points of its kind
(``POINTS``); the level follows ``LEVELS``. The four levels and their names are those of the national
measures for enterprises' environmental credit (《企业环境信用评价办法（试行）》, 环发〔2013〕150号: 环保诚信
企业, 环保良好企业, 环保警示企业, 环保不良企业). The seeds give no points: the weights are the product's own,
set so that one administrative penalty alone leaves a unit 良好, a penalty with an unqualified grade makes
it 警示, and a serious violation found by a regulator makes it 不良; each weight's source record is named in
``KINDS``.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain import scoring
from domain.bounds import too_long
from domain.errors import N_, FieldError

BASE_SCORE = 100.0


@dataclass(frozen=True)
class Kind:
    points: float
    label: str  # how people read it
    public: bool  # shown on the public credit page (a public-safe fact: M48 §39, docs/domain-rules.md)
    manual: bool = False  # recorded by a regulator with basis and evidence (else derived from a record)


KINDS: dict[str, Kind] = {
    # Derived from the unit's own records (service.refresh_credit).
    "penalty_decided": Kind(-20.0, N_("Administrative penalty decided"), True),
    "yellow_card": Kind(-5.0, N_("Yellow card"), False),
    "grade_unqualified": Kind(-15.0, N_("Graded unqualified for the year"), True),
    "grade_excellent": Kind(5.0, N_("Graded excellent for the year"), True),
    "positive_list": Kind(5.0, N_("On the positive list"), True),
    "problem_confirmed": Kind(-2.0, N_("Problem confirmed, rectification required"), False),
    "rectification_overdue": Kind(-5.0, N_("Rectification not done by its deadline"), False),
    "report_overdue": Kind(-3.0, N_("Execution report not filed by its due date"), False),
    "exceedance_unexplained": Kind(-5.0, N_("Exceedance not explained within 30 days"), False),
    # Recorded by a regulator (service.record_credit_event).
    "commendation": Kind(5.0, N_("Commendation or outstanding contribution"), True, manual=True),
    "violation": Kind(-5.0, N_("Other violation found by a regulator"), False, manual=True),
    "serious_violation": Kind(-30.0, N_("Serious violation found by a regulator"), True, manual=True),
}
MANUAL_KINDS = tuple(kind for kind, value in KINDS.items() if value.manual)
DERIVED_KINDS = tuple(kind for kind, value in KINDS.items() if not value.manual)
PUBLIC_KINDS = tuple(kind for kind, value in KINDS.items() if value.public)

LEVELS = (("honest", 90.0), ("good", 75.0), ("warning", 60.0))
LOWEST = "poor"
LEVEL_LABELS = {
    "honest": N_("Environmentally honest"),
    "good": N_("Environmentally good"),
    "warning": N_("Environmental warning"),
    "poor": N_("Environmentally poor"),
}
SOURCE_LABELS = {
    "case": N_("Enforcement case"),
    "card": N_("Yellow card"),
    "grade": N_("Annual grading"),
    "listing": N_("Positive list"),
    "problem": N_("Problem"),
    "rectification": N_("Rectification item"),
    "report": N_("Execution report"),
    "exceedance": N_("Exceedance"),
    "regulator": N_("Regulator's record"),
}
EXCEEDANCE_GRACE_DAYS = 30  # an exceedance still unexplained this long after detection is an event
NOTE_LIMIT, BASIS_LIMIT, EVIDENCE_LIMIT, REASON_LIMIT = 1000, 500, 500, 1000


# The levels at which a unit's inspections come more often (M48 §39: the credit record sets the
# frequency; docs/domain-rules.md, Inspection frequency): 环保警示 and 环保不良, as the positive list makes
# them less frequent.
RAISED_INSPECTION_LEVELS = ("warning", "poor")
# And their weight in a double-random draw (双随机): a 警示 unit is drawn as if it were two units, a 不良 one
# as if three (the product's numbers; M48 §39 has the credit record set the inspection focus).
INSPECTION_DRAW_WEIGHTS = {"warning": 2, "poor": 3}


def level_of(score: float) -> str:
    return scoring.level_of(score, LEVELS, LOWEST)


def level_thresholds() -> list[tuple[str, float | None]]:
    """(level, lowest score) pairs, best first; the last has no floor."""
    return [*LEVELS, (LOWEST, None)]


def formula() -> list[tuple[str, Kind]]:
    """Every kind of event with its points, gains first: what the credit pages explain."""
    return sorted(KINDS.items(), key=lambda item: (-item[1].points, item[0]))


def score_of(points: list[float]) -> float:
    return round(BASE_SCORE + sum(points), 2)


def _text(field: str, value: str, limit: int, required: bool) -> FieldError | None:
    if required and not value:
        return FieldError(field, "required", N_("This field is required."))
    if "\x00" in value:
        return FieldError(field, "invalid", N_("The text holds a character that cannot be stored."))
    return too_long(field, value, limit)


def event_errors(kind: str, note: str, basis: str, evidence: str) -> list[FieldError]:
    """What is wrong with an event a regulator records: a manual kind, its basis and evidence required."""
    errors: list[FieldError] = []
    if kind not in MANUAL_KINDS:
        errors.append(
            FieldError(
                "kind", "choice", N_("Choose one of: {choices}."), {"choices": ", ".join(MANUAL_KINDS)}
            )
        )
    for field, value, limit, required in (
        ("basis", basis, BASIS_LIMIT, True),
        ("evidence", evidence, EVIDENCE_LIMIT, True),
        ("note", note, NOTE_LIMIT, False),
    ):
        if problem := _text(field, value, limit, required):
            errors.append(problem)
    return errors


def void_errors(reason: str) -> list[FieldError]:
    problem = _text("reason", reason, REASON_LIMIT, True)
    return [problem] if problem else []
