"""What a linkage task and its steps must hold (PT §8, annex 5), as pure functions of values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.bounds import day_in_range, out_of_range, too_long
from domain.errors import N_, FieldError
from domain.supervision.departments import DEPARTMENTS, department_error
from domain.supervision.linkage.models import TASK_KINDS

DESCRIPTION_MAX = 2000
NAME_MAX = 50
REMARKS_MAX = 500
UNIT_NAME_MAX = 200
OUTLET_MAX = 16
SOURCE_MAX = 64


@dataclass(frozen=True)
class TaskInput:
    """A task as the initiating department writes it (the annex-5 sheet's 任务发起 row, and more)."""

    description: str  # 问题描述: why, what was found
    requested_action: str  # 需要联动的内容: what the receivers are asked to do
    receivers: tuple[str, ...]  # departments (regulator role codes) the task is sent to
    handler: str  # 经办人
    responsible_person: str  # 负责人
    initiated_on: date | None
    due_on: date | None  # feed back by
    credit_code: str = ""  # the unit, when it is in the register
    unit_name: str = ""  # the unit as named, when it is not (a unit discharging without a permit)
    permit_number: str = ""
    outlet_code: str = ""
    remarks: str = ""
    department: str = ""  # the initiating department: the regulator's own when empty
    problem_id: int | None = None
    kind: str = "general"
    source_type: str = ""
    source_id: str = ""
    via_sheet: bool = False


@dataclass(frozen=True)
class StepInput:
    """What a receiving department records (接收与执行情况 / 结果反馈), or the archive's note."""

    text: str
    handler: str
    responsible_person: str
    done_on: date | None
    remarks: str = ""
    via_sheet: bool = False


@dataclass(frozen=True)
class PermitFindingInput:
    """An enforcement finding that the permit is missing or wrong, for the permitting section."""

    kind: str  # unpermitted (应发未发) / unregistered (应登未登) / permit_wrong
    description: str
    handler: str
    responsible_person: str
    found_on: date | None
    due_on: date | None = None  # 15 days after found_on when None
    credit_code: str = ""
    unit_name: str = ""
    permit_number: str = ""
    outlet_code: str = ""
    source_type: str = ""
    source_id: str = ""
    problem_id: int | None = None


def _required(field_name: str, value: str, limit: int) -> FieldError | None:
    if not value.strip():
        return FieldError(field_name, "required", N_("This field is required."))
    if "\x00" in value:
        return FieldError(field_name, "invalid", N_("The text holds a character that cannot be stored."))
    return too_long(field_name, value.strip(), limit)


def _optional(field_name: str, value: str, limit: int) -> FieldError | None:
    if "\x00" in value:
        return FieldError(field_name, "invalid", N_("The text holds a character that cannot be stored."))
    return too_long(field_name, value.strip(), limit)


def _day(field_name: str, value: date | None) -> FieldError | None:
    if value is None:
        return FieldError(field_name, "required", N_("This field is required."))
    if not day_in_range(value):
        return out_of_range(field_name)
    return None


def task_errors(data: TaskInput, *, today: date) -> list[FieldError]:
    """Every problem of a task at once; the unit is checked against the register by the use case."""
    errors = [
        _required("description", data.description, DESCRIPTION_MAX),
        _required("requested_action", data.requested_action, DESCRIPTION_MAX),
        _required("handler", data.handler, NAME_MAX),
        _required("responsible_person", data.responsible_person, NAME_MAX),
        _optional("remarks", data.remarks, REMARKS_MAX),
        _optional("unit_name", data.unit_name, UNIT_NAME_MAX),
        _optional("outlet_code", data.outlet_code, OUTLET_MAX),
        _optional("source_id", data.source_id, SOURCE_MAX),
        _optional("source_type", data.source_type, 32),
        _day("initiated_on", data.initiated_on),
        _day("due_on", data.due_on),
    ]
    if data.kind not in TASK_KINDS:
        errors.append(FieldError("kind", "unknown_kind", N_("Choose a kind of task.")))
    if not data.receivers:
        errors.append(FieldError("receivers", "required", N_("Send the task to at least one department.")))
    for receiver in data.receivers:
        if problem := department_error(receiver, "receivers"):
            errors.append(problem)
            break
    if len(set(data.receivers)) != len(data.receivers):
        errors.append(FieldError("receivers", "duplicate", N_("Name each department once.")))
    if data.department and data.department in data.receivers:
        errors.append(
            FieldError("receivers", "own_department", N_("Send the task to other departments than your own."))
        )
    found = [e for e in errors if e is not None]
    named = {e.field for e in found}
    if data.initiated_on is not None and "initiated_on" not in named and data.initiated_on > today:
        found.append(FieldError("initiated_on", "future", N_("The date cannot be in the future.")))
    if (
        data.initiated_on is not None
        and data.due_on is not None
        and not named & {"initiated_on", "due_on"}
        and data.due_on < data.initiated_on
    ):
        found.append(
            FieldError("due_on", "before_start", N_("The feedback date cannot be before the task's date."))
        )
    return found


def step_errors(
    data: StepInput, *, today: date, not_before: date | None = None, text_field: str = "text"
) -> list[FieldError]:
    """Every problem of a step at once: what was done, by whom, under whom, on which day (not in the
    future, not before the task)."""
    errors = [
        _required(text_field, data.text, DESCRIPTION_MAX),
        _required("handler", data.handler, NAME_MAX),
        _required("responsible_person", data.responsible_person, NAME_MAX),
        _optional("remarks", data.remarks, REMARKS_MAX),
        _day("done_on", data.done_on),
    ]
    found = [e for e in errors if e is not None]
    if data.done_on is not None and "done_on" not in {e.field for e in found}:
        if data.done_on > today:
            found.append(FieldError("done_on", "future", N_("The date cannot be in the future.")))
        elif not_before is not None and data.done_on < not_before:
            found.append(
                FieldError("done_on", "before_start", N_("The date cannot be before the task's date."))
            )
    return found


def is_overdue(*, stage: str, due_on: date, today: date) -> bool:
    """A receiver that has not fed back after the requested date is overdue (PT §8: flagged on lists)."""
    return stage != "fed_back" and today > due_on


def departments_in_order(codes: set[str] | list[str] | tuple[str, ...]) -> list[str]:
    """Departments in the bureau's order (审批科 first), for sheets and pages."""
    order = [d.value for d in DEPARTMENTS]
    return sorted(codes, key=lambda code: order.index(code) if code in order else len(order))


# What people read for the codes (templates translate them).
KIND_LABELS = {
    "general": N_("Linkage task"),
    "unpermitted": N_("Should hold a permit and does not (应发未发)"),
    "unregistered": N_("Should be registered and is not (应登未登)"),
    "permit_wrong": N_("Permit does not match the site"),
}
STAGE_LABELS = {
    "sent": N_("Sent, not yet received"),
    "received": N_("Received, not yet executed"),
    "executed": N_("Executed, feedback due"),
    "fed_back": N_("Fed back"),
}
STEP_LABELS = {
    "initiate": N_("Initiated"),
    "receive": N_("Task received"),
    "execute": N_("Received and executed"),
    "feedback": N_("Feedback"),
    "archive": N_("Archived"),
}
VIEW_LABELS = {
    "mine": N_("My department's queue"),
    "open": N_("Open tasks"),
    "overdue": N_("Overdue"),
    "archived": N_("Archived"),
    "all": N_("All"),
}
