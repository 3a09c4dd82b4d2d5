"""Agencies: registration, review, authorisation by scope and window, traced filings and credit."""

from datetime import date, timedelta

import pytest
from sqlmodel import select

from domain.access import operator
from domain.accounts.models import User
from domain.actors import actor_for_user
from domain.agencies import service as agencies
from domain.agencies.queries.credit import credit_of
from domain.agencies.rules import BASE_SCORE, AgencyInput, AuthorisationInput, QualificationInput, StaffInput
from domain.agency_oversight import service as oversight
from domain.clock import today
from domain.errors import NotFound, PermissionDenied, ValidationFailed
from domain.ledgers.entry_rules import EntryInput
from domain.ledgers.models import MonitoringReading
from domain.ledgers.queries.exceedances import list_exceedances
from domain.ledgers.rules import ReadingInput
from domain.ledgers.service import readings as ledgers
from domain.ledgers.service.entries import record_entry
from domain.reports.queries.editor import get_draft
from tests.factories import actor, credit_code, file_report, make_enterprise, make_permit, make_user


async def registered_agency(session, *, services=("ledger", "reports", "self_monitoring")):
    public = operator("portal")
    agency = await agencies.register_agency(
        session,
        public,
        data=AgencyInput(
            name="上海绿源环境技术服务有限公司",
            credit_code=credit_code(),
            address="上海市普陀区",
            region_code="310107",
            contact_person="周敏",
            contact_phone="021-52000000",
            service_types=list(services),
            qualifications=[QualificationInput("环境监测资质", "CMA-1", date(2028, 12, 31))],
        ),
        staff=[StaffInput(username=f"clerk-{agency_counter()}", password="agency-password-1")],
    )
    await session.flush()
    clerk = (await session.exec(select(User).where(User.agency_id == agency.id))).one()
    return agency, clerk


_counter = iter(range(1, 10_000))


def agency_counter() -> int:
    return next(_counter)


async def clerk_actor(session, clerk):
    return await actor_for_user(session, clerk, channel="portal")


async def unit_with_permit(session):
    enterprise = await make_enterprise(session)
    permit = await make_permit(session, enterprise, decision_date=(today() - timedelta(days=700)).isoformat())
    admin = actor(await make_user(session, "enterprise_admin", enterprise=enterprise))
    return enterprise, permit, admin


def reading(hours_ago: int = 30):
    from domain.clock import utcnow

    moment = utcnow().replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours_ago)
    return ReadingInput("DA001", "SO2", "automatic", moment, 20.0, "mg/m3", flow_m3=100_000)


async def test_an_unapproved_agency_cannot_be_authorised_and_acts_for_no_one(session):
    agency, clerk = await registered_agency(session)
    _enterprise, _permit, admin = await unit_with_permit(session)
    with pytest.raises(ValidationFailed) as caught:
        await agencies.authorise_agency(
            session,
            admin,
            data=AuthorisationInput(
                agency.credit_code, ["ledger"], today(), today() + timedelta(days=365), "HT-001"
            ),
        )
    assert caught.value.errors[0].code == "agency_not_approved"
    assert (await clerk_actor(session, clerk)).authorisations == frozenset()


async def test_an_agency_files_for_two_enterprises_within_scope_and_is_refused_outside_it(session):
    agency, clerk = await registered_agency(session)
    legal = actor(await make_user(session, "legal", region_code="310107"))
    await agencies.review_agency(session, legal, credit_code=agency.credit_code, decision="approve")
    first, first_permit, first_admin = await unit_with_permit(session)
    second, second_permit, second_admin = await unit_with_permit(session)
    window = (today() - timedelta(days=1), today() + timedelta(days=365))
    await agencies.authorise_agency(
        session,
        first_admin,
        data=AuthorisationInput(agency.credit_code, ["self_monitoring"], *window, "HT-001"),
    )
    await agencies.authorise_agency(
        session, second_admin, data=AuthorisationInput(agency.credit_code, ["reports"], *window, "HT-002")
    )
    clerk_as = await clerk_actor(session, clerk)
    # within scope: monitoring data for the first unit, traced to the agency and the person
    await ledgers.record_readings(session, clerk_as, permit_number=first_permit.number, readings=[reading()])
    stored = (await session.exec(select(MonitoringReading))).one()
    assert stored.entered_by == clerk.username and stored.on_behalf_of == f"agency:{agency.credit_code}"
    # outside scope: ledger entries for the first unit, monitoring for the second
    with pytest.raises(PermissionDenied):
        await record_entry(
            session,
            clerk_as,
            permit_number=first_permit.number,
            data=EntryInput(
                kind="other", subject="x", period_start=stored.measured_at, data={"description": "x"}
            ),
        )
    with pytest.raises((PermissionDenied, NotFound)):
        await ledgers.record_readings(
            session, clerk_as, permit_number=second_permit.number, readings=[reading()]
        )
    # within scope: a report draft for the second unit
    label = f"{today().year}" if today().month > 1 else f"{today().year - 1}"
    draft = await get_draft(
        session, clerk_as, permit_number=second_permit.number, kind="annual", period=str(today().year - 1)
    )
    assert draft.content is not None and label


async def test_after_revocation_or_expiry_every_attempt_is_refused_and_nothing_written(session):
    agency, clerk = await registered_agency(session)
    await agencies.review_agency(session, operator(), credit_code=agency.credit_code, decision="approve")
    _enterprise, permit, admin = await unit_with_permit(session)
    expired = await agencies.authorise_agency(
        session,
        admin,
        data=AuthorisationInput(
            agency.credit_code,
            ["self_monitoring"],
            today() - timedelta(days=30),
            today() - timedelta(days=1),
            "HT-OLD",
        ),
    )
    assert expired.id
    with pytest.raises((PermissionDenied, NotFound)):
        await ledgers.record_readings(
            session, await clerk_actor(session, clerk), permit_number=permit.number, readings=[reading()]
        )
    current = await agencies.authorise_agency(
        session,
        admin,
        data=AuthorisationInput(
            agency.credit_code, ["self_monitoring"], today(), today() + timedelta(days=30), "HT-NEW"
        ),
    )
    await ledgers.record_readings(
        session, await clerk_actor(session, clerk), permit_number=permit.number, readings=[reading(40)]
    )
    await agencies.revoke_authorisation(session, admin, authorisation_id=current.id, reason="合同终止")
    with pytest.raises((PermissionDenied, NotFound)):
        await ledgers.record_readings(
            session, await clerk_actor(session, clerk), permit_number=permit.number, readings=[reading(50)]
        )
    await agencies.review_agency(
        session, operator(), credit_code=agency.credit_code, decision="suspend", reason="弄虚作假线索核查中"
    )
    assert (await clerk_actor(session, clerk)).authorisations == frozenset()
    assert len((await session.exec(select(MonitoringReading))).all()) == 1


@pytest.mark.parametrize(
    ("scopes", "window_days", "status", "may_write_monitoring"),
    [
        (["self_monitoring"], (-1, 10), "approved", True),
        (["ledger"], (-1, 10), "approved", False),  # wrong scope
        (["self_monitoring"], (1, 10), "approved", False),  # window not started
        (["self_monitoring"], (-10, -1), "approved", False),  # window over
        (["self_monitoring"], (-1, 10), "suspended", False),  # agency suspended
    ],
)
async def test_the_authorisation_matrix_scope_window_status(
    session, scopes, window_days, status, may_write_monitoring
):
    agency, clerk = await registered_agency(session, services=("ledger", "self_monitoring"))
    await agencies.review_agency(session, operator(), credit_code=agency.credit_code, decision="approve")
    _enterprise, permit, admin = await unit_with_permit(session)
    await agencies.authorise_agency(
        session,
        admin,
        data=AuthorisationInput(
            agency.credit_code,
            scopes,
            today() + timedelta(days=window_days[0]),
            today() + timedelta(days=window_days[1]),
            "HT-M",
        ),
    )
    if status == "suspended":
        await agencies.review_agency(
            session, operator(), credit_code=agency.credit_code, decision="suspend", reason="暂停"
        )
    clerk_as = await clerk_actor(session, clerk)
    if may_write_monitoring:
        result = await ledgers.record_readings(
            session, clerk_as, permit_number=permit.number, readings=[reading()]
        )
        assert result.written == 1
    else:
        with pytest.raises((PermissionDenied, NotFound)):
            await ledgers.record_readings(
                session, clerk_as, permit_number=permit.number, readings=[reading()]
            )


async def test_a_finding_on_an_assisted_report_moves_the_agencys_credit_with_a_visible_event(session, db):
    agency, clerk = await registered_agency(session)
    await agencies.review_agency(session, operator(), credit_code=agency.credit_code, decision="approve")
    _enterprise, permit, admin = await unit_with_permit(session)
    await agencies.authorise_agency(
        session,
        admin,
        data=AuthorisationInput(
            agency.credit_code,
            ["reports"],
            today() - timedelta(days=1),
            today() + timedelta(days=365),
            "HT-R",
        ),
    )
    clerk_as = await clerk_actor(session, clerk)
    period = str(today().year - 1)
    draft = await get_draft(session, clerk_as, permit_number=permit.number, kind="annual", period=period)
    content = {**draft.content, "statement": ""}  # G006: an empty statement is a warning
    result = await file_report(db, clerk_as, permit, period, content, "agency-1", kind="annual")
    assert result.submission.on_behalf_of == f"agency:{agency.credit_code}"
    assert result.submission.submitted_by == clerk.username
    credit = await credit_of(session, agency_id=agency.id)
    assert credit.score < BASE_SCORE
    kinds = {event.kind for event in credit.events}
    assert "finding_warning" in kinds or "finding_error" in kinds
    assert all(event.source_id for event in credit.events)


async def test_falsified_data_is_public_and_costs_thirty_points(session):
    from tests.agencies.test_portal_agencies import agency_readings

    agency, clerk = await registered_agency(session)
    await agencies.review_agency(session, operator(), credit_code=agency.credit_code, decision="approve")
    _enterprise, permit = await agency_readings(session, agency, clerk)
    enforcement = actor(await make_user(session, "enforcement", region_code="310107"))
    await oversight.record_credit_event(
        session,
        enforcement,
        credit_code=agency.credit_code,
        kind="falsified_data",
        note="监测报告数据造假（执法检查）",
        evidence_kind="readings",
        evidence_id=permit.number,
    )
    public = await credit_of(session, agency_id=agency.id, public_only=True)
    assert (
        [e.kind for e in public.events] == ["falsified_data"] and public.score == 70.0 and public.level == "C"
    )
    staff = actor(await make_user(session, "enterprise_staff"))
    with pytest.raises(PermissionDenied):
        await oversight.record_credit_event(
            session, staff, credit_code=agency.credit_code, kind="training_passed", note="x", source_id="T1"
        )


async def test_registration_names_every_problem(session):
    with pytest.raises(ValidationFailed) as caught:
        await agencies.register_agency(
            session,
            operator("portal"),
            data=AgencyInput(
                name="",
                credit_code="91350100M000100Y44",
                region_code="31",
                contact_phone="phone",
                service_types=["x"],
            ),
            staff=[StaffInput(username="A", password="short")],
        )
    fields = {e.field for e in caught.value.errors}
    assert {
        "name",
        "credit_code",
        "region_code",
        "contact_phone",
        "service_types",
        "staff[0].username",
        "staff[0].password",
    } <= fields


async def test_agency_staff_see_the_exceedances_of_their_clients_only(session):
    agency, clerk = await registered_agency(session)
    await agencies.review_agency(session, operator(), credit_code=agency.credit_code, decision="approve")
    _enterprise, permit, admin = await unit_with_permit(session)
    _other, other_permit, _other_admin = await unit_with_permit(session)
    await agencies.authorise_agency(
        session,
        admin,
        data=AuthorisationInput(
            agency.credit_code,
            ["self_monitoring"],
            today() - timedelta(days=1),
            today() + timedelta(days=30),
            "HT-X",
        ),
    )
    high = ReadingInput("DA001", "SO2", "automatic", reading().measured_at, 90.0, "mg/m3")
    await ledgers.record_readings(
        session, await clerk_actor(session, clerk), permit_number=permit.number, readings=[high]
    )
    staff_other = actor(await make_user(session, "enterprise_staff", enterprise=_other))
    await ledgers.record_readings(session, staff_other, permit_number=other_permit.number, readings=[high])
    page = await list_exceedances(session, await clerk_actor(session, clerk))
    assert [p.number for _e, p in page.items] == [permit.number]
