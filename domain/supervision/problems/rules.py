"""Pure rules of problems and rectification (AP (5); PT §5-8; JN; docs/domain-rules.md, Supervision).

- A problem names its source; one source makes one problem (``SOURCE_KINDS``, ``source_ref``).
- A rectification item has measures, a responsible person and a deadline that is neither past nor more
  than ``MAX_DEADLINE_DAYS`` away (AP (5): units that cannot finish soon give a plan with a date).
- The unit reports progress monthly (AP action 18: 每月报送整改进度) with text, figures and files.
- The steps follow the closed loop (JN): rectifying → verified (on site or on paper) → closed (销号);
  a spot re-check of a verified or closed item records its sample and outcome; a failed verification or
  a reopening (with a new deadline) sends the item back to rectifying.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from domain import uploads
from domain.bounds import day_in_range, out_of_range, too_long
from domain.errors import N_, FieldError

# Where a problem comes from (docs/supervision.md): a report's audit finding, a feedback item left
# unresolved past its deadline, an exceedance in the ledger, an inspection, an enforcement-monitoring
# result, a linkage task, a complaint, a regulator's own entry, a permit-quality audit (AP (3)).
SOURCE_KINDS: tuple[str, ...] = (
    "audit_finding",
    "feedback_item",
    "exceedance",
    "inspection",
    "monitoring",
    "linkage",
    "complaint",
    "manual",
    "permit_audit",
)
SOURCE_LABELS: dict[str, str] = {
    "audit_finding": N_("Audit finding on a report"),
    "feedback_item": N_("Feedback item left unresolved"),
    "exceedance": N_("Exceedance"),
    "inspection": N_("Inspection"),
    "monitoring": N_("Monitoring result"),
    "linkage": N_("Linkage task"),
    "complaint": N_("Complaint"),
    "manual": N_("Entered by a regulator"),
    "permit_audit": N_("Permit quality audit"),
}

RECTIFYING, VERIFIED, CLOSED = "rectifying", "verified", "closed"
OPEN = "open"  # a problem with no rectification required yet
# A problem found unfounded before any rectification was ordered (a complaint not borne out, a reading
# explained by a fault of the instrument): it leaves the open count, but is not a rectification closed.
DISMISSED = "dismissed"
STATES: tuple[str, ...] = (RECTIFYING, VERIFIED, CLOSED)
PROBLEM_STATES: tuple[str, ...] = (OPEN, *STATES, DISMISSED)
# The states of a problem no longer open: the board, the lists' "not closed" and the statistics read these.
ENDED: tuple[str, ...] = (CLOSED, DISMISSED)
STATE_LABELS: dict[str, str] = {
    OPEN: N_("Awaiting rectification order"),
    RECTIFYING: N_("Being rectified"),
    VERIFIED: N_("Verified, awaiting closure"),
    CLOSED: N_("Closed off (销号)"),
    DISMISSED: N_("Dismissed as unfounded"),
}

REQUIRED, PROGRESS, VERIFICATION, RECHECK, CLOSURE, REOPENING = (
    "required",
    "progress",
    "verification",
    "recheck",
    "closure",
    "reopening",
)
STEP_KINDS: tuple[str, ...] = (REQUIRED, PROGRESS, VERIFICATION, RECHECK, CLOSURE, REOPENING)
STEP_LABELS: dict[str, str] = {
    REQUIRED: N_("Rectification required"),
    PROGRESS: N_("Progress reported"),
    VERIFICATION: N_("Verified"),
    RECHECK: N_("Spot re-check"),
    CLOSURE: N_("Closed (销号)"),
    REOPENING: N_("Reopened"),
}
VERIFY_METHODS: tuple[str, ...] = ("on_site", "paper")
METHOD_LABELS = {"on_site": N_("On site"), "paper": N_("On paper")}
PASSED, FAILED = "passed", "failed"
OUTCOMES: tuple[str, ...] = (PASSED, FAILED)
OUTCOME_LABELS = {PASSED: N_("Passed"), FAILED: N_("Not passed")}

TITLE_MAX, DESCRIPTION_MAX, LEGAL_BASIS_MAX, EVIDENCE_MAX = 200, 4000, 500, 2000
SOURCE_REF_MAX, OUTLET_MAX, PERSON_MAX, NOTE_MAX, SAMPLE_MAX = 120, 16, 50, 4000, 500
DISMISSAL_MAX = 2000
MAX_DEADLINE_DAYS = 730  # two years: a relocation's plan (AP (5)); anything later is a typing slip
MAX_FIGURES = 20
FIGURE_NAME_MAX, FIGURE_UNIT_MAX = 50, 16
MAX_ATTACHMENTS = 4  # 4 x 10 MB stays within the portal's upload limit (48 MB)
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# Scans and photos of the work done (domain/uploads.py checks them by content and stores them).
ATTACHMENTS = uploads.Policy(
    kinds=(uploads.PDF, uploads.JPEG, uploads.PNG),
    types_message=N_("Attach PDF, JPG or PNG files."),
    max_files=MAX_ATTACHMENTS,
    max_file_bytes=MAX_ATTACHMENT_BYTES,
    max_total_bytes=MAX_ATTACHMENTS * MAX_ATTACHMENT_BYTES,
)


@dataclass(frozen=True)
class RectificationInput:
    """What a rectification order requires: measures, a deadline, the responsible person at the unit."""

    measures: str
    deadline: date | None
    responsible_person: str


@dataclass(frozen=True)
class ProblemInput:
    """A problem as any source raises it (``service.raise_problem``).

    ``source_kind`` is one of ``SOURCE_KINDS``; ``source_ref`` names the source record (a receipt number
    and rule code, a feedback item, an exceedance, an inspection record id...) and makes raising the
    same source twice one problem. ``department`` is a regulator role value (``departments.DEPARTMENTS``).
    With ``rectification`` the problem becomes a rectification item at once."""

    enterprise_id: int
    permit_id: int | None
    outlet_code: str | None
    source_kind: str
    source_ref: str
    title: str
    description: str
    legal_basis: str
    evidence: str
    department: str
    rectification: RectificationInput | None = None


@dataclass(frozen=True)
class Figure:
    name: str
    value: float | None
    unit: str = ""


AttachmentInput = uploads.Upload


@dataclass(frozen=True)
class ProgressInput:
    """A monthly progress report: what was done, its figures, scans or photos."""

    text: str
    figures: Sequence[Figure] = field(default_factory=tuple)
    attachments: Sequence[AttachmentInput] = field(default_factory=tuple)


def _text(name: str, value: str | None, limit: int, *, required: bool = True) -> list[FieldError]:
    text = (value or "").strip()
    if not text:
        return [FieldError(name, "required", N_("This field is required."))] if required else []
    error = too_long(name, text, limit)
    return [error] if error else []


def deadline_errors(deadline: date | None, *, on: date, field_name: str = "deadline") -> list[FieldError]:
    """A deadline is given, not past, and at most ``MAX_DEADLINE_DAYS`` ahead (AP (5))."""
    if deadline is None:
        return [FieldError(field_name, "required", N_("This field is required."))]
    if not day_in_range(deadline):
        return [out_of_range(field_name)]
    if deadline < on:
        return [FieldError(field_name, "past", N_("The deadline cannot be in the past."))]
    if deadline > on + timedelta(days=MAX_DEADLINE_DAYS):
        return [
            FieldError(
                field_name,
                "too_far",
                N_("The deadline is at most {days} days away."),
                {"days": MAX_DEADLINE_DAYS},
            )
        ]
    return []


def rectification_errors(data: RectificationInput, *, on: date, prefix: str = "") -> list[FieldError]:
    return [
        *_text(f"{prefix}measures", data.measures, NOTE_MAX),
        *deadline_errors(data.deadline, on=on, field_name=f"{prefix}deadline"),
        *_text(f"{prefix}responsible_person", data.responsible_person, PERSON_MAX),
    ]


def problem_errors(data: ProblemInput, *, on: date) -> list[FieldError]:
    """Every fault of a problem at once; texts are trimmed, never cut. The department is checked by the
    caller against the bureau's departments."""
    errors: list[FieldError] = []
    if data.source_kind not in SOURCE_KINDS:
        errors.append(FieldError("source_kind", "choice", N_("Choose one of the listed sources.")))
    errors += _text("source_ref", data.source_ref, SOURCE_REF_MAX)
    errors += _text("title", data.title, TITLE_MAX)
    errors += _text("description", data.description, DESCRIPTION_MAX)
    errors += _text("legal_basis", data.legal_basis, LEGAL_BASIS_MAX)
    errors += _text("evidence", data.evidence, EVIDENCE_MAX)
    errors += _text("outlet_code", data.outlet_code, OUTLET_MAX, required=False)
    if data.rectification is not None:
        errors += rectification_errors(data.rectification, on=on, prefix="rectification.")
    return errors


def attachment_errors(files: Sequence[AttachmentInput]) -> list[FieldError]:
    """At most ``MAX_ATTACHMENTS`` files, each a PDF, JPG or PNG of at most 10 MB that is what its name
    says."""
    return uploads.check(files, ATTACHMENTS)[1]


def progress_errors(data: ProgressInput) -> list[FieldError]:
    errors = _text("text", data.text, NOTE_MAX)
    if len(data.figures) > MAX_FIGURES:
        errors.append(
            FieldError("figures", "too_many", N_("At most {limit} figures."), {"limit": MAX_FIGURES})
        )
    else:
        for index, figure in enumerate(data.figures):
            errors += _text(f"figures[{index}].name", figure.name, FIGURE_NAME_MAX)
            if figure.value is None or figure.value != figure.value or abs(figure.value) > 1e15:
                errors.append(FieldError(f"figures[{index}].value", "number", N_("Expected a number.")))
            errors += _text(f"figures[{index}].unit", figure.unit, FIGURE_UNIT_MAX, required=False)
    errors += attachment_errors(data.attachments)
    return errors


def next_state(state: str, kind: str, outcome: str | None = None) -> str | None:
    """The item's state after a step of ``kind`` taken in ``state``, or None when the step is not allowed
    there (JN: rectify → verify → close; re-check after verification or closure; reopen a verified or
    closed item)."""
    match kind:
        case "progress":
            return RECTIFYING if state == RECTIFYING else None
        case "verification":
            if state != RECTIFYING:
                return None
            return VERIFIED if outcome == PASSED else RECTIFYING
        case "recheck":
            # The re-check records what the sample showed; reopening is the regulator's own step.
            return state if state in (VERIFIED, CLOSED) else None
        case "closure":
            return CLOSED if state == VERIFIED else None
        case "reopening":
            return RECTIFYING if state in (VERIFIED, CLOSED) else None
    return None


REFUSALS: dict[tuple[str, str], str] = {
    (PROGRESS, CLOSED): N_("This rectification item is closed: no more progress can be reported."),
    (PROGRESS, VERIFIED): N_("This rectification item is verified and awaits closure."),
    (VERIFICATION, VERIFIED): N_("This rectification item is already verified."),
    (VERIFICATION, CLOSED): N_("This rectification item is closed."),
    (RECHECK, RECTIFYING): N_("Only a verified or closed item can be re-checked."),
    (CLOSURE, RECTIFYING): N_("An item can be closed only after it has been verified."),
    (CLOSURE, CLOSED): N_("This rectification item is already closed."),
    (REOPENING, RECTIFYING): N_("This rectification item is open already."),
}


def refusal(kind: str, state: str) -> str:
    return REFUSALS.get((kind, state), N_("This step is not possible now."))


def overdue(state: str, deadline: date, on: date) -> bool:
    """Past its deadline and not yet done by the unit (a verified item waits on the regulator)."""
    return state == RECTIFYING and deadline < on


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"
