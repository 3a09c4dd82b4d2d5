"""What a unit (and the agency that files its reports) is told when its report is reviewed: returned
with a feedback form, or accepted. Written with the review itself (``domain.notifications.notices``)."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.accounts.models import User
from domain.agencies.recipients import unit_and_agency_users
from domain.clock import today
from domain.enterprises.models import Enterprise
from domain.errors import N_
from domain.i18n import translate
from domain.notifications.notices import tell
from domain.permits.models import Permit
from domain.permits.reference import REPORT_KIND_LABELS
from domain.reports.models import ExecutionReport, FeedbackForm

KIND_RETURNED = "report_returned"
KIND_ACCEPTED = "report_accepted"


def _report_name(report: ExecutionReport, locale: str) -> str:
    return f"{translate(REPORT_KIND_LABELS.get(report.kind, report.kind), locale)} {report.period}"


async def _recipients(session: AsyncSession, permit: Permit) -> list[User]:
    return await unit_and_agency_users(session, permit.enterprise_id, "reports", today())


async def _enterprise_name(session: AsyncSession, permit: Permit) -> str:
    enterprise = await session.get(Enterprise, permit.enterprise_id)
    return enterprise.name if enterprise else ""


def _in_both(message: str, report: ExecutionReport, **params: object) -> str:
    return " / ".join(
        translate(message, locale, report=_report_name(report, locale), **params)
        for locale in ("zh_Hans", "en")
    )


async def report_returned(
    session: AsyncSession, report: ExecutionReport, permit: Permit, form: FeedbackForm, problems: int
) -> int:
    """The report came back with one feedback form: what, how many problems, by when."""
    params = {"permit": permit.number, "deadline": form.deadline.isoformat(), "problems": problems}
    title = _in_both(N_("{report} returned: correct it by {deadline}"), report, **params)
    body = _in_both(
        N_(
            "{enterprise}: the {report} of permit {permit} was returned with a feedback form listing "
            "{problems} problems. Correct the report and submit it again, or answer with an explanation, "
            "by {deadline}; problems left unanswered then are passed to enforcement."
        ),
        report,
        enterprise=await _enterprise_name(session, permit),
        **params,
    )
    return await tell(
        session,
        await _recipients(session, permit),
        kind=KIND_RETURNED,
        key=f"report-returned:{form.id}",
        title=title,
        body=body,
        link=f"/reports/id/{report.id}",
    )


async def report_accepted(session: AsyncSession, report: ExecutionReport, permit: Permit) -> int:
    """The report was accepted: it is closed, nothing more is asked of it."""
    title = _in_both(N_("{report} accepted"), report)
    body = _in_both(
        N_("{enterprise}: the {report} of permit {permit} (version {version}) was accepted; it is closed."),
        report,
        enterprise=await _enterprise_name(session, permit),
        permit=permit.number,
        version=report.latest_version,
    )
    return await tell(
        session,
        await _recipients(session, permit),
        kind=KIND_ACCEPTED,
        key=f"report-accepted:{report.id}",
        title=title,
        body=body,
        link=f"/reports/id/{report.id}",
    )
