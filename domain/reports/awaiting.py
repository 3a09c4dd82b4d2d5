"""Which reviewing departments a report awaits, and its latest submission's error count, stored on the report.

The review queue (``queries.review``) puts the reports awaiting the reader's department first, then those
with the most rule errors. Evaluated per request, ``awaits`` ran for every report of the jurisdiction and
the database sorted them all (seconds for a city, issue 19); stored, the order is read off an index with
the page's LIMIT. ``refresh_review_flags`` recomputes the stored values with the same expressions, and
every write that can change them calls it in its own transaction: a filing, a section verdict, a feedback
form issued or answered, an acceptance, overdue forms closed (docs/supervision.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Role
from domain.reports import departments
from domain.reports.content import sections_of
from domain.reports.models import ExecutionReport, FeedbackForm, FeedbackItem, ReportSubmission, SectionReview


def awaits(role: Role) -> sa.ColumnElement[bool]:
    """SQL: the report (joined with its latest submission) awaits this department: under review, and a
    section the department checks has no verdict of it on this version yet, or the unit answered a form
    with the department's problems and the department has not looked at that section since
    (``rounds``: pending or recheck)."""
    own = {
        kind: sum(1 for s in sections_of(kind) if departments.checks(role, s))
        for kind in ("annual", "quarterly")
    }
    reviewed = (
        select(sa.func.count(sa.distinct(col(SectionReview.section))))
        .where(
            col(SectionReview.submission_id) == col(ReportSubmission.id),
            col(SectionReview.department) == role.value,
        )
        .correlate(ReportSubmission)
        .scalar_subquery()
    )
    looked_again = (
        select(SectionReview.id)
        .where(
            col(SectionReview.submission_id) == col(ReportSubmission.id),
            col(SectionReview.department) == role.value,
            col(SectionReview.section) == col(FeedbackItem.section),
            col(SectionReview.reviewed_at) > col(FeedbackForm.responded_at),
        )
        .exists()
    )
    answered = (
        select(FeedbackItem.id)
        .join(FeedbackForm, col(FeedbackForm.id) == col(FeedbackItem.form_id))
        .where(
            col(FeedbackForm.submission_id) == col(ReportSubmission.id),
            col(FeedbackForm.status) == "answered",
            col(FeedbackItem.department) == role.value,
            ~looked_again,
        )
        .correlate(ReportSubmission)
        .exists()
    )
    expected = sa.case((col(ExecutionReport.kind) == "annual", own["annual"]), else_=own["quarterly"])
    return sa.and_(col(ExecutionReport.state) == "submitted", sa.or_(reviewed < expected, answered))


def flag_name(role: Role) -> str:
    """The report's column that stores ``awaits(role)``."""
    return f"awaits_{role.value}"


def stored_awaits(role: Role) -> sa.ColumnElement[bool]:
    """SQL: the stored ``awaits(role)`` of the report."""
    column: sa.ColumnElement[bool] = getattr(ExecutionReport, flag_name(role))
    return column


def flag_values() -> list[sa.ColumnElement[object]]:
    """The stored columns' values computed live, in ``FLAGS`` order (the report joined with its latest
    submission, outer)."""
    values: list[sa.ColumnElement[object]] = [
        sa.func.coalesce(awaits(role), sa.false()) for role in departments.REVIEWING_DEPARTMENTS
    ]
    values.append(sa.func.coalesce(col(ReportSubmission.error_count), 0))
    return values


FLAGS = (*(flag_name(role) for role in departments.REVIEWING_DEPARTMENTS), "latest_error_count")


def set_new_version_flags(report: ExecutionReport, error_count: int) -> None:
    """Set the stored flags of a report whose new version was just filed, without reading anything.

    ``awaits`` on a version nobody has looked at yet comes down to the report's state and kind: the new
    submission has no section verdict (``reviewed`` is 0) and no feedback form was issued on it
    (``answered`` is false: forms answered by this filing were issued on an earlier version), so the
    report awaits every department that checks a section of its kind, while it is under review. The
    filing desk writes these with the report's other columns, in the UPDATE it makes anyway, instead of
    reading them back (a third of a filing's CPU, issue 19); ``tests/reports/test_review_flags.py`` holds
    them to the live expression after every step."""
    for role in departments.REVIEWING_DEPARTMENTS:
        setattr(report, flag_name(role), report.state == "submitted" and _checks_any(role, report.kind))
    report.latest_error_count = error_count


_OWN_SECTIONS: dict[tuple[Role, str], bool] = {}


def _checks_any(role: Role, kind: str) -> bool:
    """Whether the department checks any section of a report of this kind (fixed by the law's sections)."""
    key = (role, kind)
    if key not in _OWN_SECTIONS:
        _OWN_SECTIONS[key] = any(departments.checks(role, s) for s in sections_of(kind))
    return _OWN_SECTIONS[key]


_BATCH = 500


async def refresh_review_flags(session: AsyncSession, report_ids: Iterable[int | None]) -> None:
    """Recompute the stored review flags of these reports from their rows (pending writes flushed first),
    and set them on the reports loaded in the session too."""
    wanted = sorted({i for i in report_ids if i is not None})
    if not wanted:
        return
    await session.flush()
    chosen = set(wanted)
    loaded = {
        obj.id: obj
        for obj in session.sync_session.identity_map.values()
        if isinstance(obj, ExecutionReport) and obj.id in chosen
    }
    for start in range(0, len(wanted), _BATCH):
        chunk = wanted[start : start + _BATCH]
        reading, writing = _statements()
        rows = (await session.exec(reading, params={"ids": chunk})).all()  # type: ignore[call-overload]
        values = [_values(row) for row in rows]
        if not values:
            continue
        await session.exec(writing, params=values)  # type: ignore[call-overload]
        for value in values:
            report = loaded.get(value["report_id"])
            if report is not None:
                for name in FLAGS:
                    set_committed_value(report, name, value[name])


_built: tuple[Any, Any] | None = None


def _statements() -> tuple[Any, Any]:
    """The flags' read (reports by id) and write, built once: building ``flag_values`` costs more CPU
    than running it."""
    global _built
    if _built is None:
        table = ExecutionReport.__table__  # type: ignore[attr-defined]
        reading = (
            select(col(ExecutionReport.id), *flag_values())
            .join(
                ReportSubmission,
                sa.and_(
                    col(ReportSubmission.report_id) == col(ExecutionReport.id),
                    col(ReportSubmission.version) == col(ExecutionReport.latest_version),
                ),
                isouter=True,
            )
            .where(col(ExecutionReport.id).in_(sa.bindparam("ids", expanding=True)))
        )
        writing = (
            sa.update(table)
            .where(table.c.id == sa.bindparam("report_id"))
            .values({name: sa.bindparam(name) for name in FLAGS})
        )
        _built = (reading, writing)
    return _built


def _values(row: Any) -> dict[str, Any]:
    """A report's id and stored values (flags as booleans, the count as an integer) from a row."""
    flags = {name: bool(value) for name, value in zip(FLAGS[:-1], row[1:-1], strict=True)}
    return {"report_id": row[0], **flags, FLAGS[-1]: int(row[-1])}
