"""Many accounts at once (issue 19): an operator onboarding a register's units gives each its filing
staff account with one initial password, checked and hashed once; a bad row refuses the whole call,
naming the row and the field, and writes nothing."""

from __future__ import annotations

from sqlmodel import col, func, select

from domain.access import Role, operator
from domain.accounts.models import User
from domain.accounts.service.logins import authenticate
from domain.accounts.service.users import NewAccount, create_users_bulk
from domain.audit.models import AuditEntry
from domain.errors import ValidationFailed
from tests.factories import make_enterprise, make_user

INITIAL = "Onboarding-river-2026"


async def test_every_account_is_written_with_its_audit_entry_and_logs_in_with_the_initial_password(session):
    units = [await make_enterprise(session) for _ in range(3)]
    users = await create_users_bulk(
        session,
        operator("cli"),
        accounts=[
            NewAccount(f"unit{n}-staff", Role.ENTERPRISE_STAFF.value, "环保专员", unit.credit_code)
            for n, unit in enumerate(units)
        ],
        initial_password=INITIAL,
    )
    assert [(u.username, u.enterprise_id, u.role) for u in users] == [
        (f"unit{n}-staff", unit.id, "enterprise_staff") for n, unit in enumerate(units)
    ]
    stored = (await session.exec(select(User).where(col(User.username).like("unit%-staff")))).all()
    assert sorted(u.id for u in stored) == sorted(u.id for u in users)
    entries = (await session.exec(select(AuditEntry).where(AuditEntry.action == "user.create"))).all()
    assert sorted(e.object_id for e in entries) == ["unit0-staff", "unit1-staff", "unit2-staff"]
    assert INITIAL not in str([e.after for e in entries])
    outcome = await authenticate(session, username="unit1-staff", password=INITIAL, address="10.0.0.9")
    assert outcome.error is None and outcome.user is not None and outcome.user.enterprise_id == units[1].id


async def test_a_bad_row_refuses_the_call_naming_row_and_field_and_writes_nothing(session):
    unit = await make_enterprise(session)
    await make_user(session, "ecology", username="taken-name")
    accounts = [
        NewAccount("fine-staff", Role.ENTERPRISE_STAFF.value, enterprise_credit_code=unit.credit_code),
        NewAccount("taken-name", Role.ENTERPRISE_STAFF.value, enterprise_credit_code=unit.credit_code),
        NewAccount("no-unit", Role.ENTERPRISE_STAFF.value, enterprise_credit_code="91310000XXXXXXXX0X"),
        NewAccount("Bad Name!", "wizard"),
        NewAccount("no-code", Role.ENTERPRISE_STAFF.value),  # told the code is missing, as one account is
    ]
    before = (await session.exec(select(func.count()).select_from(User))).one()
    try:
        await create_users_bulk(session, operator("cli"), accounts=accounts, initial_password=INITIAL)
        raise AssertionError("refused")
    except ValidationFailed as error:
        found = {(e.field, e.code) for e in error.errors}
    assert found == {
        ("rows[2].username", "duplicate"),
        ("rows[3].enterprise", "not_found"),
        ("rows[4].username", "username_format"),
        ("rows[4].role", "choice"),
        ("rows[5].enterprise", "required"),
    }
    assert (await session.exec(select(func.count()).select_from(User))).one() == before
    try:
        await create_users_bulk(
            session, operator("cli"), accounts=accounts[:1], initial_password="password123"
        )
        raise AssertionError("refused")
    except ValidationFailed as error:
        assert [(e.field, e.code) for e in error.errors] == [("initial_password", "password_guessable")]
