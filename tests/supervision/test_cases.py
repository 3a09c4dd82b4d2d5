"""Enforcement (M48 §39; AP (7)): leads reach the brigade's inbox and are dismissed with a reason or open
a case; a case is opened, decided (fine within bounds, measures) and closed, each step attributed and kept,
documents checked and hashed; closed cases with a penalty are public, and so are the units discharging
without or against their permit; the unit sees its own cases and is told of the decision."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import col, select

from domain.access import ANONYMOUS, Role
from domain.audit.models import AuditEntry
from domain.clock import today
from domain.disclosure.queries.permit_page import outlet_enforcement_history
from domain.errors import Conflict, NotAuthenticated, NotFound, PermissionDenied, ValidationFailed
from domain.notifications.models import Notification
from domain.supervision.cases import queries, service
from domain.supervision.cases.models import CaseStep
from domain.supervision.cases.rules import CaseInput, DecisionInput, DocumentInput
from tests.factories import actor, make_enterprise, make_permit, make_user
from tests.supervision.helpers import make_lead

PDF = b"%PDF-1.4\n% a decision\n"


@pytest.fixture
async def world(session):  # type: ignore[no-untyped-def]
    unit = await make_enterprise(session)
    permit = await make_permit(session, unit)
    brigade = await make_user(session, Role.ENFORCEMENT)
    staff = await make_user(session, Role.ENTERPRISE_STAFF, enterprise=unit)
    return unit, permit, actor(brigade), staff


def case_input(**overrides) -> CaseInput:  # type: ignore[no-untyped-def]
    values = {
        "facts": "2026年5月现场检查发现 DA001 二氧化硫排放浓度超过许可排放浓度。",
        "legal_basis": "《排污许可管理条例》第三十四条第一款第一项",
        "classification": "against_permit",
        "opened_on": today() - timedelta(days=20),
    }
    values.update(overrides)
    return CaseInput(**values)


def decision(**overrides) -> DecisionInput:  # type: ignore[no-untyped-def]
    values = {
        "decision": "责令改正，罚款人民币贰拾万元。",
        "decided_on": today() - timedelta(days=5),
        "penalty_yuan": Decimal("200000"),
        "measures": ("order_correction",),
        "case_number": "普环罚〔2026〕12号",
    }
    values.update(overrides)
    return DecisionInput(**values)


async def test_a_lead_becomes_a_case_whose_penalty_is_public_on_the_lists_and_the_outlet_page(session, world):  # type: ignore[no-untyped-def]
    unit, permit, brigade, staff = world
    lead = await make_lead(session, permit)
    inbox = await queries.leads_inbox(session, brigade)
    assert [row.lead.id for row in inbox.items] == [lead.id] and inbox.items[0].unit_name == unit.name
    case = await service.open_case(session, brigade, data=case_input(lead_id=lead.id, outlet_code="da001"))
    assert case.enterprise_id == unit.id and case.permit_id == permit.id and case.outlet_code == "DA001"
    assert (await queries.leads_inbox(session, brigade)).total == 0
    with pytest.raises(Conflict):  # a lead opens one case
        await service.open_case(session, brigade, data=case_input(lead_id=lead.id))
    assert await queries.public_penalties(session) == []  # open cases are not public
    with pytest.raises(Conflict):
        await service.close_case(session, brigade, case_id=case.id, closed_on=today())
    await service.add_document(
        session,
        brigade,
        case_id=case.id,
        data=DocumentInput(kind="decision", file_name="决定书.pdf", content=PDF),
    )
    await service.decide_case(session, brigade, case_id=case.id, data=decision())
    [told] = (await session.exec(select(Notification).where(Notification.user_id == staff.id))).all()
    assert told.kind == "case_decided" and "200,000.00" in told.body
    await service.close_case(session, brigade, case_id=case.id, closed_on=today())
    [public] = await queries.public_penalties(session)
    assert (public.unit_name, public.penalty_yuan, public.legal_basis) == (
        unit.name,
        200000.0,
        case.legal_basis,
    )
    assert public.decided_on == today() - timedelta(days=5)
    assert [p.case_id for p in await queries.public_penalties(session, classification="against_permit")] == [
        case.id
    ]
    assert await queries.public_penalties(session, classification="without_permit") == []
    assert [p.case_id for p in await queries.public_penalties(session, permit_id=permit.id)] == [case.id]
    history = await outlet_enforcement_history(session, permit_number=permit.number, outlet_code="DA001")
    assert [(h.on, h.kind) for h in history] == [(today() - timedelta(days=5), "penalty")]
    assert "200,000" in history[0].result and "第三十四条" in history[0].result
    assert await outlet_enforcement_history(session, permit_number=permit.number, outlet_code="DW001") == []
    steps = (
        await session.exec(select(CaseStep).where(CaseStep.case_id == case.id).order_by(col(CaseStep.id)))
    ).all()
    assert [s.kind for s in steps] == ["open", "document", "decide", "close"]
    assert all(s.created_by == brigade.username for s in steps)
    audit = (
        await session.exec(select(AuditEntry.action).where(AuditEntry.object_type == "enforcement_case"))
    ).all()
    assert sorted(audit) == ["case.close", "case.decide", "case.document", "case.open"]
    with pytest.raises(Conflict):
        await service.add_document(
            session,
            brigade,
            case_id=case.id,
            data=DocumentInput(kind="other", file_name="a.pdf", content=PDF),
        )


async def test_a_lead_is_dismissed_with_a_reason_and_leaves_the_inbox(session, world):  # type: ignore[no-untyped-def]
    _unit, permit, brigade, _staff = world
    lead = await make_lead(session, permit)
    with pytest.raises(ValidationFailed) as refused:
        await service.dismiss_lead(session, brigade, lead_id=lead.id, reason="  ")
    assert [e.field for e in refused.value.errors] == ["reason"]
    decided = await service.dismiss_lead(
        session, brigade, lead_id=lead.id, reason="经核查系填报笔误，已更正，不构成违法。"
    )
    assert decided.outcome == "dismissed" and decided.decided_by == brigade.username
    assert (await queries.leads_inbox(session, brigade)).total == 0
    with pytest.raises(Conflict):
        await service.dismiss_lead(session, brigade, lead_id=lead.id, reason="again")


async def test_only_the_brigade_and_legal_section_of_the_jurisdiction_manage_cases(session, world):  # type: ignore[no-untyped-def]
    unit, permit, brigade, staff = world
    lead = await make_lead(session, permit)
    ecology = actor(await make_user(session, Role.ECOLOGY))
    elsewhere = actor(await make_user(session, Role.ENFORCEMENT, region_code="310104"))
    legal = actor(await make_user(session, Role.LEGAL))
    assert (await queries.leads_inbox(session, ecology)).total == 0
    assert (await queries.leads_inbox(session, elsewhere)).total == 0
    assert (await queries.leads_inbox(session, legal)).total == 1
    for outsider in (ecology, elsewhere, actor(staff)):
        with pytest.raises(NotFound):
            await service.dismiss_lead(session, outsider, lead_id=lead.id, reason="x")
    case = await service.open_case(session, legal, data=case_input(credit_code=unit.credit_code))
    with pytest.raises(PermissionDenied):  # ecology sees the case, may not decide it
        await service.decide_case(session, ecology, case_id=case.id, data=decision())
    with pytest.raises(NotFound):
        await service.decide_case(session, elsewhere, case_id=case.id, data=decision())
    # The unit sees its own case, and only its own.
    unit_view = await queries.case_list(session, actor(staff), view="all")
    assert [r.case.id for r in unit_view.items] == [case.id]
    other = await make_user(session, Role.ENTERPRISE_STAFF, enterprise=await make_enterprise(session))
    assert (await queries.case_list(session, actor(other), view="all")).total == 0
    with pytest.raises(NotFound):
        await queries.case_page(session, actor(other), case_id=case.id)
    with pytest.raises(NotAuthenticated):
        await queries.case_list(session, ANONYMOUS)


async def test_bad_input_is_refused_field_by_field_and_nothing_is_written(session, world):  # type: ignore[no-untyped-def]
    unit, permit, brigade, _staff = world
    with pytest.raises(ValidationFailed) as refused:
        await service.open_case(
            session,
            brigade,
            data=case_input(
                facts="", legal_basis="x" * 501, classification="bad", opened_on=today() + timedelta(days=1)
            ),
        )
    assert {e.field for e in refused.value.errors} == {
        "facts",
        "legal_basis",
        "classification",
        "opened_on",
        "credit_code",
    }
    assert (await queries.case_list(session, brigade, view="all")).total == 0
    case = await service.open_case(session, brigade, data=case_input(permit_number=permit.number))
    assert case.enterprise_id == unit.id
    for amount in (Decimal("0"), Decimal("-5"), Decimal("100000000.01"), Decimal("1.234"), Decimal("NaN")):
        with pytest.raises(ValidationFailed) as refused:
            await service.decide_case(session, brigade, case_id=case.id, data=decision(penalty_yuan=amount))
        assert [e.field for e in refused.value.errors] == ["penalty_yuan"], amount
    with pytest.raises(ValidationFailed) as refused:
        await service.decide_case(
            session,
            brigade,
            case_id=case.id,
            data=decision(decision="", measures=("nonsense",), decided_on=case.opened_on - timedelta(days=1)),
        )
    assert {e.field for e in refused.value.errors} == {"decision", "measures", "decided_on"}
    for name, content in (
        ("a.pdf", b"MZ..."),
        ("a.exe", PDF),
        ("a.pdf", b""),
        ("a.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024)),
    ):
        with pytest.raises(ValidationFailed) as refused:
            await service.add_document(
                session,
                brigade,
                case_id=case.id,
                data=DocumentInput(kind="evidence", file_name=name, content=content),
            )
        assert [e.field for e in refused.value.errors] == ["file"]
    document = await service.add_document(
        session,
        brigade,
        case_id=case.id,
        data=DocumentInput(kind="evidence", file_name="现场.pdf", content=PDF),
    )
    assert document.sha256 == hashlib.sha256(PDF).hexdigest() and document.size == len(PDF)
    assert document.media_type == "application/pdf"
    for bad in ("x", "2147483648", "-1"):
        with pytest.raises(NotFound):
            await service.decide_case(session, brigade, case_id=bad, data=decision())


async def test_units_without_a_permit_are_listed_publicly_once_their_case_is_closed(session, world):  # type: ignore[no-untyped-def]
    _unit, _permit, brigade, _staff = world
    case = await service.open_case(
        session, brigade, data=case_input(unit_name="普陀区某电镀作坊", classification="without_permit")
    )
    assert case.enterprise_id is None and case.region_code == "310107"
    await service.decide_case(
        session, brigade, case_id=case.id, data=decision(penalty_yuan=None, measures=("suspend_production",))
    )
    await service.close_case(session, brigade, case_id=case.id, closed_on=today())
    [listed] = await queries.public_penalties(session, classification="without_permit")
    assert listed.unit_name == "普陀区某电镀作坊" and listed.penalty_yuan is None
    # A case closed with only an order to correct imposed no penalty: it is not on the public list.
    other = await service.open_case(
        session, brigade, data=case_input(unit_name="某作坊", classification="other")
    )
    await service.decide_case(
        session, brigade, case_id=other.id, data=decision(penalty_yuan=None, measures=("order_correction",))
    )
    await service.close_case(session, brigade, case_id=other.id, closed_on=today())
    assert [p.case_id for p in await queries.public_penalties(session)] == [case.id]
