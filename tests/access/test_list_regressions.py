"""Lists that counted rows their reader could not see (issue 14), each pinned on its own."""

from __future__ import annotations

from datetime import timedelta

from domain.access import Operation, can
from domain.accounts.models import User
from domain.actors import actor_for_user
from domain.agencies.models import Agency, AgencyAuthorisation
from domain.clock import today
from domain.enterprises.models import ProductionSite
from domain.enterprises.queries import EnterpriseFilter, list_enterprises
from domain.permits.models import Permit
from domain.permits.state import target_of
from domain.registrations import queries as registrations
from domain.registrations.models import DischargeRegistration
from domain.registrations.rules import registration_number
from domain.reports.models import ExecutionReport
from domain.reports.queries import rows as report_lists
from domain.reports.rules import due_date, parse_period
from tests.factories import actor, credit_code, make_enterprise, make_permit, make_user


async def _filed_quarterly_report(session, permit: Permit) -> ExecutionReport:  # type: ignore[no-untyped-def]
    period = parse_period("quarterly", f"{today().year - 1}-Q4")
    assert period is not None
    report = ExecutionReport(
        permit_id=permit.id or 0,
        enterprise_id=permit.enterprise_id,
        region_code=permit.region_code,
        industry_code=permit.industry_code,
        kind="quarterly",
        period=period.label,
        period_start=period.start,
        period_end=period.end,
        due_date=due_date(period),
        state="submitted",
        latest_version=1,
    )
    session.add(report)
    await session.flush()
    return report


async def _agency_clerk(session, enterprise, scopes: list[str]):  # type: ignore[no-untyped-def]
    agency = Agency(
        credit_code=credit_code(),
        name="只管台账的第三方机构",
        address="测试路1号",
        region_code=enterprise.region_code,
        contact_person="周敏",
        contact_phone="021-52000000",
        service_types=scopes,
        status="approved",
    )
    session.add(agency)
    await session.flush()
    session.add(
        AgencyAuthorisation(
            agency_id=agency.id or 0,
            enterprise_id=enterprise.id,
            scopes=scopes,
            valid_from=today() - timedelta(days=10),
            valid_until=today() + timedelta(days=300),
            contract_number="HT-1",
            created_by="test",
        )
    )
    clerk = User(
        username="ledger-only-clerk", password_hash="unused", role="agency_staff", agency_id=agency.id
    )
    session.add(clerk)
    await session.flush()
    return await actor_for_user(session, clerk, channel="api")


async def test_an_agency_with_only_the_ledger_scope_lists_no_report_and_counts_none(session):
    """It was told total=1, shown no row, and offered a next page that never came."""
    enterprise = await make_enterprise(session)
    permit = await make_permit(session, enterprise, decision_date=(today() - timedelta(days=700)).isoformat())
    await _filed_quarterly_report(session, permit)
    clerk = await _agency_clerk(session, enterprise, ["ledger"])
    assert clerk.authorisations == frozenset({(enterprise.id, "ledger")})
    assert not can(clerk, Operation.REPORT_VIEW, target_of(permit))

    page = await report_lists.browse_reports(session, clerk, first=20)

    assert (page.total, page.items, page.has_next) == (0, [], False)


async def test_an_agency_for_reports_lists_and_counts_the_report(session):
    enterprise = await make_enterprise(session)
    permit = await make_permit(session, enterprise, decision_date=(today() - timedelta(days=700)).isoformat())
    report = await _filed_quarterly_report(session, permit)
    clerk = await _agency_clerk(session, enterprise, ["reports"])

    page = await report_lists.browse_reports(session, clerk, first=20)

    assert (page.total, [row.report.id for row in page.items], page.has_next) == (1, [report.id], False)


async def test_a_units_page_lists_only_the_registrations_its_viewer_may_open(session):
    """A unit of Lixia registered the discharges of a site in Qingdao: Lixia's regulator could not open
    that registration (get_registration refused it) but saw it listed on the unit's page."""
    enterprise = await make_enterprise(session, region_code="370102")
    site = ProductionSite(
        enterprise_id=enterprise.id,
        sequence=2,
        name="青岛厂区",
        address="青岛市",
        region_code="370211",
        industry_code=enterprise.industry_code,
    )
    session.add(site)
    await session.flush()
    session.add(
        DischargeRegistration(
            number=registration_number(enterprise.credit_code, 2),
            enterprise_id=enterprise.id,
            site_id=site.id,
            region_code="370211",
            industry_code=site.industry_code,
            status="registered",
            first_registered_on=today(),
            valid_from=today(),
            valid_until=today() + timedelta(days=1000),
            production_process="生产",
            discharge_destination="市政管网",
            control_facilities="无",
            emission_standards="GB 8978-1996",
            contact_person="王伟",
            contact_phone="021-62000000",
        )
    )
    await session.flush()
    lixia = actor(await make_user(session, "ecology", region_code="370102"))
    province = actor(await make_user(session, "ecology", region_code="370000"))
    code = enterprise.credit_code

    assert await registrations.registrations_of_unit(session, lixia, credit_code=code) == []
    listed = await registrations.registrations_of_unit(session, province, credit_code=code)
    assert [r.number for r in listed] == [registration_number(code, 2)]


async def test_the_enterprise_list_of_yangpu_holds_no_unit_of_minhang(session):
    """The region filter stripped every trailing zero: Yangpu (310110) became 31011 and matched 310112."""
    yangpu = await make_enterprise(session, region_code="310110")
    await make_enterprise(session, region_code="310112")
    admin = actor(await make_user(session, "admin"))

    page = await list_enterprises(session, admin, filters=EnterpriseFilter(region_code="310110"), first=100)

    assert [e.id for e in page.items] == [yangpu.id]
