"""Registration-only units (排污登记): filed, checked by field, changed, renewed, cancelled; no permit."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import func, select

from domain.access import operator
from domain.audit.models import AuditEntry
from domain.clock import today
from domain.enterprises.models import Enterprise
from domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from domain.permits.service.applications import ApplicationInput, submit_application
from domain.registrations import queries, rules, service
from domain.registrations.models import DischargeRegistration, RegistrationRevision
from domain.registrations.rules import OutletEntry, RegistrationInput, parse_outlet_lines
from tests.factories import actor, credit_code, make_enterprise, make_permit, make_user, permit_content


def form(**overrides) -> RegistrationInput:
    values = dict(
        unit_name="上海普陀印刷厂",
        credit_code=credit_code(),
        legal_representative="赵敏",
        registered_address="上海市普陀区同普路100号",
        site_address="上海市普陀区同普路100号",
        region_code="310107",
        industry_code="2319",
        production_process="胶印：制版、印刷、覆膜",
        outlets=[OutletEntry("DA001", ("VOCs", "颗粒物")), OutletEntry("DW001", ("COD", "氨氮"))],
        discharge_destination="废水纳入市政污水管网，进入石洞口污水处理厂",
        control_facilities="活性炭吸附装置；隔油沉淀池",
        emission_standards="DB31/872-2015；DB31/199-2018",
        contact_person="孙强",
        contact_phone="021-52800000",
    )
    values.update(overrides)
    return RegistrationInput(**values)


async def officer(session, region="310107"):
    return actor(await make_user(session, "permitting", region_code=region))


async def count(session, model) -> int:
    return (await session.exec(select(func.count()).select_from(model))).one()


async def test_a_new_unit_is_registered_for_five_years_under_its_site_number(session):
    regulator = await officer(session)
    data = form()
    found = await service.file_registration(session, regulator, data=data)
    registration = found.registration
    assert registration.number == data.credit_code + "001W"
    assert registration.valid_from == today()
    assert registration.valid_until == rules.validity_from(today())[1]
    assert registration.valid_until.year == today().year + 5
    assert (
        found.enterprise.management_category == "registration" and found.enterprise.name == "上海普陀印刷厂"
    )
    assert found.site.code == "001" and found.site.address == data.site_address
    assert [o["code"] for o in registration.outlets] == ["DA001", "DW001"]
    assert registration.outlets[0]["medium"] == "air"
    history = await queries.registration_history(session, regulator, number=registration.number)
    assert [(r.kind, r.version) for r in history] == [("registered", 1)]
    entry = (await session.exec(select(AuditEntry).where(AuditEntry.action == "registration.file"))).one()
    assert entry.object_id == registration.number and entry.actor_username == regulator.username


async def test_every_problem_of_the_form_names_its_field_and_nothing_is_written(session):
    regulator = await officer(session)
    before = (await count(session, Enterprise), await count(session, DischargeRegistration))
    bad = form(
        credit_code="91310107MA0000001X",
        production_process="",
        contact_phone="call me",
        industry_code="23",
        outlets=parse_outlet_lines("DA001: VOCs\nXX9: 颗粒物\nDW001\nDA001: 颗粒物"),
    )
    with pytest.raises(ValidationFailed) as refused:
        await service.file_registration(session, regulator, data=bad)
    assert sorted((e.field, e.code) for e in refused.value.errors) == [
        ("contact_phone", "phone_format"),
        ("credit_code", "credit_code_check"),
        ("industry_code", "industry_code_format"),
        ("outlets", "duplicate"),
        ("outlets", "outlet_code"),
        ("outlets", "pollutants_required"),
        ("production_process", "required"),
    ]
    lines = {e.code: e.params.get("line") for e in refused.value.errors if e.field == "outlets"}
    assert lines == {"outlet_code": 2, "pollutants_required": 3, "duplicate": 4}
    assert (await count(session, Enterprise), await count(session, DischargeRegistration)) == before


async def test_an_existing_unit_registers_a_second_site_itself(session):
    enterprise = await make_enterprise(session, management_category="registration")
    await make_permit(session, enterprise)  # site 001 holds a permit
    admin = actor(await make_user(session, "enterprise_admin", enterprise=enterprise))
    with pytest.raises(ValidationFailed) as occupied:
        await service.file_registration(
            session,
            admin,
            data=form(
                unit_name=enterprise.name,
                credit_code=enterprise.credit_code,
                site_address=enterprise.operating_address,
            ),
        )
    assert [(e.field, e.code) for e in occupied.value.errors] == [("site", "site_has_permit")]
    found = await service.file_registration(
        session,
        admin,
        data=form(
            unit_name=enterprise.name,
            credit_code=enterprise.credit_code,
            site_address="上海市普陀区桃浦路8号",
        ),
    )
    assert found.registration.number == enterprise.credit_code + "002W"
    assert found.site.code == "002" and found.site.address == "上海市普陀区桃浦路8号"
    with pytest.raises(ValidationFailed) as again:
        await service.file_registration(
            session,
            admin,
            data=form(unit_name=enterprise.name, credit_code=enterprise.credit_code, site="002"),
        )
    assert [(e.field, e.code) for e in again.value.errors] == [("site", "already_registered")]


async def test_only_the_unit_its_regulators_and_the_administrator_may_register(session):
    enterprise = await make_enterprise(session)
    stranger = actor(await make_user(session, "enterprise_admin"))
    with pytest.raises(PermissionDenied):
        await service.file_registration(
            session, stranger, data=form(unit_name=enterprise.name, credit_code=enterprise.credit_code)
        )
    jinan = await officer(session, "370100")
    with pytest.raises(ValidationFailed) as outside:
        await service.file_registration(session, jinan, data=form())
    assert [(e.field, e.code) for e in outside.value.errors] == [("credit_code", "unit_not_registered")]
    mismatch = await officer(session)
    with pytest.raises(ValidationFailed) as renamed:
        await service.file_registration(
            session, mismatch, data=form(unit_name="别的名字", credit_code=enterprise.credit_code)
        )
    assert [(e.field, e.code) for e in renamed.value.errors] == [("unit_name", "name_differs")]


async def test_a_change_is_recorded_and_flagged_late_after_20_days(session):
    regulator = await officer(session)
    found = await service.file_registration(session, regulator, data=form())
    number = found.registration.number
    changed = await service.change_registration(
        session,
        regulator,
        number=number,
        data=form(emission_standards="DB31/872-2015", site_address="上海市普陀区同普路200号"),
        changed_on=today() - timedelta(days=20),
    )
    late = await service.change_registration(
        session,
        regulator,
        number=number,
        data=form(emission_standards="DB31/872-2015；GB 37822-2019", site_address="上海市普陀区同普路200号"),
        changed_on=today() - timedelta(days=21),
    )
    assert changed.site.address == "上海市普陀区同普路200号"
    history = await queries.registration_history(session, regulator, number=number)
    assert [(r.kind, r.late) for r in history] == [
        ("changed", True),
        ("changed", False),
        ("registered", False),
    ]
    assert set(history[1].changed_fields) == {"emission_standards", "site_address"}
    assert history[1].data["site_address"] == "上海市普陀区同普路200号"
    assert late.registration.version == 3
    with pytest.raises(ValidationFailed) as undated:
        await service.change_registration(session, regulator, number=number, data=form(), changed_on=None)
    assert ("changed_on", "required") in [(e.field, e.code) for e in undated.value.errors]
    with pytest.raises(ValidationFailed) as ancient:
        await service.change_registration(
            session, regulator, number=number, data=form(), changed_on=date(1800, 1, 1)
        )
    assert ("changed_on", "date_range") in [(e.field, e.code) for e in ancient.value.errors]


async def test_renewal_opens_90_days_before_expiry_and_continues_the_validity(session):
    regulator = await officer(session)
    found = await service.file_registration(session, regulator, data=form())
    registration = found.registration
    with pytest.raises(ValidationFailed) as early:
        await service.renew_registration(session, regulator, number=registration.number)
    assert [(e.field, e.code) for e in early.value.errors] == [("number", "renewal_not_open")]
    ending = today() + timedelta(days=30)
    registration.valid_until = ending
    session.add(registration)
    await session.flush()
    renewed = await service.renew_registration(session, regulator, number=registration.number)
    assert renewed.registration.valid_from == ending + timedelta(days=1)
    assert renewed.registration.valid_until == rules.validity_from(ending + timedelta(days=1))[1]


async def test_a_cancelled_registration_needs_a_reason_and_can_no_longer_change(session):
    regulator = await officer(session)
    found = await service.file_registration(session, regulator, data=form())
    number = found.registration.number
    with pytest.raises(ValidationFailed):
        await service.cancel_registration(session, regulator, number=number, reason=" ")
    cancelled = await service.cancel_registration(session, regulator, number=number, reason="企业关闭")
    assert cancelled.registration.status == "cancelled" and cancelled.registration.cancelled_on == today()
    with pytest.raises(Conflict):
        await service.renew_registration(session, regulator, number=number)
    # Registered again later under the same number.
    again = await service.file_registration(
        session,
        regulator,
        data=form(unit_name=found.enterprise.name, credit_code=found.enterprise.credit_code),
    )
    assert again.registration.number == number and again.registration.status == "registered"
    assert await count(session, RegistrationRevision) >= 3


async def test_a_registration_only_unit_gets_no_permit(session):
    regulator = await officer(session)
    found = await service.file_registration(session, regulator, data=form())
    with pytest.raises(ValidationFailed) as refused:
        await submit_application(
            session,
            regulator,
            data=ApplicationInput(
                kind="first",
                enterprise_credit_code=found.enterprise.credit_code,
                category="key",
                issuing_authority="上海市普陀区生态环境局",
                content=permit_content(),
            ),
        )
    assert refused.value.errors[0].code == "registration_only"


async def test_others_do_not_see_a_units_registration(session):
    regulator = await officer(session)
    found = await service.file_registration(session, regulator, data=form())
    other = actor(await make_user(session, "enterprise_admin"))
    with pytest.raises(NotFound):
        await queries.get_registration(session, other, number=found.registration.number)
    assert (
        await queries.get_registration(session, operator(), number=found.registration.number)
    ).site.code == "001"
