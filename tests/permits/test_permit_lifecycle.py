"""The permit lifecycle of M48 ch. 3 and 5, through the domain's use cases, on a real database."""

from datetime import timedelta

import pytest
from sqlmodel import func, select

from domain.clock import today
from domain.enterprises.models import Enterprise
from domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from domain.notifications.models import Notification
from domain.permits.models import Permit, PermitEvent, PermitLimit, PermitVersion
from domain.permits.queries.register import PermitFilter, list_permits, permit_detail, permit_versions
from domain.permits.rules import ApplicationStatus, renewal_deadline
from domain.permits.service.applications import ApplicationInput, submit_application
from domain.permits.service.cancellation import cancel_permit, revoke_permit
from domain.permits.service.decisions import (
    GrantInput,
    accept_application,
    extend_decision,
    grant_application,
    issue_permit,
)
from domain.permits.service.imports import ImportFailed, import_permits
from tests.factories import actor, make_enterprise, make_permit, make_user, permit_content, permit_record


async def regulator(session, region="310107"):
    return actor(await make_user(session, "permitting", region_code=region))


def years_ago(years: int, plus_days: int = 0) -> str:
    day = today()
    return (day.replace(year=day.year - years) + timedelta(days=plus_days)).isoformat()


async def test_a_first_application_is_accepted_granted_and_issued_with_its_time_limits(session):
    enterprise = await make_enterprise(session)
    officer = await regulator(session)
    applicant = actor(await make_user(session, "enterprise_admin", enterprise=enterprise))
    application = await submit_application(
        session,
        applicant,
        data=ApplicationInput(
            kind="first",
            enterprise_credit_code=enterprise.credit_code,
            category="key",
            issuing_authority="上海市普陀区生态环境局",
            content=permit_content(),
        ),
    )
    assert application.received_on == today() and application.accept_due > today()
    await accept_application(session, officer, application_id=application.id)
    assert application.decision_due > application.accepted_on
    number = enterprise.credit_code + "001P"
    await grant_application(session, officer, application_id=application.id, data=GrantInput(number=number))
    assert application.issue_due > application.decided_on
    permit = await issue_permit(session, officer, application_id=application.id)
    assert permit.status == "issued" and permit.number == number
    assert permit.valid_from == today()
    # Decided today (from 2021-03-01): 5 years (Reg art. 14), renewal 60 days before expiry.
    assert permit.valid_until == today().replace(year=today().year + 5) - timedelta(days=1)
    assert permit.renewal_due == permit.valid_until - timedelta(days=60)
    assert permit.renewal_due == renewal_deadline(permit.valid_until, permit.decision_date).date
    detail = await permit_detail(session, applicant, number=number)
    assert [o.code for o in detail.outlets] == ["DA001", "DW001", "MF0001"]
    assert {(lim.point_code, lim.pollutant) for lim in detail.limits} >= {("DA001", "SO2"), ("DW001", "COD")}
    kinds = [e.kind for e in detail.events]
    assert kinds[:3] == ["issued", "granted", "accepted"]


async def test_an_action_out_of_order_is_refused(session):
    enterprise = await make_enterprise(session)
    officer = await regulator(session)
    application = await submit_application(
        session,
        officer,
        data=ApplicationInput(
            kind="first",
            enterprise_credit_code=enterprise.credit_code,
            category="key",
            issuing_authority="普陀区生态环境局",
            content=permit_content(),
        ),
    )
    with pytest.raises(Conflict):
        await issue_permit(session, officer, application_id=application.id)
    with pytest.raises(Conflict):
        await grant_application(
            session,
            officer,
            application_id=application.id,
            data=GrantInput(number=enterprise.credit_code + "001P"),
        )
    await accept_application(session, officer, application_id=application.id)
    await extend_decision(session, officer, application_id=application.id, reason="需要专家评审")
    with pytest.raises(Conflict):
        await extend_decision(session, officer, application_id=application.id, reason="再次延长")


async def test_a_wrong_permit_number_is_refused_when_granting(session):
    enterprise = await make_enterprise(session)
    officer = await regulator(session)
    application = await submit_application(
        session,
        officer,
        data=ApplicationInput(
            kind="first",
            enterprise_credit_code=enterprise.credit_code,
            category="key",
            issuing_authority="普陀区生态环境局",
            content=permit_content(),
        ),
    )
    await accept_application(session, officer, application_id=application.id)
    with pytest.raises(ValidationFailed) as caught:
        await grant_application(
            session, officer, application_id=application.id, data=GrantInput(number="91350100M000100Y43001P")
        )
    assert caught.value.errors[0].code == "permit_number_unit"
    assert application.status == ApplicationStatus.ACCEPTED


async def test_bad_content_names_every_faulty_field_and_writes_nothing(session):
    enterprise = await make_enterprise(session)
    officer = await regulator(session)
    content = permit_content()
    content["outlets"][0]["limits"][0]["concentration_limit"] = 0
    with pytest.raises(ValidationFailed) as caught:
        await submit_application(
            session,
            officer,
            data=ApplicationInput(
                kind="first",
                enterprise_credit_code=enterprise.credit_code,
                category="key",
                issuing_authority="普陀区生态环境局",
                content=content,
            ),
        )
    assert caught.value.errors[0].field == "content.outlets[0].limits[0].concentration_limit"


async def test_a_regulator_elsewhere_cannot_decide(session):
    permit = await make_permit(session)
    outsider = await regulator(session, region="370100")
    with pytest.raises(NotFound):
        await revoke_permit(session, outsider, number=permit.number, reason="越权核发")
    viewer = actor(await make_user(session, "ecology", region_code="310107"))
    with pytest.raises(PermissionDenied):
        await revoke_permit(session, viewer, number=permit.number, reason="越权核发")


async def test_a_change_keeps_the_previous_version_and_its_limits_readable(session):
    permit = await make_permit(session)
    officer = await regulator(session)
    changed = permit_content()
    changed["outlets"][0]["limits"][0]["concentration_limit"] = 25
    application = await submit_application(
        session,
        officer,
        data=ApplicationInput(
            kind="change_items",
            permit_number=permit.number,
            content=changed,
            change_description="执行超低排放改造，二氧化硫限值收严至 25 mg/m3",
        ),
    )
    await accept_application(session, officer, application_id=application.id)
    await grant_application(session, officer, application_id=application.id)
    valid_until = permit.valid_until
    await issue_permit(session, officer, application_id=application.id)
    assert permit.content_version == 2 and permit.valid_until == valid_until  # M48 §45: validity kept
    versions = await permit_versions(session, officer, number=permit.number)
    assert [v.version for v in versions] == [2, 1]
    assert versions[1].content["outlets"][0]["limits"][0]["concentration_limit"] == 35
    old_limits = (
        await session.exec(
            select(PermitLimit).where(
                PermitLimit.permit_id == permit.id, PermitLimit.version == 1, PermitLimit.pollutant == "SO2"
            )
        )
    ).one()
    assert old_limits.concentration_limit == 35


async def test_a_renewal_after_the_deadline_is_taken_flagged_late_and_the_unit_is_told(session):
    # Decided five years ago less 20 days (Reg art. 14): expires in ~19 days, the 60-day deadline has passed.
    permit = await make_permit(session, decision_date=years_ago(5, plus_days=20))
    enterprise = await session.get(Enterprise, permit.enterprise_id)
    staff = await make_user(session, "enterprise_admin", enterprise=enterprise)
    officer = await regulator(session)
    application = await submit_application(
        session, actor(staff), data=ApplicationInput(kind="renewal", permit_number=permit.number)
    )
    assert application.status == ApplicationStatus.SUBMITTED and application.kind == "renewal"
    assert application.late is True and application.window_due == permit.valid_until - timedelta(days=60)
    notices = (await session.exec(select(Notification).where(Notification.user_id == staff.id))).all()
    assert [n.kind for n in notices] == ["permit_late_application"]
    assert application.window_due.isoformat() in notices[0].body and "条例》第十四条" in notices[0].body
    events = (await session.exec(select(PermitEvent.kind).where(PermitEvent.permit_id == permit.id))).all()
    assert "late_application" in events
    # It is handled like any renewal: no fresh first permit, the renewed permit runs 5 years.
    await accept_application(session, officer, application_id=application.id)
    await grant_application(session, officer, application_id=application.id)
    renewed = await issue_permit(session, officer, application_id=application.id)
    assert renewed.id == permit.id and renewed.renewed and renewed.number == permit.number


async def test_a_renewal_in_time_is_not_late(session):
    permit = await make_permit(session, decision_date=years_ago(2))
    application = await submit_application(
        session, await regulator(session), data=ApplicationInput(kind="renewal", permit_number=permit.number)
    )
    assert application.late is False and application.window_due == permit.renewal_due


async def test_a_renewal_in_time_restarts_a_five_year_validity(session):
    permit = await make_permit(session, decision_date=years_ago(2))
    officer = await regulator(session)
    application = await submit_application(
        session, officer, data=ApplicationInput(kind="renewal", permit_number=permit.number)
    )
    await accept_application(session, officer, application_id=application.id)
    await grant_application(session, officer, application_id=application.id)
    await issue_permit(session, officer, application_id=application.id)
    assert permit.renewed and permit.valid_until == today().replace(year=today().year + 5) - timedelta(days=1)


async def test_only_an_expired_permit_is_cancelled_as_expired(session):
    current = await make_permit(session)
    officer = await regulator(session)
    with pytest.raises(ValidationFailed):
        await cancel_permit(session, officer, number=current.number, reason="expired_not_renewed")
    old = await make_permit(session, decision_date="2021-05-10")
    await cancel_permit(session, officer, number=old.number, reason="expired_not_renewed")
    assert old.status == "cancelled"
    events = (await session.exec(select(PermitEvent.kind).where(PermitEvent.permit_id == old.id))).all()
    assert "cancelled" in events


async def test_a_replacement_is_reissued_without_changing_the_permit(session):
    permit = await make_permit(session)
    officer = await regulator(session)
    application = await submit_application(
        session,
        officer,
        data=ApplicationInput(
            kind="replacement",
            permit_number=permit.number,
            event_date=today() - timedelta(days=3),
            change_description="正本遗失，已发布遗失声明",
        ),
    )
    assert application.status == "granted" and application.issue_due > today()
    await issue_permit(session, officer, application_id=application.id)
    assert permit.content_version == 1 and application.status == "completed"


async def test_import_is_all_or_nothing_and_names_row_and_field(session):
    good = await make_enterprise(session)
    other = await make_enterprise(session)
    officer = await regulator(session)
    bad_content = permit_content()
    bad_content["outlets"][1]["limits"][0]["unit"] = "kg"
    records = [
        permit_record(good, decision_date="2024-03-01"),
        permit_record(other, decision_date="2099-01-01", content=bad_content),
    ]
    before = (await session.exec(select(func.count()).select_from(Permit))).one()
    with pytest.raises(ImportFailed) as caught:
        await import_permits(session, officer, records=records)
    problems = {(e.row, e.field) for e in caught.value.rows}
    assert problems == {(2, "decision_date"), (2, "content.outlets[1].limits[0].unit")}
    assert (await session.exec(select(func.count()).select_from(Permit))).one() == before


async def test_filters_find_expired_expiring_and_late_renewals(session):
    officer = await regulator(session)
    expired = await make_permit(session, decision_date="2021-05-10")
    late = await make_permit(session, decision_date=years_ago(5, plus_days=20))
    fresh = await make_permit(session, decision_date=years_ago(0, plus_days=-10))

    async def numbers(**kwargs):
        page = await list_permits(session, officer, filters=PermitFilter(**kwargs), first=50)
        return {permit.number for permit, _ in page.items}

    assert await numbers(status="expired") == {expired.number}
    assert await numbers(expiring_within_days=60) == {late.number}
    assert await numbers(renewal_deadline_passed=True) == {late.number}
    assert fresh.number in await numbers(status="issued")
    versions = (await session.exec(select(func.count()).select_from(PermitVersion))).one()
    assert versions == 3


async def test_enterprise_users_list_only_their_own_permits(session):
    mine = await make_permit(session)
    await make_permit(session)
    own_enterprise = await session.get(Enterprise, mine.enterprise_id)
    staff = actor(await make_user(session, "enterprise_staff", enterprise=own_enterprise))
    page = await list_permits(session, staff, first=10)
    assert [p.number for p, _ in page.items] == [mine.number]
