"""What a unit (and the agency that files its reports) is told when its report is reviewed: returned
with a feedback form, or accepted; and what a department is told when a report of its jurisdiction awaits
its sections (PT §5). Written with the step itself (``domain.notifications.notices``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain import regions
from domain.access import Role, role_label
from domain.accounts.models import User
from domain.agencies.recipients import unit_and_agency_users
from domain.clock import today
from domain.enterprises.models import Enterprise
from domain.errors import N_
from domain.i18n import translate
from domain.notifications.notices import Notice, tell, tell_many
from domain.permits.models import Permit
from domain.permits.reference import REPORT_KIND_LABELS
from domain.reports.departments import SECTION_LABELS
from domain.reports.models import ExecutionReport, FeedbackForm

KIND_RETURNED = "report_returned"
KIND_ACCEPTED = "report_accepted"
KIND_SECTIONS = "report_sections_await"
KIND_URGED = "report_urged"


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


def _covering(region_code: str) -> list[str]:
    """The jurisdictions covering a region: the district, its city, its province, the national level.
    (``domain.supervision.departments`` says the same for supervision, which sits above reports.)"""
    found = [region_code, f"{region_code[:4]}00", f"{region_code[:2]}0000", regions.NATIONAL]
    return sorted({code for code in found if regions.covers(code, region_code)})


async def department_people(session: AsyncSession, role: Role | str, region_code: str) -> list[User]:
    """The active people of a department whose jurisdiction covers the region."""
    statement = (
        select(User)
        .where(
            User.role == Role(role).value,
            col(User.is_active).is_(True),
            col(User.region_code).in_(_covering(region_code)),
        )
        .order_by(col(User.id))
    )
    return list((await session.exec(statement)).all())


async def departments_people(
    session: AsyncSession, pairs: set[tuple[str, str]]
) -> dict[tuple[str, str], list[User]]:
    """``department_people`` of each (department, region) pair, in one statement."""
    if not pairs:
        return {}
    covering = {region: _covering(region) for _department, region in pairs}
    statement = (
        select(User)
        .where(
            col(User.role).in_(sorted({Role(department).value for department, _region in pairs})),
            col(User.is_active).is_(True),
            col(User.region_code).in_(sorted({code for codes in covering.values() for code in codes})),
        )
        .order_by(col(User.id))
    )
    found = list((await session.exec(statement)).all())
    return {
        (department, region): [
            u for u in found if u.role == Role(department).value and u.region_code in covering[region]
        ]
        for department, region in pairs
    }


async def sections_await(
    session: AsyncSession,
    report: ExecutionReport,
    permit: Permit,
    waiting: Mapping[str, Iterable[str]],
    *,
    key: str,
    recheck: bool = False,
    people: dict[tuple[str, str], list[User]] | None = None,
) -> int:
    """Each department of the report's jurisdiction is told which of its sections await it (``waiting``:
    department -> section keys): a new version to review, or (``recheck``) the unit's answer to look at."""
    found = await sections_notices(session, report, permit, waiting, key=key, recheck=recheck, people=people)
    return await tell_many(session, found)


async def sections_notices(
    session: AsyncSession,
    report: ExecutionReport,
    permit: Permit,
    waiting: Mapping[str, Iterable[str]],
    *,
    key: str,
    recheck: bool = False,
    people: dict[tuple[str, str], list[User]] | None = None,
    enterprise: str | None = None,
) -> list[Notice]:
    """The notices of ``sections_await``, not written yet (``tell_many`` writes those of many reports).
    ``people`` and ``enterprise`` (the unit's name), when given, spare their reads (``departments_people``,
    the filing desk reads the names with the permits)."""
    found: list[Notice] = []
    known = {} if people is None else people
    for department, sections in waiting.items():
        keys = list(dict.fromkeys(sections))
        if not keys:
            continue
        if (department, permit.region_code) not in known:
            known[(department, permit.region_code)] = await department_people(
                session, department, permit.region_code
            )
        recipients = known[(department, permit.region_code)]
        if not recipients:
            continue  # a department with nobody in it yet: no notice to write, none to word
        if enterprise is None:
            enterprise = await _enterprise_name(session, permit)

        def names(locale: str, keys: list[str] = keys) -> str:
            return ("、" if locale != "en" else ", ").join(translate(SECTION_LABELS[k], locale) for k in keys)

        title_id = (
            N_("{report} of {enterprise}: the unit answered; re-check your sections")
            if recheck
            else N_("{report} of {enterprise} awaits your department's review")
        )
        body_id = N_(
            "{department}: the {report} of permit {permit} ({enterprise}, version {version}) awaits your "
            "review of: {sections}. Clear each section or record its problems; the feedback form goes to "
            "the unit once every department has reviewed its sections."
        )
        title = " / ".join(
            translate(title_id, locale, report=_report_name(report, locale), enterprise=enterprise)
            for locale in ("zh_Hans", "en")
        )
        body = " / ".join(
            translate(
                body_id,
                locale,
                department=role_label(department, locale),
                report=_report_name(report, locale),
                permit=permit.number,
                enterprise=enterprise,
                version=report.latest_version,
                sections=names(locale),
            )
            for locale in ("zh_Hans", "en")
        )
        found.append(
            Notice(recipients, KIND_SECTIONS, f"{key}:{department}", title, body, f"/review/{report.id}")
        )
    return found


async def unit_recipients(session: AsyncSession, permit: Permit) -> list[User]:
    """Who files the permit's reports: the unit's staff and the agency authorised for its reports."""
    return await _recipients(session, permit)


async def report_urged(
    session: AsyncSession,
    permit: Permit,
    kind: str,
    period: str,
    due: date,
    recipients: list[User],
    *,
    on: date,
) -> int:
    """催报: the regulator asks for a report past due and never submitted; once a day at most."""

    def both(message: str, **params: object) -> str:
        return " / ".join(
            translate(
                message,
                locale,
                report=f"{translate(REPORT_KIND_LABELS.get(kind, kind), locale)} {period}",
                **params,
            )
            for locale in ("zh_Hans", "en")
        )

    params = {"permit": permit.number, "due": due.isoformat(), "days": (on - due).days}
    return await tell(
        session,
        recipients,
        kind=KIND_URGED,
        key=f"report-urged:{permit.id}:{kind}:{period}:{on.isoformat()}",
        title=both(N_("The regulator asks for your {report}: due {due}"), **params),
        body=both(
            N_(
                "{enterprise}: the {report} of permit {permit} was due on {due} and has not been submitted "
                "({days} days overdue). Submit it now; a report still missing may be passed to enforcement."
            ),
            enterprise=await _enterprise_name(session, permit),
            **params,
        ),
        link=f"/reports/{permit.number}/{kind}/{period}",
    )
