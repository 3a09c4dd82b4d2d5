"""A generated city for the list property tests: a few regions, units, permits, reports, agencies with
authorisations of different scopes and windows, and one actor of every kind.

Regions: two districts of Jinan (370102, 370103), one of Qingdao (370211, same province, another city)
and one of Shanghai (310107). Units are registered in one region; one holds a permit for a site in another
region (lists must decide on the permit's region where can() does). Agencies: approved, suspended,
pending, rejected, in different regions; authorisations for every scope, in force, expired, not yet
started, revoked, and from a suspended agency (which grants nothing). Regulators of every role at
province, city, district level and in the other province; units' staff and administrators; the
administrator and the CLI operator; the public; and everyone again through a read-only token.

Units and permits are made through the domain's use cases (the factories); the rest is written as rows,
so that the city holds states a short test could not reach through the use cases (a report accepted, an
authorisation expired, an agency's filing for a former client). Actors are made as the server makes
them (``domain.actors.actor_for_user``: an agency's authorisations in force today, none if suspended).
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import ANONYMOUS, REGULATOR_ROLES, Actor, Role, operator
from domain.accounts.models import ApiToken, User, UserSession
from domain.actors import actor_for_user
from domain.agencies.models import Agency, AgencyAuthorisation, CreditEvent
from domain.clock import today, utcnow
from domain.enterprises.models import Enterprise, ProductionSite
from domain.ledgers.models import Exceedance, MonitoringReading
from domain.notifications.models import Notification
from domain.permits.models import Permit, PermitApplication
from domain.registrations.models import DischargeRegistration
from domain.registrations.rules import registration_number
from domain.reports.models import EnforcementLead, ExecutionReport
from domain.reports.rollup.counting import refresh
from domain.reports.rules import due_date, parse_period
from domain.supervision.cases.models import EnforcementCase, LeadDecision
from domain.supervision.credit.models import UnitCreditEvent
from domain.supervision.inspections.models import InspectionDraw, InspectionPlanLine, InspectionRecord
from domain.supervision.linkage.models import LinkageReceiver, LinkageTask
from domain.supervision.problems.models import Problem, RectificationItem
from domain.supervision.quality.models import QualityAudit, QualityCampaign
from domain.supervision.standing.models import PositiveListEntry, YellowCard
from tests.factories import credit_code, make_enterprise, make_permit, make_user

REGULATOR_REGIONS = ("370000", "370100", "370102", "310107")
# (registered region, region of the permitted site)
UNITS = (
    ("370102", "370102"),
    ("370102", "370102"),
    ("370103", "370103"),
    ("370103", "370211"),  # registered in Jinan, its permitted site in Qingdao
    ("370211", "370211"),
    ("370211", "370211"),
    ("310107", "310107"),
    ("310107", "310107"),
)
ALL_SCOPES = ("ledger", "self_monitoring", "facility_operation", "reports")
_serial = itertools.count(1)


@dataclass
class City:
    enterprises: list[Enterprise] = field(default_factory=list)
    permits: list[Permit] = field(default_factory=list)
    agencies: dict[str, Agency] = field(default_factory=dict)
    authorisations: list[AgencyAuthorisation] = field(default_factory=list)
    reports: list[ExecutionReport] = field(default_factory=list)
    applications: list[PermitApplication] = field(default_factory=list)
    exceedances: list[Exceedance] = field(default_factory=list)
    registrations: list[DischargeRegistration] = field(default_factory=list)
    readings: list[MonitoringReading] = field(default_factory=list)
    credit_events: list[CreditEvent] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    sessions: list[UserSession] = field(default_factory=list)
    tokens: list[ApiToken] = field(default_factory=list)
    linkage_tasks: list[LinkageTask] = field(default_factory=list)
    linkage_receivers: list[LinkageReceiver] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rectification_items: list[RectificationItem] = field(default_factory=list)
    leads: list[EnforcementLead] = field(default_factory=list)
    decided_leads: set[int] = field(default_factory=set)
    cases: list[EnforcementCase] = field(default_factory=list)
    positive_list: list[PositiveListEntry] = field(default_factory=list)
    yellow_cards: list[YellowCard] = field(default_factory=list)
    unit_credit_events: list[UnitCreditEvent] = field(default_factory=list)
    plan_lines: list[InspectionPlanLine] = field(default_factory=list)
    inspection_records: list[InspectionRecord] = field(default_factory=list)
    draws: list[InspectionDraw] = field(default_factory=list)
    quality_audits: list[QualityAudit] = field(default_factory=list)
    quality_campaigns: list[QualityCampaign] = field(default_factory=list)
    users: dict[str, User] = field(default_factory=dict)
    actors: list[tuple[str, Actor]] = field(default_factory=list)
    audit_ids: set[int] = field(default_factory=set)
    audit_units: dict[int, int | None] = field(default_factory=dict)  # entry id: the unit it concerns
    quarter: str = ""  # the last full quarter: every permit owes its report, half of them filed it
    year: str = ""  # the last full year

    def permit(self, permit_id: int) -> Permit:
        return next(p for p in self.permits if p.id == permit_id)

    def enterprise(self, enterprise_id: int) -> Enterprise:
        return next(e for e in self.enterprises if e.id == enterprise_id)


def _quarter(day: date, back: int) -> str:
    index = (day.year * 4 + (day.month - 1) // 3) - back
    return f"{index // 4}-Q{index % 4 + 1}"


def _at(day: date, hour: int = 8) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


async def _agency(session: AsyncSession, name: str, region: str, status: str) -> Agency:
    agency = Agency(
        credit_code=credit_code(),
        name=f"城市环境技术服务有限公司{name}",
        address="测试路1号",
        region_code=region,
        contact_person="周敏",
        contact_phone="021-52000000",
        service_types=list(ALL_SCOPES),
        qualifications=[],
        status=status,
    )
    session.add(agency)
    await session.flush()
    return agency


async def _staff(session: AsyncSession, agency: Agency) -> User:
    user = User(
        username=f"city-clerk-{next(_serial)}",
        password_hash="unused",
        role=Role.AGENCY_STAFF.value,
        agency_id=agency.id,
    )
    session.add(user)
    await session.flush()
    return user


async def build(session: AsyncSession) -> City:
    city = City()
    on = today()
    city.quarter = _quarter(on, 1)
    earlier_quarter = _quarter(on, 2)
    city.year = str(on.year - 1)
    decided = (on - timedelta(days=700)).isoformat()

    # Units and their permits (through the use cases).
    for index, (registered, site_region) in enumerate(UNITS):
        enterprise = await make_enterprise(session, region_code=registered)
        sequence = 1
        if site_region != registered:
            sequence = 2
            session.add(
                ProductionSite(
                    enterprise_id=enterprise.id or 0,
                    sequence=2,
                    name="二厂",
                    address="青岛市黄岛区",
                    region_code=site_region,
                    industry_code=enterprise.industry_code,
                )
            )
            await session.flush()
        permit = await make_permit(session, enterprise, decision_date=decided, sequence=sequence)
        assert permit.region_code == site_region, index
        city.enterprises.append(enterprise)
        city.permits.append(permit)

    # Discharge registrations (登记) of sites without a permit: one in the unit's region, one of a unit of
    # Jinan for a site in Qingdao.
    for index, sequence, region in ((3, 1, "370103"), (0, 3, "370211"), (6, 2, "310107")):
        enterprise = city.enterprises[index]
        if sequence > 1:
            session.add(
                ProductionSite(
                    enterprise_id=enterprise.id or 0,
                    sequence=sequence,
                    name=f"{sequence}号厂区",
                    address="某路1号",
                    region_code=region,
                    industry_code=enterprise.industry_code,
                )
            )
            await session.flush()
        site = (
            await session.exec(
                select(ProductionSite).where(
                    ProductionSite.enterprise_id == enterprise.id, ProductionSite.sequence == sequence
                )
            )
        ).one()
        registration = DischargeRegistration(
            number=registration_number(enterprise.credit_code, sequence),
            enterprise_id=enterprise.id or 0,
            site_id=site.id or 0,
            region_code=site.region_code,
            industry_code=site.industry_code,
            status="registered",
            first_registered_on=on - timedelta(days=100),
            valid_from=on - timedelta(days=100),
            valid_until=on + timedelta(days=1000),
            production_process="生产",
            discharge_destination="市政管网",
            control_facilities="无",
            emission_standards="GB 8978-1996",
            contact_person="王伟",
            contact_phone="021-62000000",
        )
        session.add(registration)
        city.registrations.append(registration)

    # Reports: a draft, a quarter filed by half of the units (the others are overdue), earlier quarters
    # returned or filed, annual reports accepted, returned or waiting.
    for index, permit in enumerate(city.permits):
        rows = [("quarterly", _quarter(on, 0), "draft", 0)]
        if index % 2 == 0:
            rows.append(("quarterly", city.quarter, "submitted", 1))
        rows.append(("quarterly", earlier_quarter, ("returned", "submitted", "accepted")[index % 3], 1))
        rows.append(("annual", city.year, ("accepted", "returned", "submitted")[index % 3], 2))
        if index % 4 == 1:
            rows.append(("annual", str(on.year), "draft", 0))  # a draft of the year under way
        for kind, label, state, version in rows:
            period = parse_period(kind, label)
            assert period is not None
            filed = _at(due_date(period) - timedelta(days=3)) if version else None
            report = ExecutionReport(
                permit_id=permit.id or 0,
                enterprise_id=permit.enterprise_id,
                region_code=permit.region_code,
                industry_code=permit.industry_code,
                kind=kind,
                period=label,
                period_start=period.start,
                period_end=period.end,
                due_date=due_date(period),
                state=state,
                first_submitted_at=filed,
                on_time=True if version else None,
                latest_version=version,
            )
            session.add(report)
            city.reports.append(report)

    # Applications: open ones (some past their time limit, some late), and closed ones.
    for index, permit in enumerate(city.permits):
        for status in ("submitted", "accepted", "completed"):
            if status == "accepted" and index % 2:
                continue
            received = on - timedelta(days=20 + index)
            application = PermitApplication(
                permit_id=permit.id or 0,
                kind="change_items" if status != "completed" else "renewal",
                status=status,
                received_on=received,
                accept_due=on - timedelta(days=1) if index % 2 else on + timedelta(days=3),
                accepted_on=received + timedelta(days=2) if status != "submitted" else None,
                decision_due=on + timedelta(days=(-2 if index % 3 == 0 else 10))
                if status != "submitted"
                else None,
                completed_on=on - timedelta(days=2) if status == "completed" else None,
                late=index % 3 == 0,
            )
            session.add(application)
            city.applications.append(application)

    # Exceedances: one open per permit, one explained for every other.
    for index, permit in enumerate(city.permits):
        for status in ("open", "explained") if index % 2 == 0 else ("open",):
            # The same start for every unit: a list must page in a total order, ties included.
            start = utcnow().replace(minute=0, second=0, microsecond=0) - timedelta(days=3)
            exceedance = Exceedance(
                permit_id=permit.id or 0,
                enterprise_id=permit.enterprise_id,
                region_code=permit.region_code,
                outlet_code="DA001",
                pollutant="SO2",
                kind="concentration",
                started_at=start if status == "open" else start - timedelta(days=30),
                ended_at=start + timedelta(hours=2),
                max_value=50.0,
                limit_value=35.0,
                unit="mg/m3",
                status=status,
            )
            session.add(exceedance)
            city.exceedances.append(exceedance)

    # Agencies and their authorisations.
    e = city.enterprises
    a1 = city.agencies["approved"] = await _agency(session, "甲", "370102", "approved")
    a2 = city.agencies["suspended"] = await _agency(session, "乙", "370211", "suspended")
    city.agencies["pending"] = await _agency(session, "丙", "310107", "pending")
    city.agencies["rejected"] = await _agency(session, "丁", "370000", "rejected")
    a5 = city.agencies["shanghai"] = await _agency(session, "戊", "310107", "approved")
    in_force = (on - timedelta(days=30), on + timedelta(days=300))
    grants = [
        (a1, e[0], ["ledger"], in_force, False),
        (a1, e[1], ["reports"], in_force, False),
        (a1, e[2], ["self_monitoring", "facility_operation"], in_force, False),
        (a1, e[3], ["reports"], (on - timedelta(days=400), on - timedelta(days=10)), False),  # expired
        (
            a1,
            e[4],
            ["reports", "ledger"],
            (on + timedelta(days=10), on + timedelta(days=300)),
            False,
        ),  # future
        (a1, e[5], ["reports"], in_force, True),  # revoked
        (a1, e[6], list(ALL_SCOPES), in_force, False),
        (a2, e[0], ["reports"], in_force, False),  # the agency is suspended: grants nothing
        (a5, e[7], ["reports"], in_force, False),
        (a5, e[1], ["ledger"], in_force, False),
    ]
    for agency, enterprise, scopes, (start, end), revoked in grants:
        authorisation = AgencyAuthorisation(
            agency_id=agency.id or 0,
            enterprise_id=enterprise.id or 0,
            scopes=scopes,
            valid_from=start,
            valid_until=end,
            contract_number=f"HT-{next(_serial)}",
            created_by="city",
            revoked_at=utcnow() if revoked else None,
            revoked_by="city" if revoked else None,
        )
        session.add(authorisation)
        city.authorisations.append(authorisation)

    # The agencies' traced filings: readings entered for clients, former ones included.
    filers = ((a1, 0), (a1, 2), (a1, 3), (a1, 5), (a1, 6), (a5, 7), (a2, 0))
    now = utcnow().replace(microsecond=0)
    for serial, (agency, enterprise_index) in enumerate(filers):
        permit = city.permits[enterprise_index]
        for batch in range(2):
            # Batches for different units entered at the same moment: paging must break such ties.
            entered = now - timedelta(days=40 - batch * 10)
            moment = entered.replace(minute=0, second=0) - timedelta(days=1, hours=serial)
            reading = MonitoringReading(
                permit_id=permit.id or 0,
                outlet_code="DA001",
                pollutant="SO2",
                method="manual",
                measured_at=moment,
                period_end=moment + timedelta(hours=1),
                concentration=10.0 + batch,
                unit="mg/m3",
                entered_at=entered,
                entered_by="clerk",
                on_behalf_of=f"agency:{agency.credit_code}",
            )
            session.add(reading)
            city.readings.append(reading)

    for agency, points, public in ((a1, -5.0, True), (a1, 2.0, False), (a2, -10.0, True), (a5, -1.0, False)):
        event = CreditEvent(
            agency_id=agency.id or 0,
            kind="late_filing" if points < 0 else "training",
            points=points,
            source_type="inspection",
            source_id=str(next(_serial)),
            public=public,
        )
        session.add(event)
        city.credit_events.append(event)
    await session.flush()

    # Linkage tasks (三监联动) about units of several regions, one without a registered unit; receivers at
    # every stage, some overdue, some archived.
    tasks = (
        # (unit index or None with its region, initiating department, receivers and stages, overdue, archived)
        (0, "370102", "enforcement", (("permitting", "fed_back"), ("ecology", "sent")), True, False),
        (3, "370211", "monitoring_station", (("enforcement", "executed"),), False, False),
        (6, "310107", "enforcement", (("permitting", "fed_back"), ("ecology", "fed_back")), False, True),
        (7, "310107", "ecology", (("permitting", "fed_back"),), False, False),
        (None, "370103", "enforcement", (("permitting", "received"),), True, False),
        (4, "370211", "legal", (("pollution_prevention", "sent"), ("enforcement", "fed_back")), False, False),
    )
    for unit_index, region, department, receivers, overdue, archived in tasks:
        unit = e[unit_index] if unit_index is not None else None
        task = LinkageTask(
            region_code=region,
            department=department,
            enterprise_id=unit.id if unit else None,
            unit_name=unit.name if unit else "无证小作坊",
            description="联动事项",
            requested_action="请核查",
            handler="张强",
            responsible_person="刘队长",
            initiated_on=on - timedelta(days=30),
            due_on=on - timedelta(days=2) if overdue else on + timedelta(days=10),
            created_by="city",
            archived_at=utcnow() if archived else None,
        )
        session.add(task)
        await session.flush()
        for receiver_department, stage in receivers:
            receiver = LinkageReceiver(task_id=task.id or 0, department=receiver_department, stage=stage)
            session.add(receiver)
            city.linkage_receivers.append(receiver)
        city.linkage_tasks.append(task)
    await session.flush()

    # Permit quality: an audit of every permit's version in force (findings on every other one, an earlier
    # run with findings that a later clean run replaced on one), campaigns in three regions.
    for index, permit in enumerate(city.permits):
        runs = [index % 3] if index != 1 else [4, 0]
        for count in runs:
            audit = QualityAudit(
                permit_id=permit.id or 0,
                version=permit.content_version,
                enterprise_id=permit.enterprise_id,
                region_code=permit.region_code,
                trigger="daily",
                ran_by="city",
                finding_count=count,
            )
            session.add(audit)
            await session.flush()
            city.quality_audits.append(audit)
    for name, region, state in (
        ("普陀", "310107", "open"),
        ("历下", "370102", "closed"),
        ("济南", "370100", "open"),
    ):
        campaign = QualityCampaign(
            name=f"{name}核查", region_code=region, kind="targeted", created_by="city", state=state
        )
        session.add(campaign)
        city.quality_campaigns.append(campaign)
    await session.flush()

    # Problems (问题) of units of several regions, one on the Qingdao site of a Jinan unit, at every state:
    # awaiting an order, rectifying (one overdue), verified, closed this month and long ago.
    problems = (
        # (permit index, department, state, deadline offset in days or None for no item, closed days ago)
        (0, "ecology", "open", None, None),
        (1, "enforcement", "rectifying", -3, None),
        (3, "permitting", "rectifying", 20, None),
        (4, "ecology", "verified", 5, None),
        (6, "enforcement", "closed", 10, 0),
        (7, "monitoring_station", "rectifying", 30, None),
        (2, "legal", "closed", 40, 90),
    )
    for index, (permit_index, department, state, deadline, closed_ago) in enumerate(problems):
        permit = city.permits[permit_index]
        closed_at = utcnow() - timedelta(days=closed_ago) if closed_ago is not None else None
        problem = Problem(
            enterprise_id=permit.enterprise_id,
            permit_id=permit.id,
            region_code=permit.region_code,
            industry_code=permit.industry_code,
            source_kind="manual",
            source_ref=f"city:{index}",
            title="问题",
            description="问题描述",
            legal_basis="条例",
            evidence="证据",
            department=department,
            state=state,
            raised_at=utcnow() - timedelta(days=120),
            raised_by="city",
            closed_at=closed_at,
        )
        session.add(problem)
        await session.flush()
        city.problems.append(problem)
        if deadline is not None:
            item = RectificationItem(
                problem_id=problem.id or 0,
                measures="整改",
                deadline=on + timedelta(days=deadline),
                responsible_person="王工",
                state=state,
                created_by="city",
                closed_at=closed_at,
            )
            session.add(item)
            city.rectification_items.append(item)
    await session.flush()

    # Enforcement leads from reports of several regions (one decided), and cases at every status, one of
    # a unit that is not registered.
    for index, report in enumerate(city.reports[:6]):
        lead = EnforcementLead(
            report_id=report.id or 0,
            permit_id=report.permit_id,
            enterprise_id=report.enterprise_id,
            region_code=report.region_code,
            description="瞒报",
            created_by="city",
        )
        session.add(lead)
        await session.flush()
        city.leads.append(lead)
        if index == 1:
            session.add(
                LeadDecision(lead_id=lead.id or 0, outcome="dismissed", reason="核实无误", decided_by="city")
            )
            city.decided_leads.add(lead.id or 0)
    for index, (permit, status) in enumerate(
        (
            (city.permits[0], "open"),
            (city.permits[3], "decided"),
            (city.permits[6], "closed"),
            (None, "closed"),
        )
    ):
        case = EnforcementCase(
            region_code=permit.region_code if permit else "370102",
            enterprise_id=permit.enterprise_id if permit else None,
            unit_name="单位" if permit else "无证作坊",
            permit_id=permit.id if permit else None,
            classification=("against_permit", "other", "against_permit", "without_permit")[index],
            facts="事实",
            legal_basis="条例第三十四条",
            status=status,
            opened_on=on - timedelta(days=60),
            decided_on=on - timedelta(days=30) if status != "open" else None,
            closed_on=on - timedelta(days=10) if status == "closed" else None,
            penalty_cents=10_000_00 if status != "open" else None,
            created_by="city",
        )
        session.add(case)
        city.cases.append(case)
    # The positive list (正面清单): units of several regions on it, some removed; yellow cards this year.
    for index, unit in enumerate(city.enterprises[:7]):
        removed = index % 3 == 1
        entry = PositiveListEntry(
            enterprise_id=unit.id or 0,
            region_code=unit.region_code,
            entered_on=today() - timedelta(days=400),
            basis="正面清单（第一批）",
            decided_by="legal",
            removed_on=today() - timedelta(days=10) if removed else None,
            removal_reason="yellow_cards" if removed else None,
        )
        session.add(entry)
        city.positive_list.append(entry)
        if index % 2 == 0 or removed:
            card = YellowCard(
                enterprise_id=unit.id or 0,
                region_code=unit.region_code,
                issued_on=today() - timedelta(days=10),
                source_kind="case",
                source_ref=f"city-{next(_serial)}",
                violation="轻微违法，免予处罚",
                issued_by="enforcement",
            )
            session.add(card)
            city.yellow_cards.append(card)
    # Enterprise credit: events of units of several regions, one voided (kept, listed).
    for index, unit in enumerate(city.enterprises[:9]):
        for number in range(index % 4):
            event = UnitCreditEvent(
                enterprise_id=unit.id or 0,
                region_code=unit.region_code,
                kind="violation",
                points=-5.0,
                source_type="regulator",
                source_id=f"ev:city-{next(_serial)}",
                occurred_at=utcnow() - timedelta(days=number),
                basis="依据",
                evidence="文书",
                manual=True,
                recorded_by="legal",
                voided_at=utcnow() if number == 2 else None,
                voided_by="legal" if number == 2 else None,
            )
            session.add(event)
            city.unit_credit_events.append(event)
    await session.flush()

    # Inspections: two plan lines of this year for every permit (one done by a record), a record of each
    # permit in the permit's region, and a draw in each of two regions.
    year = today().year
    for permit in city.permits:
        assert permit.id is not None
        for period, start, end in (
            (f"{year}-H1", date(year, 1, 1), date(year, 6, 30)),
            (str(year), date(year, 1, 1), date(year, 12, 31)),
        ):
            line = InspectionPlanLine(
                kind="enforcement",
                subject=f"permit:{permit.id}",
                enterprise_id=permit.enterprise_id,
                permit_id=permit.id,
                region_code=permit.region_code,
                basis="key_half_year" if period.endswith("H1") else "simplified_yearly",
                period=period,
                starts_on=start,
                due_on=end,
            )
            session.add(line)
            city.plan_lines.append(line)
        inspection = InspectionRecord(
            reference=f"JC-CITY-{permit.id}",
            kind="enforcement",
            subject=f"permit:{permit.id}",
            enterprise_id=permit.enterprise_id,
            permit_id=permit.id,
            region_code=permit.region_code,
            inspected_on=date(year, 1, 15),
            inspector_ids=[],
        )
        session.add(inspection)
        city.inspection_records.append(inspection)
    for region in ("370102", "310107"):
        draw = InspectionDraw(
            reference=f"SS-{region}-CITY",
            kind="enforcement",
            region_code=region,
            year=year,
            pool="registration",
            seed="1",
            pool_size=0,
            pool_hash="",
            roster_hash="",
            units_wanted=0,
            per_visit=2,
        )
        session.add(draw)
        city.draws.append(draw)
    await session.flush()

    # People.
    users = city.users
    users["admin"] = await make_user(session, Role.ADMIN)
    for role in sorted(REGULATOR_ROLES):
        for region in REGULATOR_REGIONS:
            users[f"{role.value}@{region}"] = await make_user(session, role, region_code=region)
    for index in (0, 3, 4):
        for role in (Role.ENTERPRISE_STAFF, Role.ENTERPRISE_ADMIN):
            users[f"{role.value}#{index}"] = await make_user(session, role, enterprise=e[index])
    for name in ("approved", "suspended", "pending", "shanghai"):
        users[f"agency-staff[{name}]"] = await _staff(session, city.agencies[name])

    # What belongs to one person: notices, sessions, tokens (a few people hold some, others none).
    holders = ["admin", "ecology@370100", "enterprise_staff#0", "agency-staff[approved]", "legal@310107"]
    for name in holders:
        user = users[name]
        for n in range(2):
            notification = Notification(
                dedupe_key=f"city-{next(_serial)}",
                user_id=user.id or 0,
                kind="test",
                title=f"通知 {n}",
                body="",
                read_at=utcnow() if n else None,
            )
            secret = f"city-{next(_serial)}".encode()
            user_session = UserSession(key_hash=hashlib.sha256(secret).hexdigest(), user_id=user.id or 0)
            token = ApiToken(
                user_id=user.id or 0,
                name=f"token {n}",
                prefix="pw_test",
                token_hash=hashlib.sha256(secret + b"t").hexdigest(),
                scopes="read write" if n else "read",
            )
            session.add_all([notification, user_session, token])
            city.notifications.append(notification)
            city.sessions.append(user_session)
            city.tokens.append(token)
    await session.flush()

    actors: list[tuple[str, Actor]] = [("public", ANONYMOUS), ("cli-operator", operator("city"))]
    for name, user in users.items():
        actors.append((name, await actor_for_user(session, user, channel="portal")))
    read_only = [
        (f"{name}/read-only-token", replace(actor, scopes=frozenset({"read"}), channel="api"))
        for name, actor in actors
        if actor.user_id is not None
    ]
    city.actors = actors + read_only
    await refresh(session)  # the worker's round: the filing rollup the dashboard reads
    return city
