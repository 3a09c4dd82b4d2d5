"""The law in force, by effective date: which rule set governs an act and the figures it sets.

docs/domain-rules.md, "The law in force, by effective date", lists every figure below with its
article. Three rule sets follow each other:

- ``m48``: the trial Measures (排污许可管理办法（试行）, MEP Order No. 48), 2018-01-10 to 2021-02-28;
- ``reg2021``: the State Council's Regulation (排污许可管理条例), from 2021-03-01; where it is silent
  the trial Measures still applied until 2024-06-30;
- ``o32``: the Regulation with the MEE's Measures (排污许可管理办法, MEE Order No. 32), from 2024-07-01,
  which replaced the trial Measures.

A rule set is chosen by the date of the act it governs: the validity and the renewal lead of a permit
by the date of the decision that started its validity (a permit decided in 2019 keeps its terms), the
periods of a procedure by the day the application was received, a change window by the day of the
change. Periods in which an authority acts are working days (Administrative Licensing Law art. 82);
a period the applicant keeps ("N days before expiry") is counted in calendar days unless the text says
working days.

Pure: dates in, dates and their legal basis out.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from domain.calendar.rules import Deadline, working_days_after, working_days_before
from domain.errors import N_


class RuleSetCode(StrEnum):
    M48 = "m48"
    REG2021 = "reg2021"
    O32 = "o32"


@dataclass(frozen=True)
class Period:
    """A time limit: so many days, working or calendar, and the article that sets it (a message id)."""

    days: int
    working: bool
    article: str

    def after(self, day: date) -> Deadline:
        """The last day of "within N days after ``day``" (``day`` itself not counted)."""
        if self.working:
            return working_days_after(day, self.days)
        return Deadline(date=day + timedelta(days=self.days), approximate=False, uncovered_years=())

    def before(self, day: date) -> Deadline:
        """The last day of "at least N days before ``day``" (``day`` itself not counted)."""
        if self.working:
            return working_days_before(day, self.days)
        return Deadline(date=day - timedelta(days=self.days), approximate=False, uncovered_years=())


@dataclass(frozen=True)
class Basis:
    """Where a deadline or a validity comes from: the article and the rule set (message ids)."""

    article: str
    rule_set: str  # the rule set's code
    rule_set_name: str
    days: int | None = None
    working: bool = False


@dataclass(frozen=True)
class LegalDeadline:
    """A deadline with its legal basis."""

    deadline: Deadline
    basis: Basis

    @property
    def date(self) -> date:
        return self.deadline.date

    @property
    def approximate(self) -> bool:
        return self.deadline.approximate

    @property
    def uncovered_years(self) -> tuple[int, ...]:
        return self.deadline.uncovered_years

    @property
    def warning(self) -> str | None:
        return self.deadline.warning

    @property
    def warning_params(self) -> dict[str, str]:
        return self.deadline.warning_params


@dataclass(frozen=True)
class RuleSet:
    code: RuleSetCode
    name: str
    effective_from: date
    first_term_years: int
    renewed_term_years: int
    term_article: str
    acceptance: Period  # accept, refuse to accept, or send the one-time request for missing materials
    decision_simplified: Period
    decision_key: Period
    decision_renewal: Period
    decision_change_basic: Period
    decision_change_other: Period
    extension: Period
    issue: Period
    renewal_lead: Period  # the unit applies at least this long before expiry
    change_basic_window: Period  # the unit applies within this after a change of name, address, ...
    change_items_window: Period  # the unit applies at least this long before a change of permitted items
    replacement_window: Period  # the unit applies within this after a loss or damage
    replacement_issue: Period

    def basis(self, period: Period) -> Basis:
        return Basis(period.article, self.code.value, self.name, period.days, period.working)

    @property
    def term_basis(self) -> Basis:
        return Basis(self.term_article, self.code.value, self.name)

    def term_years(self, renewed: bool) -> int:
        return self.renewed_term_years if renewed else self.first_term_years


# Articles (message ids: each is translated to the instrument's own name and article number).
M48_21 = N_("Trial Measures 2018 art. 21")
M48_27 = N_("Trial Measures 2018 art. 27")
M48_31 = N_("Trial Measures 2018 art. 31")
M48_31_2 = N_("Trial Measures 2018 art. 31 para. 2")
M48_43_1 = N_("Trial Measures 2018 art. 43 para. 1 (1)")
M48_43_2 = N_("Trial Measures 2018 art. 43 para. 1 (2)")
M48_45 = N_("Trial Measures 2018 art. 45 para. 3")
M48_46 = N_("Trial Measures 2018 art. 46")
M48_48 = N_("Trial Measures 2018 art. 48")
M48_51 = N_("Trial Measures 2018 art. 51")
REG_9 = N_("Regulation 2021 art. 9 (4)")
REG_12_S = N_("Regulation 2021 art. 12 (simplified management)")
REG_12_K = N_("Regulation 2021 art. 12 (key management)")
REG_14 = N_("Regulation 2021 art. 14")
ALL_42 = N_("Administrative Licensing Law art. 42")
ALL_44 = N_("Administrative Licensing Law art. 44")
O32_CHANGE = N_("MEE Order 32, articles on change (number not verified)")
O32_REPLACEMENT = N_("MEE Order 32, article on replacement (number not verified)")

M48 = RuleSet(
    code=RuleSetCode.M48,
    name=N_("Trial Measures 2018 (MEP Order 48)"),
    effective_from=date(2018, 1, 10),
    first_term_years=3,
    renewed_term_years=5,
    term_article=M48_21,
    acceptance=Period(5, True, M48_27),
    decision_simplified=Period(20, True, M48_31),
    decision_key=Period(20, True, M48_31),
    decision_renewal=Period(20, True, M48_48),
    decision_change_basic=Period(10, True, M48_45),
    decision_change_other=Period(20, True, M48_45),
    extension=Period(10, True, M48_31_2),
    issue=Period(10, True, M48_31),
    renewal_lead=Period(30, True, M48_46),
    change_basic_window=Period(30, True, M48_43_1),
    change_items_window=Period(30, True, M48_43_2),
    replacement_window=Period(30, True, M48_51),
    replacement_issue=Period(10, True, M48_51),
)

REG2021 = RuleSet(
    code=RuleSetCode.REG2021,
    name=N_("Regulation 2021 (trial Measures where it is silent)"),
    effective_from=date(2021, 3, 1),
    first_term_years=5,
    renewed_term_years=5,
    term_article=REG_14,
    acceptance=Period(3, True, REG_9),
    decision_simplified=Period(20, True, REG_12_S),
    decision_key=Period(30, True, REG_12_K),
    decision_renewal=Period(20, True, REG_14),
    decision_change_basic=Period(10, True, M48_45),
    decision_change_other=Period(20, True, M48_45),
    extension=Period(10, True, ALL_42),
    issue=Period(10, True, ALL_44),
    renewal_lead=Period(60, False, REG_14),
    change_basic_window=Period(30, False, REG_14),
    change_items_window=Period(30, True, M48_43_2),
    replacement_window=Period(30, True, M48_51),
    replacement_issue=Period(10, True, M48_51),
)

# MEE Order 32 implements the Regulation: the Regulation's figures stay; where M48 filled the
# Regulation's gaps, O32 now does (same figures; article numbers not verified, docs/domain-rules.md).
O32 = replace(
    REG2021,
    code=RuleSetCode.O32,
    name=N_("Regulation 2021 with MEE Order 32 (2024)"),
    effective_from=date(2024, 7, 1),
    decision_change_basic=Period(10, True, O32_CHANGE),
    decision_change_other=Period(20, True, O32_CHANGE),
    change_items_window=Period(30, True, O32_CHANGE),
    replacement_window=Period(30, True, O32_REPLACEMENT),
    replacement_issue=Period(10, True, O32_REPLACEMENT),
)

RULE_SETS = (O32, REG2021, M48)  # newest first
BY_CODE = {rule_set.code.value: rule_set for rule_set in RULE_SETS}


def rule_set_on(day: date) -> RuleSet:
    """The rule set in force on ``day``; acts before the trial Measures are judged by them too."""
    for rule_set in RULE_SETS:
        if day >= rule_set.effective_from:
            return rule_set
    return M48


def term_years(decision: date, renewed: bool) -> tuple[int, Basis]:
    """How many years a permit decided on ``decision`` runs, and why."""
    rule_set = rule_set_on(decision)
    return rule_set.term_years(renewed), rule_set.term_basis


def renewal_deadline(valid_until: date, decided: date | None) -> LegalDeadline:
    """The last day to apply for renewal, by the rule set of the decision that started the validity.

    M48 §46: the 30th working day before expiry; Reg art. 14: 60 calendar days before expiry.
    """
    rule_set = rule_set_on(decided or valid_until)
    period = rule_set.renewal_lead
    return LegalDeadline(period.before(valid_until), rule_set.basis(period))


def acceptance_due(received: date) -> LegalDeadline:
    rule_set = rule_set_on(received)
    return LegalDeadline(rule_set.acceptance.after(received), rule_set.basis(rule_set.acceptance))


def decision_period(received: date, kind: str, category: str | None) -> tuple[RuleSet, Period]:
    rule_set = rule_set_on(received)
    if kind == "renewal":
        return rule_set, rule_set.decision_renewal
    if kind == "change_basic":
        return rule_set, rule_set.decision_change_basic
    if kind in ("change_items", "change_restart"):
        return rule_set, rule_set.decision_change_other
    return rule_set, rule_set.decision_key if category == "key" else rule_set.decision_simplified


def decision_due(received: date, accepted: date, kind: str, category: str | None) -> LegalDeadline:
    rule_set, period = decision_period(received, kind, category)
    return LegalDeadline(period.after(accepted), rule_set.basis(period))


def extended_decision_due(received: date, decision_deadline: date) -> LegalDeadline:
    rule_set = rule_set_on(received)
    return LegalDeadline(rule_set.extension.after(decision_deadline), rule_set.basis(rule_set.extension))


def issue_due(received: date, decided: date) -> LegalDeadline:
    rule_set = rule_set_on(received)
    return LegalDeadline(rule_set.issue.after(decided), rule_set.basis(rule_set.issue))


def replacement_issue_due(received: date) -> LegalDeadline:
    rule_set = rule_set_on(received)
    period = rule_set.replacement_issue
    return LegalDeadline(period.after(received), rule_set.basis(period))


def change_window(kind: str, event_date: date) -> LegalDeadline | None:
    """The last day a unit may apply for a change (or a replacement) that happened on ``event_date``.

    A change of name, address, legal representative or principal person: within 30 days after it
    (Reg art. 14; M48 §43 ¶1 (1): 30 working days). A change of permitted items: at least 30 working
    days before it (M48 §43 ¶1 (2)). A lost permit: within 30 working days (M48 §51).
    """
    rule_set = rule_set_on(event_date)
    if kind == "change_basic":
        period = rule_set.change_basic_window
        return LegalDeadline(period.after(event_date), rule_set.basis(period))
    if kind in ("change_items", "change_restart"):
        period = rule_set.change_items_window
        return LegalDeadline(period.before(event_date), rule_set.basis(period))
    if kind == "replacement":
        period = rule_set.replacement_window
        return LegalDeadline(period.after(event_date), rule_set.basis(period))
    return None


def acceptance_basis(received: date) -> Basis:
    rule_set = rule_set_on(received)
    return rule_set.basis(rule_set.acceptance)


def decision_basis(received: date, kind: str, category: str | None, extended: bool) -> Basis:
    rule_set, period = decision_period(received, kind, category)
    return rule_set.basis(rule_set.extension if extended else period)


def issue_basis(received: date, kind: str) -> Basis:
    rule_set = rule_set_on(received)
    return rule_set.basis(rule_set.replacement_issue if kind == "replacement" else rule_set.issue)
