"""Time limits as people read them: each step of an application with its date, whether it is approximate
(and why), whether it was missed, and the article that set it. Reads only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from datetime import date

from domain.calendar.rules import (
    holiday_data_warning,
    holiday_data_warning_params,
    uncovered_years_between,
    working_days_between,
)
from domain.clock import today
from domain.permits import law
from domain.permits.content import PermitContent, content_from_dict
from domain.permits.law import Basis, LegalDeadline
from domain.permits.models import PermitApplication
from domain.permits.rules import ApplicationKind, ApplicationStatus
from domain.permits.state import (
    OPEN_APPLICATION_STATUSES,
    acceptance_clock_start,
    deemed_accepted,
    waiting_for_materials,
)


@dataclass(frozen=True)
class Due:
    """A time limit: its date, whether it is approximate (and the warning), whether it was missed."""

    date: dt.date
    days_left: int  # calendar days from today; negative once passed
    approximate: bool = False
    warning: str | None = None
    warning_params: dict[str, str] = field(default_factory=dict)
    done_on: dt.date | None = None
    pending: bool = False
    working_days_left: int | None = None  # for limits counted in working days (0 on the last day)
    basis: Basis | None = None  # the article and rule set that set this limit

    @property
    def overdue(self) -> bool:
        """Still to be done and today is past the date (the last day itself is still in time)."""
        return self.pending and self.days_left < 0

    @property
    def missed(self) -> bool:
        """Done, but after the date."""
        return self.done_on is not None and self.done_on > self.date


def _due(
    due_on: date,
    *,
    counted_from: date | None,
    on: date,
    done_on: date | None = None,
    pending: bool = False,
    basis: Basis | None = None,
) -> Due:
    uncovered = uncovered_years_between(counted_from, due_on) if counted_from else ()
    return Due(
        date=due_on,
        days_left=(due_on - on).days,
        approximate=bool(uncovered),
        warning=holiday_data_warning(uncovered),
        warning_params=holiday_data_warning_params(uncovered),
        done_on=done_on,
        pending=pending,
        working_days_left=working_days_between(on, due_on) if pending and due_on >= on else None,
        basis=basis,
    )


def deadline_due(deadline: LegalDeadline, on: date, *, pending: bool = False) -> Due:
    return Due(
        date=deadline.date,
        days_left=(deadline.date - on).days,
        approximate=deadline.approximate,
        warning=deadline.warning,
        warning_params=deadline.warning_params,
        pending=pending,
        basis=deadline.basis,
    )


@dataclass(frozen=True)
class ApplicationSteps:
    """One application with the time limit of each step (M48 §27, §31, §51)."""

    application: PermitApplication
    acceptance: Due | None
    decision: Due | None
    issue: Due | None
    next_action: str  # "accept", "decide", "issue", "supply" (the unit's turn) or "" once closed
    proposed: PermitContent | None
    window: Due | None = None  # the last day the unit should have applied by; missed when late
    deemed_accepted: bool = False  # the acceptance period passed with no decision (Reg art. 9 (4))
    waiting_for_materials: bool = False  # 补正告知 sent, materials not yet supplied

    @property
    def next_due(self) -> Due | None:
        return {"accept": self.acceptance, "decide": self.decision, "issue": self.issue}.get(self.next_action)

    @property
    def is_open(self) -> bool:
        return self.application.status in OPEN_APPLICATION_STATUSES

    @property
    def overdue(self) -> bool:
        due = self.next_due
        return due is not None and due.overdue


def application_steps(application: PermitApplication, on: date | None = None) -> ApplicationSteps:
    on = on or today()
    status = ApplicationStatus(application.status)
    acceptance: Due | None = None
    waiting = waiting_for_materials(application)
    if application.kind != ApplicationKind.REPLACEMENT and not application.started_by_authority:
        acceptance = _due(
            application.accept_due,
            counted_from=acceptance_clock_start(application),
            on=on,
            done_on=application.accepted_on
            or (application.decided_on if status == ApplicationStatus.NOT_ACCEPTED else None),
            pending=status == ApplicationStatus.SUBMITTED and not waiting,
            basis=law.acceptance_basis(acceptance_clock_start(application)),
        )
    decision: Due | None = None
    if application.decision_due is not None:
        decided = status in (
            ApplicationStatus.GRANTED,
            ApplicationStatus.REFUSED,
            ApplicationStatus.COMPLETED,
        )
        decision = _due(
            application.decision_due,
            counted_from=application.accepted_on,
            on=on,
            done_on=application.decided_on if decided else None,
            pending=status == ApplicationStatus.ACCEPTED,
            basis=law.decision_basis(
                application.received_on, application.kind, application.proposed_category, application.extended
            ),
        )
    issue: Due | None = None
    if application.issue_due is not None:
        issue = _due(
            application.issue_due,
            counted_from=application.decided_on,
            on=on,
            done_on=application.completed_on,
            pending=status == ApplicationStatus.GRANTED,
            basis=law.issue_basis(application.received_on, application.kind),
        )
    next_action = {
        ApplicationStatus.SUBMITTED: "accept",
        ApplicationStatus.ACCEPTED: "decide",
        ApplicationStatus.GRANTED: "issue",
    }.get(status, "")
    proposed = (
        content_from_dict(application.proposed_content) if application.proposed_content is not None else None
    )
    if waiting:
        next_action = "supply"  # the unit's turn: the missing materials
    window: Due | None = None
    if application.window_due is not None:
        window = _due(
            application.window_due,
            counted_from=None,
            on=on,
            done_on=application.received_on,
            basis=_window_basis(application),
        )
    return ApplicationSteps(
        application,
        acceptance,
        decision,
        issue,
        next_action,
        proposed,
        window=window,
        deemed_accepted=deemed_accepted(application, on),
        waiting_for_materials=waiting,
    )


def _window_basis(application: PermitApplication) -> Basis | None:
    if application.kind == ApplicationKind.RENEWAL:
        return None  # the renewal deadline's basis is the permit's (shown with it)
    if application.event_date is None:
        return None
    window = law.change_window(application.kind, application.event_date)
    return window.basis if window else None
