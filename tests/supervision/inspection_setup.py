"""A small district for inspection tests: permit holders of both categories, registration units, the
enforcement brigade and the monitoring station, a unit's administrator."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Role, operator
from domain.accounts.models import User
from domain.clock import today
from domain.permits.models import Permit
from domain.registrations import service as registrations
from domain.registrations.models import DischargeRegistration
from domain.supervision.inspections.rules import InspectionKind, ItemAnswer, checklist_for
from domain.supervision.inspections.service.records import RecordInput
from tests.factories import actor, credit_code, make_enterprise, make_permit, make_user
from tests.registrations.test_registrations import form

REGION = "310107"


@dataclass
class District:
    key: list[Permit] = field(default_factory=list)
    simplified: list[Permit] = field(default_factory=list)
    registrations: list[DischargeRegistration] = field(default_factory=list)
    brigade: list[User] = field(default_factory=list)
    station: list[User] = field(default_factory=list)
    chief: Actor | None = None  # the brigade's first member, who plans and draws
    monitor: Actor | None = None
    unit_admin: User | None = None
    other_unit_admin: User | None = None

    @property
    def planner(self) -> Actor:
        assert self.chief is not None
        return self.chief


async def build_district(session: AsyncSession, *, brigade: int = 4, station: int = 2) -> District:
    district = District()
    issued = today().replace(month=1, day=1).replace(year=today().year - 1)
    for _ in range(2):
        district.key.append(await make_permit(session, decision_date=issued.isoformat(), category="key"))
    enterprise = await make_enterprise(session, management_category="simplified")
    district.simplified.append(
        await make_permit(session, enterprise, decision_date=issued.isoformat(), category="simplified")
    )
    for index in range(3):
        found = await registrations.file_registration(
            session, operator(), data=form(credit_code=credit_code(), unit_name=f"上海普陀登记单位{index}")
        )
        district.registrations.append(found.registration)
    for index in range(brigade):
        user = await make_user(session, Role.ENFORCEMENT, region_code=REGION)
        user.display_name = f"执法员{index + 1}"
        district.brigade.append(user)
    for index in range(station):
        user = await make_user(session, Role.MONITORING_STATION, region_code=REGION)
        user.display_name = f"监测员{index + 1}"
        district.station.append(user)
    await session.flush()
    district.chief = actor(district.brigade[0])
    district.monitor = actor(district.station[0]) if district.station else None
    from domain.enterprises.models import Enterprise

    unit = await session.get(Enterprise, district.key[0].enterprise_id)
    district.unit_admin = await make_user(session, Role.ENTERPRISE_ADMIN, enterprise=unit)
    district.other_unit_admin = await make_user(session, Role.ENTERPRISE_ADMIN)
    return district


def passed_items(
    kind: InspectionKind = InspectionKind.ENFORCEMENT, *, holds_permit: bool = True, **failed: str
):  # type: ignore[no-untyped-def]
    """Every item passed but those given (code with "_" for "."), failed with the note given."""
    answers = []
    for item in checklist_for(kind, holds_permit=holds_permit):
        note = failed.get("i" + item.code.replace(".", "_"))
        answers.append(ItemAnswer(item.code, "failed" if note else "passed", note or ""))
    return answers


def record_input(district: District, permit: Permit, *, on: date | None = None, **failed: str) -> RecordInput:
    return RecordInput(
        kind="enforcement",
        permit_number=permit.number or "",
        inspected_on=on or today(),
        inspector_ids=[district.brigade[0].id or 0, district.brigade[1].id or 0],
        items=passed_items(**failed),
        summary="现场检查，企业生产正常。",
    )
