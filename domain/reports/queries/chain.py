"""The hash chain of a report's submissions, checked: every submission's hash recomputed and its link to the
one before, and the report row held to them (its latest version and head, nothing removed from the end; its
first submission time and on-time flag). Anyone may check a filed annual report's chain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor
from domain.errors import N_
from domain.permits.models import Permit
from domain.reports import lookup, rules
from domain.reports.models import ExecutionReport, ReportSubmission


@dataclass(frozen=True)
class ChainLink:
    version: int
    receipt_number: str
    received_at: datetime
    stored_hash: str
    intact: bool


@dataclass(frozen=True)
class ChainProblem:
    """Something the report row says about its submissions that they do not bear out."""

    code: str  # missing_submissions, head_differs, first_time_differs, on_time_differs
    message: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ChainVerification:
    intact: bool
    links: list[ChainLink]
    problems: list[ChainProblem] = field(default_factory=list)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _report_problems(report: ExecutionReport, submissions: Sequence[ReportSubmission]) -> list[ChainProblem]:
    """The report row against its chain: how many versions and which head it recorded (a removed newest
    submission leaves the row pointing past the end), and the first time and on-time flag (judged on
    version 1's server time)."""
    problems: list[ChainProblem] = []
    last = submissions[-1] if submissions else None
    found = last.version if last else 0
    if report.latest_version != found or len(submissions) != found:
        problems.append(
            ChainProblem(
                "missing_submissions",
                N_("The report records {expected} versions, but {found} are stored."),
                {"expected": report.latest_version, "found": len(submissions)},
            )
        )
    elif report.head_hash != (last.content_hash if last else rules.GENESIS):
        problems.append(
            ChainProblem(
                "head_differs",
                N_("The report's recorded chain head does not match its latest submission."),
            )
        )
    first = submissions[0] if submissions and submissions[0].version == 1 else None
    recorded = _aware(report.first_submitted_at) if report.first_submitted_at else None
    if (first is None) != (recorded is None) or (first and recorded != _aware(first.received_at)):
        problems.append(
            ChainProblem(
                "first_time_differs",
                N_("The report's first submission time differs from the time version 1 was received."),
            )
        )
    elif first is not None and report.on_time != rules.on_time(_aware(first.received_at), report.due_date):
        problems.append(
            ChainProblem(
                "on_time_differs",
                N_("The report's on-time flag differs from the judgement on version 1's time received."),
            )
        )
    return problems


async def verify_chain(session: AsyncSession, actor: Actor, *, report_id: int) -> ChainVerification:
    """Recompute every submission's hash and link, and hold the report row to them: its latest version
    and head hash (nothing removed from the end), its first submission time and on-time flag."""
    report, permit = await lookup.report(session, actor, report_id, public_annual=True)
    submissions = (
        await session.exec(
            select(ReportSubmission)
            .where(ReportSubmission.report_id == report.id)
            .order_by(col(ReportSubmission.version))
        )
    ).all()
    links: list[ChainLink] = []
    previous = rules.GENESIS
    for expected_version, submission in enumerate(submissions, start=1):
        recomputed = rules.submission_hash(
            report_key=f"{permit.number}/{report.kind}/{report.period}",
            version=submission.version,
            received_at=_aware(submission.received_at),
            submitted_by=submission.submitted_by,
            on_behalf_of=submission.on_behalf_of,
            content=submission.content,
            previous_hash=submission.previous_hash,
            attachments=submission.attachments or (),
            imported_from=submission.imported_from,
        )
        intact = (
            recomputed == submission.content_hash
            and submission.previous_hash == previous
            and submission.version == expected_version
        )
        links.append(
            ChainLink(
                submission.version,
                submission.receipt_number,
                submission.received_at,
                submission.content_hash,
                intact,
            )
        )
        previous = submission.content_hash
    problems = _report_problems(report, submissions)
    return ChainVerification(
        intact=all(link.intact for link in links) and not problems, links=links, problems=problems
    )


@dataclass
class VerifyPage:
    report: ExecutionReport
    permit: Permit
    verification: ChainVerification

    @property
    def first_broken(self) -> ChainLink | None:
        return next((link for link in self.verification.links if not link.intact), None)


async def verify_page(session: AsyncSession, actor: Actor, *, report_id: int) -> VerifyPage:
    verification = await verify_chain(session, actor, report_id=report_id)
    report = await session.get(ExecutionReport, report_id)
    assert report is not None
    permit = await session.get(Permit, report.permit_id)
    assert permit is not None
    return VerifyPage(report, permit, verification)
