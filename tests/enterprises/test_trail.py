"""A unit's trail (issue 17): its administrator sees everything done for it, by whom, for whom, when."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from domain import migrate
from domain.access import operator
from domain.agencies import service as agencies
from domain.agencies.rules import AuthorisationInput
from domain.clock import today
from domain.db import sync_url
from domain.errors import NotFound
from domain.ledgers.service import readings as ledgers
from domain.trail import _changes, unit_trail
from tests.agencies.test_agencies import clerk_actor, reading, registered_agency, unit_with_permit
from tests.conftest import _create_postgres_database, _drop_postgres_database, database_kind
from tests.factories import actor, make_enterprise, make_user
from tests.portal_helpers import log_in

EN = {"Accept-Language": "en"}


async def _agency_files_for_the_unit(session):  # type: ignore[no-untyped-def]
    agency, clerk = await registered_agency(session)
    await agencies.review_agency(session, operator(), credit_code=agency.credit_code, decision="approve")
    enterprise, permit, admin = await unit_with_permit(session)
    window = (today() - timedelta(days=1), today() + timedelta(days=365))
    await agencies.authorise_agency(
        session, admin, data=AuthorisationInput(agency.credit_code, ["self_monitoring"], *window, "HT-9")
    )
    await ledgers.record_readings(
        session, await clerk_actor(session, clerk), permit_number=permit.number, readings=[reading()]
    )
    await session.flush()
    return agency, clerk, enterprise, permit, admin


async def test_the_administrator_sees_what_an_agency_did_for_the_unit_with_names(session):
    agency, clerk, enterprise, permit, admin = await _agency_files_for_the_unit(session)
    page = await unit_trail(session, admin, credit_code=enterprise.credit_code)
    actions = [entry.action for entry in page.entries]
    assert actions[:2] == ["ledger.readings", "agency.authorise"]
    readings = page.entries[0]
    assert readings.doer == clerk.display_name or readings.doer == clerk.username
    assert readings.agency_name == agency.name  # the agency by name, not its credit code
    assert readings.doer_role == "agency_staff"
    assert {key: (old, value) for key, old, value, _how in readings.changes}["count"] == (None, "1")
    # The unit's registration and its permit are on its trail too; another unit's doings are not.
    assert "enterprise.register" in actions
    other = await make_enterprise(session)
    other_page = await unit_trail(session, operator(), credit_code=other.credit_code)
    assert {e.id for e in other_page.entries}.isdisjoint({e.id for e in page.entries})


async def test_staff_other_units_and_regulators_elsewhere_are_told_there_is_no_such_unit(session):
    _agency, _clerk, enterprise, _permit, _admin = await _agency_files_for_the_unit(session)
    staff = actor(await make_user(session, "enterprise_staff", enterprise=enterprise))
    stranger = actor(await make_user(session, "enterprise_admin"))
    elsewhere = actor(await make_user(session, "enforcement", region_code="370102"))
    for reader in (staff, stranger, elsewhere):
        with pytest.raises(NotFound):
            await unit_trail(session, reader, credit_code=enterprise.credit_code)
    here = actor(await make_user(session, "enforcement", region_code=enterprise.region_code))
    assert (await unit_trail(session, here, credit_code=enterprise.credit_code)).entries


async def test_pages_go_back_in_time_without_repeating_or_skipping(session):
    _agency, _clerk, enterprise, _permit, admin = await _agency_files_for_the_unit(session)
    everything = await unit_trail(session, admin, credit_code=enterprise.credit_code, limit=1000)
    seen: list[int] = []
    before = None
    while True:
        page = await unit_trail(session, admin, credit_code=enterprise.credit_code, before=before, limit=2)
        seen.extend(entry.id for entry in page.entries)
        if page.older is None:
            break
        before = page.older
    assert seen == [entry.id for entry in everything.entries] and len(seen) >= 3


async def test_the_page_shows_names_and_refuses_others(client, session):
    agency, _clerk, enterprise, _permit, admin = await _agency_files_for_the_unit(session)
    admin_user = await make_user(session, "enterprise_admin", enterprise=enterprise)
    await session.commit()
    await log_in(client, admin_user.username)
    detail = await client.get(f"/enterprises/{enterprise.credit_code}", headers=EN)
    assert f'href="/enterprises/{enterprise.credit_code}/trail"' in detail.text
    response = await client.get(f"/enterprises/{enterprise.credit_code}/trail", headers=EN)
    assert response.status_code == 200
    text = response.text
    assert "Monitoring readings recorded" in text and "Service agency authorised" in text
    assert agency.name in text and f"agency:{agency.credit_code}" not in text
    assert "ledger.readings" not in text  # the action's name, never its code
    for bad in (
        "?before=abc",
        "?before=99999999999999999999",
        "?before=2147483648",
        "?before=0",
        "?before=-1",
    ):
        url = f"/enterprises/{enterprise.credit_code}/trail{bad}"
        assert (await client.get(url, headers=EN)).status_code == 200
    assert (
        await client.get(f"/enterprises/{enterprise.credit_code}/trail?before=%00", headers=EN)
    ).status_code == 400
    stranger = await make_user(session, "enterprise_staff", enterprise=enterprise)
    await session.commit()
    client.cookies.clear()
    await log_in(client, stranger.username)
    assert (await client.get(f"/enterprises/{enterprise.credit_code}/trail", headers=EN)).status_code == 404


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    if database_kind() == "postgresql":
        admin_url, url = _create_postgres_database()
        yield url
        _drop_postgres_database(admin_url, url)
    else:
        yield f"sqlite:///{tmp_path / 'before-trail.db'}"


NOW = "2026-01-05 08:00:00+00:00"


def test_entries_written_before_the_column_existed_find_their_unit(empty_database_url):
    migrate.upgrade(empty_database_url, "0022")
    engine = sa.create_engine(sync_url(empty_database_url), poolclass=sa.pool.NullPool)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO enterprise (credit_code, name, registered_address, operating_address, "
                "legal_representative, technical_lead, contact_phone, industry_code, region_code, "
                "management_category, version, created_at, updated_at) VALUES ('91310107MA00000010', '老厂', "
                "'注册地址1号', '经营地址2号', '王伟', '', '', '4411', '310107', 'key', 1, :now, :now)"
            ),
            {"now": NOW},
        )
        enterprise_id = connection.execute(sa.text("SELECT id FROM enterprise")).scalar_one()
        site_id = connection.execute(sa.text("SELECT id FROM production_site")).scalar()
        if site_id is None:
            connection.execute(
                sa.text(
                    "INSERT INTO production_site (enterprise_id, sequence, name, address, region_code, "
                    "industry_code, created_at, updated_at) "
                    "VALUES (:id, 1, '厂区', '地址', '310107', '4411', :now, :now)"
                ),
                {"id": enterprise_id, "now": NOW},
            )
            site_id = connection.execute(sa.text("SELECT id FROM production_site")).scalar_one()
        connection.execute(
            sa.text(
                "INSERT INTO permit (number, enterprise_id, site_id, category, status, issuing_authority, "
                "region_code, industry_code, renewed, validity_cut_reason, renewal_due_approximate, "
                "content_version, created_at, updated_at) "
                "VALUES ('91310107MA00000010001P', :id, :site, 'key', 'issued', '局', '310107', '4411', "
                "false, '', false, 1, :now, :now)"
            ),
            {"id": enterprise_id, "site": site_id, "now": NOW},
        )
        for object_type, object_id in (
            ("enterprise", "91310107MA00000010"),
            ("permit", "91310107MA00000010001P"),
            ("execution_report", "91310107MA00000010001P/annual/2025"),
            ("agency", "91310107MA00000099"),
        ):
            connection.execute(
                sa.text(
                    "INSERT INTO audit_entry (occurred_at, channel, action, object_type, object_id) "
                    "VALUES (:now, 'portal', 'x', :type, :id)"
                ),
                {"now": NOW, "type": object_type, "id": object_id},
            )
    engine.dispose()

    migrate.upgrade(empty_database_url, "0023")

    engine = sa.create_engine(sync_url(empty_database_url), poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        found = dict(connection.execute(sa.text("SELECT object_type, enterprise_id FROM audit_entry")).all())
    engine.dispose()
    assert found == {
        "enterprise": enterprise_id,
        "permit": enterprise_id,
        "execution_report": enterprise_id,
        "agency": None,  # an agency's registration is no unit's
    }


def test_a_status_change_is_named_by_the_kind_of_record_it_belongs_to():
    # An exceedance explained: both statuses by name, as the ledger's warnings show them.
    assert _changes("exceedance", {"status": "open"}, {"status": "explained"}) == (
        ("status", "Awaiting explanation", "Explained", "message"),
    )
    # The same word of another kind of record is that kind's status.
    assert _changes("enforcement_case", {"status": "open"}, {"status": "closed"}) == (
        ("status", "Open (under investigation)", "Closed case", "message"),
    )
    assert _changes("permit", None, {"status": "issued"}) == (("status", None, "In force", "message"),)
    # A kind with no names for its statuses shows the values as recorded, never half named.
    assert _changes("unknown_kind", {"status": "a"}, {"status": "b"}) == (("status", "a", "b", "text"),)


async def test_the_page_shows_a_status_change_in_words(client, session):
    enterprise = await make_enterprise(session)
    admin_user = await make_user(session, "enterprise_admin", enterprise=enterprise)
    from domain.audit.service import record

    record(
        session,
        actor(admin_user),
        action="ledger.explain_exceedance",
        object_type="exceedance",
        object_id=1,
        enterprise_id=enterprise.id,
        before={"status": "open"},
        after={"status": "explained"},
    )
    await session.commit()
    await log_in(client, admin_user.username)
    text = (await client.get(f"/enterprises/{enterprise.credit_code}/trail")).text
    assert "待说明 → 已说明" in text and "open → explained" not in text


def test_every_action_the_domain_records_has_a_name_people_read():
    """The trail names each action (ACTION_LABELS); an action written without a label would show its code."""
    import re

    from domain.audit.labels import ACTION_LABELS

    root = Path(__file__).resolve().parents[2] / "domain"
    recorded = {
        match.group(1)
        for path in root.rglob("*.py")
        for match in re.finditer(r'action=\s*"([a-z0-9_.]+)"', path.read_text(encoding="utf-8"))
    }
    assert len(recorded) > 50
    assert sorted(recorded - set(ACTION_LABELS)) == []
