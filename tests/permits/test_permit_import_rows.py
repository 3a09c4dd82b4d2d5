"""The import writes many permits at once (one statement per table): the same rows, event and audit entry
for each as the lifecycle writes for one, in the order of the records."""

import pytest
from sqlmodel import col, select

from domain.audit.models import AuditEntry
from domain.clock import today
from domain.permits.models import PermitEvent, PermitVersion
from domain.permits.queries.register import permit_detail
from domain.permits.service.applications import ApplicationInput, submit_application
from domain.permits.service.decisions import GrantInput, accept_application, grant_application, issue_permit
from domain.permits.service.imports import ImportFailed, import_permits
from tests.factories import actor, make_enterprise, make_user, permit_content, permit_record


async def regulator(session):
    return actor(await make_user(session, "permitting", region_code="310107"))


def stored_rows(detail):
    def plain(row):
        return {k: v for k, v in row.model_dump().items() if k not in ("id", "permit_id")}

    groups = (detail.outlets, detail.limits, detail.monitoring, detail.ledger_requirements)
    return [sorted((plain(row) for row in group), key=repr) for group in groups]


async def test_an_imported_permit_is_stored_as_the_lifecycle_stores_an_issued_one(session):
    officer = await regulator(session)
    applied, imported_unit = await make_enterprise(session), await make_enterprise(session)
    applicant = actor(await make_user(session, "enterprise_admin", enterprise=applied))
    application = await submit_application(
        session,
        applicant,
        data=ApplicationInput(
            kind="first",
            enterprise_credit_code=applied.credit_code,
            category="key",
            issuing_authority="上海市普陀区生态环境局",
            content=permit_content(),
        ),
    )
    await accept_application(session, officer, application_id=application.id)
    number = applied.credit_code + "001P"
    await grant_application(session, officer, application_id=application.id, data=GrantInput(number=number))
    issued = await issue_permit(session, officer, application_id=application.id)
    [imported] = await import_permits(
        session, officer, records=[permit_record(imported_unit, decision_date=today().isoformat())]
    )
    through_lifecycle = await permit_detail(session, officer, number=issued.number)
    through_import = await permit_detail(session, officer, number=imported.number)
    assert stored_rows(through_import) == stored_rows(through_lifecycle)
    assert through_import.version.content == through_lifecycle.version.content
    assert through_import.version.reason == "imported" and through_import.version.version == 1
    for name in ("status", "category", "decision_date", "valid_from", "valid_until", "renewal_due"):
        assert getattr(imported, name) == getattr(issued, name), name
    assert imported.renewal_due_approximate == issued.renewal_due_approximate
    assert imported.region_code == imported_unit.region_code and imported.content_version == 1


async def test_many_records_each_get_their_version_event_and_audit_entry_in_order(session):
    officer = await regulator(session)
    units = [await make_enterprise(session) for _ in range(3)]
    records = [
        permit_record(unit, decision_date=day, renewed=renewed)
        for unit, day, renewed in zip(
            units, ("2023-04-10", "2025-01-06", "2020-11-30"), (False, True, False), strict=True
        )
    ]
    permits = await import_permits(session, officer, records=records)
    assert [p.number for p in permits] == [r["number"] for r in records]
    assert all(p.id is not None and p.status == "issued" for p in permits)
    ids = [p.id for p in permits]
    versions = (await session.exec(select(PermitVersion).where(col(PermitVersion.permit_id).in_(ids)))).all()
    events = (await session.exec(select(PermitEvent).where(col(PermitEvent.permit_id).in_(ids)))).all()
    entries = (
        await session.exec(
            select(AuditEntry).where(
                AuditEntry.action == "permit.import",
                col(AuditEntry.object_id).in_([p.number for p in permits]),
            )
        )
    ).all()
    assert sorted(v.permit_id for v in versions) == sorted(ids)
    assert sorted(e.permit_id for e in events) == sorted(ids)
    by_permit = {e.permit_id: e for e in events}
    for permit in permits:
        event = by_permit[permit.id]
        assert (event.kind, event.effective_on, event.public) == ("issued", permit.decision_date, True)
        assert event.note == "Imported from the national platform"
        assert event.actor_username == officer.username
    assert {e.object_id: e.after for e in entries} == {
        p.number: {
            "number": p.number,
            "status": "issued",
            "category": p.category,
            "decision_date": p.decision_date.isoformat(),
            "valid_until": p.valid_until.isoformat(),
            "content_version": 1,
        }
        for p in permits
    }
    assert {(e.actor_username, e.channel) for e in entries} == {(officer.username, officer.channel)}
    assert permits[1].renewed and not permits[0].renewed


async def test_a_number_used_before_or_twice_in_the_records_is_refused(session):
    officer = await regulator(session)
    first, second = await make_enterprise(session), await make_enterprise(session)
    await import_permits(session, officer, records=[permit_record(first, decision_date="2024-02-01")])
    again = permit_record(first, decision_date="2024-02-01")
    twice = permit_record(second, decision_date="2024-02-01")
    with pytest.raises(ImportFailed) as caught:
        await import_permits(session, officer, records=[again, twice, twice])
    assert {(e.row, e.field, e.code) for e in caught.value.rows} == {
        (1, "number", "duplicate"),
        (3, "number", "duplicate"),
    }
