"""A round of review split by department (PT §5), worked out from its rows (pure: no database).

A round is the review of one submission. Each section of the report is checked by the departments that
``departments.DEPARTMENT_SECTIONS`` names; each (section, department) pair has a verdict, the latest of
its steps (``SectionReview``, append-only):

- ``pending``: the department has not yet looked at the section;
- ``cleared``: it found nothing to correct;
- ``problems``: it recorded problems that wait for the feedback form (the form being assembled);
- ``returned``: its problems went to the unit on a feedback form that the unit has not answered;
- ``recheck``: the unit answered that form: the department looks at the section again (clears it or
  records new problems).

A section several departments check is cleared only when each of them has cleared it. The round is
complete when no pair is pending or waiting for a re-check: its problems then go to the unit on one form
("一次性向排污单位告知"). The report is accepted only when every pair is cleared.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from domain.reports import departments
from domain.reports.content import sections_of
from domain.reports.models import FeedbackForm, ReportSubmission, SectionItem, SectionReview

PENDING, CLEARED, PROBLEMS, RETURNED, RECHECK = "pending", "cleared", "problems", "returned", "recheck"
VERDICT_STATES = (PENDING, CLEARED, PROBLEMS, RETURNED, RECHECK)
WAITING = (PENDING, RECHECK)  # the department has something to do


@dataclass(frozen=True)
class Verdict:
    """Where one department stands on one section of the round."""

    section: str
    department: str
    state: str
    step: SectionReview | None  # its latest step (None: pending)
    items: list[SectionItem] = field(default_factory=list)  # the problems of its latest run of steps


@dataclass
class Round:
    submission: ReportSubmission
    verdicts: list[Verdict]  # by section in the form's order, then department in PT §5's order
    steps: list[SectionReview]  # every step of the round, oldest first (the history)
    items: dict[int, list[SectionItem]]  # step id -> its problems

    @property
    def waiting(self) -> list[Verdict]:
        """The pairs a department still has to review (pending, or to re-check after the unit's answer)."""
        return [v for v in self.verdicts if v.state in WAITING]

    @property
    def open(self) -> list[Verdict]:
        """The pairs not cleared."""
        return [v for v in self.verdicts if v.state != CLEARED]

    @property
    def assembling(self) -> list[Verdict]:
        """The pairs whose problems wait for the feedback form."""
        return [v for v in self.verdicts if v.state == PROBLEMS]

    @property
    def complete(self) -> bool:
        """Every department has reviewed every section it checks."""
        return not self.waiting

    @property
    def all_cleared(self) -> bool:
        return not self.open

    def of(self, department: str) -> list[Verdict]:
        return [v for v in self.verdicts if v.department == department]

    def verdict(self, section: str, department: str) -> Verdict | None:
        return next((v for v in self.verdicts if (v.section, v.department) == (section, department)), None)


def pairs(kind: str) -> list[tuple[str, str]]:
    """Every (section, department) pair a report of this kind is reviewed by."""
    return [
        (section, role.value) for section in sections_of(kind) for role in departments.departments_of(section)
    ]


def work_out(
    kind: str,
    submission: ReportSubmission,
    steps: Iterable[SectionReview],
    items: Iterable[SectionItem],
    issued: Mapping[int, FeedbackForm],
) -> Round:
    """The round of ``submission`` from its steps, their items and the forms that carry them (``issued``:
    section item id -> the feedback form it went out on)."""
    ordered = sorted(steps, key=lambda s: s.id or 0)
    by_step: dict[int, list[SectionItem]] = {}
    for item in sorted(items, key=lambda i: i.id or 0):
        by_step.setdefault(item.review_id, []).append(item)
    verdicts = [
        _verdict(
            section,
            department,
            [s for s in ordered if (s.section, s.department) == (section, department)],
            by_step,
            issued,
        )
        for section, department in pairs(kind)
    ]
    return Round(submission, verdicts, ordered, by_step)


def _verdict(
    section: str,
    department: str,
    steps: Sequence[SectionReview],
    items: Mapping[int, list[SectionItem]],
    issued: Mapping[int, FeedbackForm],
) -> Verdict:
    if not steps:
        return Verdict(section, department, PENDING, None)
    last = steps[-1]
    if last.outcome == "cleared":
        return Verdict(section, department, CLEARED, last)
    run: list[SectionReview] = []
    for step in reversed(steps):
        if step.outcome == "cleared":
            break
        run.insert(0, step)
    found = [item for step in run for item in items.get(step.id or 0, [])]
    waiting = [item for item in found if item.id not in issued]
    if waiting:
        return Verdict(section, department, PROBLEMS, last, waiting)
    forms = [issued[item.id] for item in found if item.id is not None and item.id in issued]
    latest = max(forms, key=lambda f: f.id or 0) if forms else None
    state = RECHECK if latest is not None and latest.status == "answered" else RETURNED
    return Verdict(section, department, state, last, found)
