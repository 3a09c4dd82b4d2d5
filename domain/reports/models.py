"""Execution reports, their append-only submissions, findings, feedback forms and enforcement leads."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel, col

from domain import base
from domain.clock import utcnow
from domain.permits.reference import ReportKind

REPORT_STATES = ("draft", "submitted", "returned", "accepted")


class ExecutionReport(SQLModel, table=True):
    """One report of one permit for one period (monthly / quarterly / annual)."""

    __tablename__ = "execution_report"
    __table_args__ = (
        sa.UniqueConstraint("permit_id", "kind", "period", name="uq_execution_report_period"),
        sa.CheckConstraint(base.sql_in("kind", tuple(k.value for k in ReportKind)), name="kind_known"),
        sa.CheckConstraint(base.sql_in("state", REPORT_STATES), name="state_known"),
        sa.Index("ix_execution_report_region_due", "region_code", "due_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # Lookups by permit use uq_execution_report_period, which begins with it (migration 0046).
    permit_id: int = Field(foreign_key="permit.id")
    enterprise_id: int = Field(foreign_key="enterprise.id")
    region_code: str = Field(max_length=6)
    industry_code: str = Field(max_length=4)
    kind: str = Field(max_length=16)
    period: str = Field(max_length=8)
    period_start: date
    period_end: date
    due_date: date
    state: str = Field(default="draft", max_length=12)
    first_submitted_at: datetime | None = None
    on_time: bool | None = None
    latest_version: int = Field(default=0)
    # The content hash of the latest submission (64 zeros before the first): with ``latest_version`` it
    # pins the chain's end, so a removed newest submission is noticed. Triggers keep the first
    # submission time and the on-time flag as first set and never let the version go back.
    head_hash: str = Field(default="0" * 64, max_length=64)
    draft: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    draft_saved_at: datetime | None = None
    draft_saved_by: str | None = Field(default=None, max_length=64)
    draft_on_behalf_of: str | None = Field(default=None, max_length=64)
    accepted_at: datetime | None = None
    accepted_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    # Kept by ``domain.reports.awaiting.refresh_review_flags`` in every write that can change them: the
    # report awaits each reviewing department (``awaiting.awaits``), and its latest submission's error
    # count (0 before the first) — stored so the review queue reads its order off an index.
    awaits_permitting: bool = Field(default=False)
    awaits_ecology: bool = Field(default=False)
    awaits_pollution_prevention: bool = Field(default=False)
    latest_error_count: int = Field(default=0)


# The review queue's default order, read in order with its LIMIT (``domain/reports/awaiting.py``): the reports
# awaiting the reader's department first, then the latest submission's errors, the due date, the id.
for _flag in ("awaits_permitting", "awaits_ecology", "awaits_pollution_prevention"):
    sa.Index(
        f"ix_execution_report_queue_{_flag}",
        col(ExecutionReport.state),
        col(getattr(ExecutionReport, _flag)).desc(),
        col(ExecutionReport.latest_error_count).desc(),
        col(ExecutionReport.due_date),
        col(ExecutionReport.id),
    )
sa.Index(
    "ix_execution_report_queue",
    col(ExecutionReport.state),
    col(ExecutionReport.latest_error_count).desc(),
    col(ExecutionReport.due_date),
    col(ExecutionReport.id),
)
# The queue's count: the reports of a state with their permits (the access rule is the permit's), read from
# the index alone instead of the wide rows (each holds its draft).
sa.Index("ix_execution_report_state_permit", col(ExecutionReport.state), col(ExecutionReport.permit_id))


class ReportSubmission(SQLModel, table=True):
    """One (re)submission, exactly as received. Triggers refuse UPDATE, DELETE, TRUNCATE and an INSERT that
    would replace a row (SQLite's REPLACE)."""

    __tablename__ = "report_submission"
    __table_args__ = (
        sa.UniqueConstraint("report_id", "version", name="uq_report_submission_version"),
        sa.UniqueConstraint("report_id", "idempotency_key", name="uq_report_submission_idempotency"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # Lookups by report use uq_report_submission_version, which begins with it (migration 0046).
    report_id: int = Field(foreign_key="execution_report.id")
    version: int
    received_at: datetime
    submitted_by: str = Field(max_length=64)
    on_behalf_of: str | None = Field(default=None, max_length=64)
    content: dict[str, Any] = Field(sa_type=sa.JSON)
    content_hash: str = Field(max_length=64)
    previous_hash: str = Field(max_length=64)
    receipt_number: str = Field(max_length=32, unique=True)
    idempotency_key: str = Field(max_length=80)
    error_count: int = Field(default=0)
    warning_count: int = Field(default=0)
    # The files filed with this version, as they were then: [{id, file_name, media_type, size, sha256}]
    # (``ReportAttachment``; the bytes are in the file store). Part of the hash when not empty.
    attachments: list[dict[str, Any]] = Field(
        default_factory=list, sa_type=sa.JSON, sa_column_kwargs={"server_default": "[]"}
    )
    # A submission imported from the national platform (domain/history): its source (part of the hash)
    # and batch; ``received_at`` is then the time the platform received it.
    imported_from: str | None = Field(default=None, max_length=100)
    import_batch_id: int | None = None  # history_import.id (no foreign key: added in place, see 0030)


class ReportAttachment(SQLModel, table=True):
    """A file on a report (a monitoring report, a written explanation): on the unit's draft, or on its reply
    to a feedback form (``feedback_form_id``). The bytes are in the file store (``domain.uploads``) under
    ``sha256``. Removing a draft's file sets ``removed_at`` (the row stays: a filed version may list it).
    ``submitted_in`` is the first submission that listed it (or the form it answered): from then on whoever
    may see the report may open it; before, only the unit and its agency."""

    __tablename__ = "report_attachment"

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="execution_report.id", index=True)
    enterprise_id: int = Field(foreign_key="enterprise.id")
    feedback_form_id: int | None = Field(default=None, foreign_key="feedback_form.id", index=True)
    submitted_in: int | None = Field(default=None, foreign_key="report_submission.id")
    file_name: str = Field(max_length=200)
    media_type: str = Field(max_length=120)
    size: int
    sha256: str = Field(max_length=64)
    uploaded_at: datetime = Field(default_factory=utcnow)
    uploaded_by: str = Field(max_length=64)
    on_behalf_of: str | None = Field(default=None, max_length=64)
    removed_at: datetime | None = None
    removed_by: str | None = Field(default=None, max_length=64)


class AuditFinding(SQLModel, table=True):
    """What the audit rules found in one submission (stored with it, shown to the unit at once)."""

    __tablename__ = "audit_finding"

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="report_submission.id", index=True)
    rule_code: str = Field(max_length=16)
    severity: str = Field(max_length=8)
    field: str = Field(max_length=200)
    message: str = Field(max_length=500)
    params: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)


class FeedbackForm(SQLModel, table=True):
    """问题反馈意见单 (PT §5): every problem of a report in one form, with a deadline."""

    __tablename__ = "feedback_form"
    __table_args__ = (
        sa.CheckConstraint(base.sql_in("status", ("open", "answered", "closed")), name="status_known"),
    )

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="execution_report.id", index=True)
    submission_id: int = Field(foreign_key="report_submission.id", index=True)
    issued_at: datetime = Field(default_factory=utcnow)
    issued_by: str = Field(max_length=64)
    department: str = Field(max_length=32)
    deadline: date
    status: str = Field(default="open", max_length=10)
    response: str = Field(default="", max_length=5000)
    responded_at: datetime | None = None
    responded_by: str | None = Field(default=None, max_length=64)
    # Set with the answer, from the server's date at that moment (PT §5: "在约定的时间内"): an answer (an
    # explanation or a corrected version) after the deadline is late, and stays so. None until answered.
    late: bool | None = None
    closed_at: datetime | None = None


class FeedbackItem(SQLModel, table=True):
    __tablename__ = "feedback_item"

    id: int | None = Field(default=None, primary_key=True)
    form_id: int = Field(foreign_key="feedback_form.id", index=True)
    field: str = Field(default="", max_length=200)
    problem: str = Field(max_length=2000)
    rule_code: str | None = Field(default=None, max_length=16)
    is_violation: bool = Field(default=False)
    resolved: bool = Field(default=False)
    # Which section of the report the problem is about and which department found it (PT §5: the items of
    # every department merge into the one form); empty for forms issued before the review was split.
    section: str = Field(default="", max_length=32, sa_column_kwargs={"server_default": ""})
    department: str = Field(default="", max_length=32, sa_column_kwargs={"server_default": ""})
    section_item_id: int | None = Field(default=None, foreign_key="report_section_item.id")


SECTION_OUTCOMES = ("cleared", "problems")


class SectionReview(SQLModel, table=True):
    """One department's verdict on one section of one submission (PT §5): cleared, or problems found (its
    items). Append-only: a department that changes its mind adds a step; the latest step of a
    (submission, section, department) is its verdict, the earlier ones stay as history. A resubmission is
    a new round: its steps name the new submission."""

    __tablename__ = "report_section_review"
    __table_args__ = (
        sa.CheckConstraint(base.sql_in("outcome", SECTION_OUTCOMES), name="outcome_known"),
        sa.Index("ix_report_section_review_round", "submission_id", "department", "section"),
    )

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="execution_report.id", index=True)
    submission_id: int = Field(foreign_key="report_submission.id")
    section: str = Field(max_length=32)
    department: str = Field(max_length=32)
    outcome: str = Field(max_length=10)
    reviewed_at: datetime = Field(default_factory=utcnow)
    reviewed_by: str = Field(max_length=64)
    on_behalf_of: str | None = Field(default=None, max_length=64)


class SectionItem(SQLModel, table=True):
    """A problem a department recorded against a section (one step of ``SectionReview``); it goes on the
    feedback form when the form is issued (``FeedbackItem.section_item_id``)."""

    __tablename__ = "report_section_item"

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="report_section_review.id", index=True)
    field: str = Field(default="", max_length=200)
    problem: str = Field(max_length=2000)
    rule_code: str | None = Field(default=None, max_length=16)
    is_violation: bool = Field(default=False)


class EnforcementLead(SQLModel, table=True):
    """违法线索: a problem found in review that the enforcement side must pick up."""

    __tablename__ = "enforcement_lead"
    __table_args__ = (sa.Index("ix_enforcement_lead_region_status", "region_code", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="execution_report.id")
    feedback_item_id: int | None = Field(default=None, foreign_key="feedback_item.id")
    permit_id: int = Field(foreign_key="permit.id")
    enterprise_id: int = Field(foreign_key="enterprise.id")
    region_code: str = Field(max_length=6)
    description: str = Field(max_length=2000)
    status: str = Field(default="new", max_length=12)
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(max_length=64)
