"""Production sites and registrations in the demo city: one legal entity with a second plant and its own
permit (…002P), and the registration-only units (排污登记), one of them at two sites and one changed after
the fact, through the enterprise, permit and registration use cases."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from demo.actors import CityActors
from demo.city import ENTERPRISES, Story, issuing_authority
from demo.permit_content import permit_content_for
from domain.clock import today
from domain.enterprises.rules import SiteInput
from domain.enterprises.service import add_site
from domain.permits.rules import site_permit_number
from domain.permits.service.imports import import_permits
from domain.registrations import queries as registration_queries
from domain.registrations import service as registrations
from domain.registrations.rules import RegistrationInput, parse_outlet_lines

# One legal entity, two production sites, two permits (Reg art. 6 ¶2): 真如能源中心 runs a second plant.
SECOND_SITE_UNIT = "上海真如能源中心有限公司"
SECOND_SITE = SiteInput(
    name="真如能源中心桃浦供热站",
    address="上海市普陀区武威路88号",
    region_code="310107",
    industry_code="4412",
    longitude=121.3612,
    latitude=31.2874,
)
# Registration-only units (排污登记): what each registers, as units of their trade write it.
PACKAGING_REGISTRATION = {
    "production_process": "瓦楞纸板及纸箱生产：压楞、水性油墨印刷、模切、粘箱",
    "outlets": "DA001: 颗粒物、非甲烷总烃\nDW001: 化学需氧量、悬浮物、氨氮",
    "control_facilities": "印刷废气集气罩+活性炭吸附装置；生活污水化粪池",
    "contact_phone": "021-62508800",
}
REGISTRATION_DETAILS = {
    "31": {
        **PACKAGING_REGISTRATION,
        "discharge_destination": (
            "生活污水经化粪池预处理后纳入市政污水管网，进入石洞口污水处理厂；废气经处理后15米排气筒排放"
        ),
        "emission_standards": "DB31/933-2015 大气污染物综合排放标准；DB31/199-2018 污水综合排放标准",
    },
    "37": {
        **PACKAGING_REGISTRATION,
        "discharge_destination": (
            "生活污水纳入市政污水管网，进入济南市水质净化三厂；废气经处理后15米排气筒排放"
        ),
        "emission_standards": "DB37/2801.6-2018 挥发性有机物排放标准；GB 8978-1996 污水综合排放标准",
        "contact_phone": "0531-85908800",
    },
}


async def sites_and_registrations(session: AsyncSession, actors: CityActors, codes: list[str]) -> None:
    """A second site with its own permit (…002P), and the registration-only units' registrations,
    one of them at two sites and one changed after the fact, through the product's use cases."""
    index = next(i for i, item in enumerate(ENTERPRISES) if item.name == SECOND_SITE_UNIT)
    item, code = ENTERPRISES[index], codes[index]
    regulator = actors.permitting[item.region_code[:2]]
    site = await add_site(session, regulator, credit_code=code, data=SECOND_SITE)
    decided = today() - timedelta(days=400)
    await import_permits(
        session,
        regulator,
        records=[
            {
                "number": site_permit_number(code, site.sequence),
                "enterprise_credit_code": code,
                "category": item.category,
                "issuing_authority": issuing_authority(item.region_code),
                "decision_date": decided.isoformat(),
                "renewed": False,
                "content": permit_content_for(replace(item, scale=item.scale * 0.4), index),
            }
        ],
    )
    registered: list[tuple[int, str]] = []
    for index, item in enumerate(ENTERPRISES):
        if item.story != Story.REGISTRATION:
            continue
        regulator = actors.permitting[item.region_code[:2]]
        details = REGISTRATION_DETAILS[item.region_code[:2]]
        enterprise = await registration_queries.get_enterprise_for_registration(
            session, regulator, credit_code=codes[index]
        )
        form = RegistrationInput(
            unit_name=enterprise.name,
            credit_code=enterprise.credit_code,
            legal_representative=enterprise.legal_representative,
            registered_address=enterprise.registered_address,
            site_address=enterprise.operating_address,
            region_code=item.region_code,
            industry_code=item.industry_code,
            production_process=details["production_process"],
            outlets=parse_outlet_lines(details["outlets"]),
            discharge_destination=details["discharge_destination"],
            control_facilities=details["control_facilities"],
            emission_standards=details["emission_standards"],
            contact_person=enterprise.technical_lead,
            contact_phone=details["contact_phone"],
        )
        found = await registrations.file_registration(session, regulator, data=form)
        registered.append((index, found.registration.number))
    # 曹杨包装 added a water-based ink line and filed the change 35 days after it: taken, flagged late.
    first_index, first_number = registered[0]
    first = ENTERPRISES[first_index]
    details = REGISTRATION_DETAILS[first.region_code[:2]]
    regulator = actors.permitting[first.region_code[:2]]
    found = await registration_queries.get_registration(session, regulator, number=first_number)
    await registrations.change_registration(
        session,
        regulator,
        number=first_number,
        data=RegistrationInput(
            site_address=found.site.address,
            industry_code=found.site.industry_code,
            production_process=details["production_process"] + "；新增水性油墨柔版印刷线",
            outlets=parse_outlet_lines(details["outlets"] + "\nDA002: 非甲烷总烃"),
            discharge_destination=details["discharge_destination"],
            control_facilities=details["control_facilities"] + "；2#活性炭吸附装置",
            emission_standards=details["emission_standards"],
            contact_person=found.registration.contact_person,
            contact_phone=found.registration.contact_phone,
        ),
        changed_on=today() - timedelta(days=35),
    )
    # 万里纸制品 also registers its warehouse-and-printing site on 新村路: a second site, …002W.
    second_index, _ = registered[1]
    second = ENTERPRISES[second_index]
    details = REGISTRATION_DETAILS[second.region_code[:2]]
    regulator = actors.permitting[second.region_code[:2]]
    enterprise = await registration_queries.get_enterprise_for_registration(
        session, regulator, credit_code=codes[second_index]
    )
    await registrations.file_registration(
        session,
        regulator,
        data=RegistrationInput(
            unit_name=enterprise.name,
            credit_code=enterprise.credit_code,
            legal_representative=enterprise.legal_representative,
            site_address="上海市普陀区新村路1700号",
            region_code=second.region_code,
            industry_code="2319",
            production_process="纸制品印刷：胶印、覆膜",
            outlets=parse_outlet_lines("DA001: 非甲烷总烃"),
            discharge_destination="印刷废气经活性炭吸附后15米排气筒排放；无生产废水",
            control_facilities="活性炭吸附装置",
            emission_standards="DB31/872-2015 印刷业大气污染物排放标准",
            contact_person=enterprise.technical_lead,
            contact_phone=details["contact_phone"],
        ),
    )
