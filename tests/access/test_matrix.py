"""Every role against every operation that exists, with its own and a foreign object.

The expected table is written out by hand from the rules (DESIGN.md, docs/domain-rules.md),
not computed from the code it checks.
"""

import pytest

from domain.access import ANONYMOUS, Actor, Operation, Role, Target, can

OWN_ENTERPRISE = 1
OWN_USER = 10
REGION = "310107"

# Targets: "own" is the actor's enterprise / jurisdiction / own token; "foreign" is another's.
OWN = Target(enterprise_id=OWN_ENTERPRISE, region_code=REGION, owner_user_id=OWN_USER)
FOREIGN = Target(enterprise_id=2, region_code="370102", owner_user_id=99)

OP = Operation
Y, N = True, False

# operation: (allowed on own/in-jurisdiction target, allowed on foreign target)
REGULATOR_VIEW_ONLY = {
    OP.VIEW_PUBLIC: (Y, Y),
    OP.ENTERPRISE_LIST: (Y, Y),
    OP.ENTERPRISE_VIEW: (Y, N),
    OP.ENTERPRISE_REGISTER: (N, N),
    OP.ENTERPRISE_EDIT: (N, N),
    OP.USER_MANAGE: (N, N),
    OP.TOKEN_MANAGE_OWN: (Y, N),
    OP.WEBHOOK_MANAGE_OWN: (Y, N),
    OP.TOKEN_ISSUE_FOR_OTHERS: (N, N),
    OP.AUDIT_VIEW: (N, N),
    OP.UNIT_AUDIT_VIEW: (Y, N),
    OP.CALENDAR_MANAGE: (N, N),
    OP.READINGS_ARCHIVE: (N, N),
    OP.PERMIT_LIST: (Y, Y),
    OP.PERMIT_VIEW: (Y, N),
    OP.PERMIT_APPLY: (N, N),
    OP.PERMIT_DECIDE: (N, N),
    OP.NOTIFICATIONS_OWN: (Y, N),
    OP.LEDGER_VIEW: (Y, N),
    OP.LEDGER_WRITE: (N, N),
    OP.REPORT_VIEW: (Y, N),
    OP.REPORT_WRITE: (N, N),
    OP.REPORT_REVIEW: (Y, N),
    OP.MONITORING_WRITE: (N, N),
    OP.AGENCY_REVIEW: (N, N),
    OP.AGENCY_REVIEW_LIST: (N, N),
    OP.SESSION_MANAGE_OWN: (Y, N),
    OP.AGENCY_OWN: (Y, Y),
    OP.AGENCY_AUTHORISE: (N, N),
    OP.AGENCY_WORK_VIEW: (Y, N),
    OP.CREDIT_RECORD: (N, N),
    OP.PROBLEM_VIEW: (Y, N),
    OP.PROBLEM_RAISE: (Y, N),
    OP.RECTIFICATION_REPORT: (N, N),
    OP.RECTIFICATION_VERIFY: (Y, N),
    OP.INSPECTION_VIEW: (Y, N),
    OP.INSPECTION_PLAN: (N, N),
    OP.INSPECTION_RECORD: (N, N),
    OP.LINKAGE_VIEW: (Y, N),
    OP.LINKAGE_WORK: (Y, N),
    OP.LINKAGE_ARCHIVE: (N, N),
    OP.CASE_VIEW: (Y, N),
    OP.CASE_MANAGE: (N, N),
    OP.STANDING_VIEW: (Y, N),
    OP.STANDING_MANAGE: (N, N),
    OP.GRADING_VIEW: (Y, N),
    OP.GRADING_DECIDE: (Y, N),
    OP.UNIT_CREDIT_VIEW: (Y, N),
    OP.UNIT_CREDIT_RECORD: (N, N),
    OP.STATION_MANAGE: (N, N),
    OP.QUALITY_VIEW: (Y, N),
    OP.QUALITY_CHECK: (N, N),
}
EXPECTED: dict[Role | None, dict[Operation, tuple[bool, bool]]] = {
    None: {  # the public
        OP.VIEW_PUBLIC: (Y, Y),
        OP.ENTERPRISE_LIST: (N, N),
        OP.ENTERPRISE_VIEW: (N, N),
        OP.ENTERPRISE_REGISTER: (N, N),
        OP.ENTERPRISE_EDIT: (N, N),
        OP.USER_MANAGE: (N, N),
        OP.TOKEN_MANAGE_OWN: (N, N),
        OP.WEBHOOK_MANAGE_OWN: (N, N),
        OP.TOKEN_ISSUE_FOR_OTHERS: (N, N),
        OP.AUDIT_VIEW: (N, N),
        OP.UNIT_AUDIT_VIEW: (N, N),
        OP.CALENDAR_MANAGE: (N, N),
        OP.READINGS_ARCHIVE: (N, N),
        OP.PERMIT_LIST: (N, N),
        OP.PERMIT_VIEW: (N, N),
        OP.PERMIT_APPLY: (N, N),
        OP.PERMIT_DECIDE: (N, N),
        OP.NOTIFICATIONS_OWN: (N, N),
        OP.LEDGER_VIEW: (N, N),
        OP.LEDGER_WRITE: (N, N),
        OP.REPORT_VIEW: (N, N),
        OP.REPORT_WRITE: (N, N),
        OP.REPORT_REVIEW: (N, N),
        OP.MONITORING_WRITE: (N, N),
        OP.AGENCY_REVIEW: (N, N),
        OP.AGENCY_REVIEW_LIST: (N, N),
        OP.SESSION_MANAGE_OWN: (N, N),
        OP.AGENCY_OWN: (N, N),
        OP.AGENCY_AUTHORISE: (N, N),
        OP.AGENCY_WORK_VIEW: (N, N),
        OP.CREDIT_RECORD: (N, N),
        OP.PROBLEM_VIEW: (N, N),
        OP.PROBLEM_RAISE: (N, N),
        OP.RECTIFICATION_REPORT: (N, N),
        OP.RECTIFICATION_VERIFY: (N, N),
        OP.INSPECTION_VIEW: (N, N),
        OP.INSPECTION_PLAN: (N, N),
        OP.INSPECTION_RECORD: (N, N),
        OP.LINKAGE_VIEW: (N, N),
        OP.LINKAGE_WORK: (N, N),
        OP.LINKAGE_ARCHIVE: (N, N),
        OP.CASE_VIEW: (N, N),
        OP.CASE_MANAGE: (N, N),
        OP.STANDING_VIEW: (N, N),
        OP.STANDING_MANAGE: (N, N),
        OP.GRADING_VIEW: (N, N),
        OP.GRADING_DECIDE: (N, N),
        OP.UNIT_CREDIT_VIEW: (N, N),
        OP.UNIT_CREDIT_RECORD: (N, N),
        OP.STATION_MANAGE: (N, N),
        OP.QUALITY_VIEW: (N, N),
        OP.QUALITY_CHECK: (N, N),
    },
    Role.ENTERPRISE_STAFF: {
        OP.VIEW_PUBLIC: (Y, Y),
        OP.ENTERPRISE_LIST: (N, N),
        OP.ENTERPRISE_VIEW: (Y, N),
        OP.ENTERPRISE_REGISTER: (N, N),
        OP.ENTERPRISE_EDIT: (N, N),
        OP.USER_MANAGE: (N, N),
        OP.TOKEN_MANAGE_OWN: (Y, N),
        OP.WEBHOOK_MANAGE_OWN: (Y, N),
        OP.TOKEN_ISSUE_FOR_OTHERS: (N, N),
        OP.AUDIT_VIEW: (N, N),
        OP.UNIT_AUDIT_VIEW: (N, N),
        OP.CALENDAR_MANAGE: (N, N),
        OP.READINGS_ARCHIVE: (N, N),
        OP.PERMIT_LIST: (N, N),
        OP.PERMIT_VIEW: (Y, N),
        OP.PERMIT_APPLY: (N, N),
        OP.PERMIT_DECIDE: (N, N),
        OP.NOTIFICATIONS_OWN: (Y, N),
        OP.LEDGER_VIEW: (Y, N),
        OP.LEDGER_WRITE: (Y, N),
        OP.REPORT_VIEW: (Y, N),
        OP.REPORT_WRITE: (Y, N),
        OP.REPORT_REVIEW: (N, N),
        OP.MONITORING_WRITE: (Y, N),
        OP.AGENCY_REVIEW: (N, N),
        OP.AGENCY_REVIEW_LIST: (N, N),
        OP.SESSION_MANAGE_OWN: (Y, N),
        OP.AGENCY_OWN: (N, N),
        OP.AGENCY_AUTHORISE: (N, N),
        OP.AGENCY_WORK_VIEW: (N, N),
        OP.CREDIT_RECORD: (N, N),
        OP.PROBLEM_VIEW: (Y, N),
        OP.PROBLEM_RAISE: (N, N),
        OP.RECTIFICATION_REPORT: (Y, N),
        OP.RECTIFICATION_VERIFY: (N, N),
        OP.INSPECTION_VIEW: (Y, N),
        OP.INSPECTION_PLAN: (N, N),
        OP.INSPECTION_RECORD: (N, N),
        OP.LINKAGE_VIEW: (N, N),
        OP.LINKAGE_WORK: (N, N),
        OP.LINKAGE_ARCHIVE: (N, N),
        OP.CASE_VIEW: (Y, N),
        OP.CASE_MANAGE: (N, N),
        OP.STANDING_VIEW: (Y, N),
        OP.STANDING_MANAGE: (N, N),
        OP.GRADING_VIEW: (Y, N),
        OP.GRADING_DECIDE: (N, N),
        OP.UNIT_CREDIT_VIEW: (Y, N),
        OP.UNIT_CREDIT_RECORD: (N, N),
        OP.STATION_MANAGE: (N, N),
        OP.QUALITY_VIEW: (N, N),
        OP.QUALITY_CHECK: (N, N),
    },
    Role.ENTERPRISE_ADMIN: {
        OP.VIEW_PUBLIC: (Y, Y),
        OP.ENTERPRISE_LIST: (N, N),
        OP.ENTERPRISE_VIEW: (Y, N),
        OP.ENTERPRISE_REGISTER: (N, N),
        OP.ENTERPRISE_EDIT: (N, N),
        OP.USER_MANAGE: (N, N),
        OP.TOKEN_MANAGE_OWN: (Y, N),
        OP.WEBHOOK_MANAGE_OWN: (Y, N),
        OP.TOKEN_ISSUE_FOR_OTHERS: (N, N),
        OP.AUDIT_VIEW: (N, N),
        OP.UNIT_AUDIT_VIEW: (Y, N),
        OP.CALENDAR_MANAGE: (N, N),
        OP.READINGS_ARCHIVE: (N, N),
        OP.PERMIT_LIST: (N, N),
        OP.PERMIT_VIEW: (Y, N),
        OP.PERMIT_APPLY: (Y, N),
        OP.PERMIT_DECIDE: (N, N),
        OP.NOTIFICATIONS_OWN: (Y, N),
        OP.LEDGER_VIEW: (Y, N),
        OP.LEDGER_WRITE: (Y, N),
        OP.REPORT_VIEW: (Y, N),
        OP.REPORT_WRITE: (Y, N),
        OP.REPORT_REVIEW: (N, N),
        OP.MONITORING_WRITE: (Y, N),
        OP.AGENCY_REVIEW: (N, N),
        OP.AGENCY_REVIEW_LIST: (N, N),
        OP.SESSION_MANAGE_OWN: (Y, N),
        OP.AGENCY_OWN: (N, N),
        OP.AGENCY_AUTHORISE: (Y, N),
        OP.AGENCY_WORK_VIEW: (N, N),
        OP.CREDIT_RECORD: (N, N),
        OP.PROBLEM_VIEW: (Y, N),
        OP.PROBLEM_RAISE: (N, N),
        OP.RECTIFICATION_REPORT: (Y, N),
        OP.RECTIFICATION_VERIFY: (N, N),
        OP.INSPECTION_VIEW: (Y, N),
        OP.INSPECTION_PLAN: (N, N),
        OP.INSPECTION_RECORD: (N, N),
        OP.LINKAGE_VIEW: (N, N),
        OP.LINKAGE_WORK: (N, N),
        OP.LINKAGE_ARCHIVE: (N, N),
        OP.CASE_VIEW: (Y, N),
        OP.CASE_MANAGE: (N, N),
        OP.STANDING_VIEW: (Y, N),
        OP.STANDING_MANAGE: (N, N),
        OP.GRADING_VIEW: (Y, N),
        OP.GRADING_DECIDE: (N, N),
        OP.UNIT_CREDIT_VIEW: (Y, N),
        OP.UNIT_CREDIT_RECORD: (N, N),
        OP.STATION_MANAGE: (Y, N),
        OP.QUALITY_VIEW: (N, N),
        OP.QUALITY_CHECK: (N, N),
    },
    Role.AGENCY_STAFF: {  # sees enterprises only through authorisations (issue 6)
        OP.VIEW_PUBLIC: (Y, Y),
        OP.ENTERPRISE_LIST: (N, N),
        OP.ENTERPRISE_VIEW: (N, N),
        OP.ENTERPRISE_REGISTER: (N, N),
        OP.ENTERPRISE_EDIT: (N, N),
        OP.USER_MANAGE: (N, N),
        OP.TOKEN_MANAGE_OWN: (Y, N),
        OP.WEBHOOK_MANAGE_OWN: (Y, N),
        OP.TOKEN_ISSUE_FOR_OTHERS: (N, N),
        OP.AUDIT_VIEW: (N, N),
        OP.UNIT_AUDIT_VIEW: (N, N),
        OP.CALENDAR_MANAGE: (N, N),
        OP.READINGS_ARCHIVE: (N, N),
        OP.PERMIT_LIST: (N, N),
        OP.PERMIT_VIEW: (N, N),
        OP.PERMIT_APPLY: (N, N),
        OP.PERMIT_DECIDE: (N, N),
        OP.NOTIFICATIONS_OWN: (Y, N),
        OP.LEDGER_VIEW: (N, N),
        OP.LEDGER_WRITE: (N, N),
        OP.REPORT_VIEW: (N, N),
        OP.REPORT_WRITE: (N, N),
        OP.REPORT_REVIEW: (N, N),
        OP.MONITORING_WRITE: (N, N),
        OP.AGENCY_REVIEW: (N, N),
        OP.AGENCY_REVIEW_LIST: (N, N),
        OP.SESSION_MANAGE_OWN: (Y, N),
        OP.AGENCY_OWN: (N, N),
        OP.AGENCY_AUTHORISE: (N, N),
        OP.AGENCY_WORK_VIEW: (N, N),
        OP.CREDIT_RECORD: (N, N),
        OP.PROBLEM_VIEW: (N, N),
        OP.PROBLEM_RAISE: (N, N),
        OP.RECTIFICATION_REPORT: (N, N),
        OP.RECTIFICATION_VERIFY: (N, N),
        OP.INSPECTION_VIEW: (N, N),
        OP.INSPECTION_PLAN: (N, N),
        OP.INSPECTION_RECORD: (N, N),
        OP.LINKAGE_VIEW: (N, N),
        OP.LINKAGE_WORK: (N, N),
        OP.LINKAGE_ARCHIVE: (N, N),
        OP.CASE_VIEW: (N, N),
        OP.CASE_MANAGE: (N, N),
        OP.STANDING_VIEW: (N, N),
        OP.STANDING_MANAGE: (N, N),
        OP.GRADING_VIEW: (N, N),
        OP.GRADING_DECIDE: (N, N),
        OP.UNIT_CREDIT_VIEW: (N, N),
        OP.UNIT_CREDIT_RECORD: (N, N),
        OP.STATION_MANAGE: (N, N),
        OP.QUALITY_VIEW: (N, N),
        OP.QUALITY_CHECK: (N, N),
    },
    Role.PERMITTING: {
        OP.VIEW_PUBLIC: (Y, Y),
        OP.ENTERPRISE_LIST: (Y, Y),
        OP.ENTERPRISE_VIEW: (Y, N),
        OP.ENTERPRISE_REGISTER: (Y, N),
        OP.ENTERPRISE_EDIT: (Y, N),
        OP.USER_MANAGE: (N, N),
        OP.TOKEN_MANAGE_OWN: (Y, N),
        OP.WEBHOOK_MANAGE_OWN: (Y, N),
        OP.TOKEN_ISSUE_FOR_OTHERS: (N, N),
        OP.AUDIT_VIEW: (N, N),
        OP.UNIT_AUDIT_VIEW: (Y, N),
        OP.CALENDAR_MANAGE: (N, N),
        OP.READINGS_ARCHIVE: (N, N),
        OP.PERMIT_LIST: (Y, Y),
        OP.PERMIT_VIEW: (Y, N),
        OP.PERMIT_APPLY: (Y, N),
        OP.PERMIT_DECIDE: (Y, N),
        OP.NOTIFICATIONS_OWN: (Y, N),
        OP.LEDGER_VIEW: (Y, N),
        OP.LEDGER_WRITE: (N, N),
        OP.REPORT_VIEW: (Y, N),
        OP.REPORT_WRITE: (N, N),
        OP.REPORT_REVIEW: (Y, N),
        OP.MONITORING_WRITE: (N, N),
        OP.AGENCY_REVIEW: (N, N),
        OP.AGENCY_REVIEW_LIST: (N, N),
        OP.SESSION_MANAGE_OWN: (Y, N),
        OP.AGENCY_OWN: (Y, Y),
        OP.AGENCY_AUTHORISE: (N, N),
        OP.AGENCY_WORK_VIEW: (Y, N),
        OP.CREDIT_RECORD: (N, N),
        OP.PROBLEM_VIEW: (Y, N),
        OP.PROBLEM_RAISE: (Y, N),
        OP.RECTIFICATION_REPORT: (N, N),
        OP.RECTIFICATION_VERIFY: (Y, N),
        OP.INSPECTION_VIEW: (Y, N),
        OP.INSPECTION_PLAN: (N, N),
        OP.INSPECTION_RECORD: (N, N),
        OP.LINKAGE_VIEW: (Y, N),
        OP.LINKAGE_WORK: (Y, N),
        OP.LINKAGE_ARCHIVE: (Y, N),
        OP.CASE_VIEW: (Y, N),
        OP.CASE_MANAGE: (N, N),
        OP.STANDING_VIEW: (Y, N),
        OP.STANDING_MANAGE: (N, N),
        OP.GRADING_VIEW: (Y, N),
        OP.GRADING_DECIDE: (Y, N),
        OP.UNIT_CREDIT_VIEW: (Y, N),
        OP.UNIT_CREDIT_RECORD: (N, N),
        OP.STATION_MANAGE: (N, N),
        OP.QUALITY_VIEW: (Y, N),
        OP.QUALITY_CHECK: (Y, N),
    },
    Role.ECOLOGY: {**REGULATOR_VIEW_ONLY, OP.STATION_MANAGE: (Y, N)},
    Role.POLLUTION_PREVENTION: REGULATOR_VIEW_ONLY,
    # The legal section reviews, and with enforcement records credit events on, agencies registered in
    # its jurisdiction only; its review lists are limited to them by their SQL.
    Role.LEGAL: {
        **REGULATOR_VIEW_ONLY,
        OP.AGENCY_REVIEW: (Y, N),
        OP.AGENCY_REVIEW_LIST: (Y, Y),
        OP.CREDIT_RECORD: (Y, N),
        OP.CASE_MANAGE: (Y, N),
        OP.STANDING_MANAGE: (Y, N),
        OP.UNIT_CREDIT_RECORD: (Y, N),
    },
    Role.ENFORCEMENT: {
        **REGULATOR_VIEW_ONLY,
        OP.CREDIT_RECORD: (Y, N),
        OP.INSPECTION_PLAN: (Y, N),
        OP.INSPECTION_RECORD: (Y, N),
        OP.CASE_MANAGE: (Y, N),
        OP.STANDING_MANAGE: (Y, N),
    },
    Role.MONITORING_STATION: {**REGULATOR_VIEW_ONLY, OP.INSPECTION_RECORD: (Y, N), OP.STATION_MANAGE: (Y, N)},
    Role.ADMIN: {
        OP.VIEW_PUBLIC: (Y, Y),
        OP.ENTERPRISE_LIST: (Y, Y),
        OP.ENTERPRISE_VIEW: (Y, Y),
        OP.ENTERPRISE_REGISTER: (Y, Y),
        OP.ENTERPRISE_EDIT: (Y, Y),
        OP.USER_MANAGE: (Y, Y),
        OP.TOKEN_MANAGE_OWN: (Y, N),
        OP.WEBHOOK_MANAGE_OWN: (Y, N),
        OP.TOKEN_ISSUE_FOR_OTHERS: (Y, Y),
        OP.AUDIT_VIEW: (Y, Y),
        OP.UNIT_AUDIT_VIEW: (Y, Y),
        OP.CALENDAR_MANAGE: (Y, Y),
        OP.READINGS_ARCHIVE: (Y, Y),
        OP.PERMIT_LIST: (Y, Y),
        OP.PERMIT_VIEW: (Y, Y),
        OP.PERMIT_APPLY: (Y, Y),
        OP.PERMIT_DECIDE: (Y, Y),
        OP.NOTIFICATIONS_OWN: (Y, N),
        OP.LEDGER_VIEW: (Y, Y),
        OP.LEDGER_WRITE: (N, N),
        OP.REPORT_VIEW: (Y, Y),
        OP.REPORT_WRITE: (N, N),
        OP.REPORT_REVIEW: (Y, Y),
        OP.MONITORING_WRITE: (N, N),
        OP.AGENCY_REVIEW: (Y, Y),
        OP.AGENCY_REVIEW_LIST: (Y, Y),
        OP.SESSION_MANAGE_OWN: (Y, N),
        OP.AGENCY_OWN: (Y, Y),
        OP.AGENCY_AUTHORISE: (N, N),
        OP.AGENCY_WORK_VIEW: (Y, Y),
        OP.CREDIT_RECORD: (Y, Y),
        OP.PROBLEM_VIEW: (Y, Y),
        OP.PROBLEM_RAISE: (Y, Y),
        OP.RECTIFICATION_REPORT: (N, N),
        OP.RECTIFICATION_VERIFY: (Y, Y),
        OP.INSPECTION_VIEW: (Y, Y),
        OP.INSPECTION_PLAN: (Y, Y),
        OP.INSPECTION_RECORD: (Y, Y),
        OP.LINKAGE_VIEW: (Y, Y),
        OP.LINKAGE_WORK: (Y, Y),
        OP.LINKAGE_ARCHIVE: (Y, Y),
        OP.CASE_VIEW: (Y, Y),
        OP.CASE_MANAGE: (Y, Y),
        OP.STANDING_VIEW: (Y, Y),
        OP.STANDING_MANAGE: (Y, Y),
        OP.GRADING_VIEW: (Y, Y),
        OP.GRADING_DECIDE: (Y, Y),
        OP.UNIT_CREDIT_VIEW: (Y, Y),
        OP.UNIT_CREDIT_RECORD: (Y, Y),
        OP.STATION_MANAGE: (Y, Y),
        OP.QUALITY_VIEW: (Y, Y),
        OP.QUALITY_CHECK: (Y, Y),
    },
}


def make_actor(role: Role | None, scopes=frozenset({"read", "write"})) -> Actor:
    if role is None:
        return ANONYMOUS
    return Actor(
        user_id=OWN_USER,
        username="u",
        role=role,
        enterprise_id=OWN_ENTERPRISE if role in (Role.ENTERPRISE_STAFF, Role.ENTERPRISE_ADMIN) else None,
        region_code=REGION
        if role not in (Role.ENTERPRISE_STAFF, Role.ENTERPRISE_ADMIN, Role.ADMIN, Role.AGENCY_STAFF)
        else None,
        scopes=scopes,
    )


def test_the_table_covers_every_role_and_every_operation():
    assert set(EXPECTED) == {None, *Role}
    for role, row in EXPECTED.items():
        assert set(row) == set(Operation), role


CASES = [
    pytest.param(role, operation, which, id=f"{role.value if role else 'public'}-{operation.value}-{which}")
    for role, row in EXPECTED.items()
    for operation in row
    for which in ("own", "foreign")
]


@pytest.mark.parametrize(("role", "operation", "which"), CASES)
def test_role_may_do_exactly_what_the_table_says(role, operation, which):
    expected = EXPECTED[role][operation][0 if which == "own" else 1]
    target = OWN if which == "own" else FOREIGN
    assert can(make_actor(role), operation, target) is expected


@pytest.mark.parametrize("role", [r for r in Role])
def test_a_read_only_token_never_writes(role):
    actor = make_actor(role, scopes=frozenset({"read"}))
    for operation in (
        OP.ENTERPRISE_REGISTER,
        OP.ENTERPRISE_EDIT,
        OP.USER_MANAGE,
        OP.TOKEN_MANAGE_OWN,
        OP.TOKEN_ISSUE_FOR_OTHERS,
        OP.WEBHOOK_MANAGE_OWN,
    ):
        assert can(actor, operation, OWN) is False


def test_a_city_regulator_sees_the_districts_of_its_city():
    city = Actor(user_id=1, role=Role.ENFORCEMENT, region_code="370100")
    assert can(city, OP.ENTERPRISE_VIEW, Target(enterprise_id=5, region_code="370116"))
    assert not can(city, OP.ENTERPRISE_VIEW, Target(enterprise_id=5, region_code="310107"))


AGENCY = Actor(
    user_id=30,
    username="agency-clerk",
    role=Role.AGENCY_STAFF,
    agency_id=7,
    authorisations=frozenset({(1, "ledger"), (1, "self_monitoring"), (2, "reports")}),
)


@pytest.mark.parametrize(
    ("operation", "enterprise_id", "expected"),
    [
        (OP.ENTERPRISE_VIEW, 1, True),
        (OP.ENTERPRISE_VIEW, 3, False),  # no authorisation at all
        (OP.LEDGER_WRITE, 1, True),
        (OP.MONITORING_WRITE, 1, True),
        (OP.REPORT_WRITE, 1, False),  # enterprise 1 authorised ledger and monitoring, not reports
        (OP.REPORT_WRITE, 2, True),
        (OP.LEDGER_VIEW, 2, True),  # reports are pre-filled from the ledger: reading it is part of filing
        (OP.LEDGER_WRITE, 2, False),
        (OP.PERMIT_DECIDE, 1, False),
        (OP.ENTERPRISE_EDIT, 1, False),
        (OP.PROBLEM_VIEW, 2, True),  # the agency filing a unit's reports follows its rectification items
        (OP.RECTIFICATION_REPORT, 2, True),
        (OP.PROBLEM_VIEW, 1, False),  # ledger and monitoring only
        (OP.RECTIFICATION_REPORT, 1, False),
        (OP.INSPECTION_VIEW, 2, False),
        (OP.CASE_VIEW, 2, False),
        (OP.STANDING_VIEW, 2, False),
    ],
)
def test_an_agency_acts_only_within_the_scopes_it_was_authorised_for(operation, enterprise_id, expected):
    assert can(AGENCY, operation, Target(enterprise_id=enterprise_id, region_code=REGION)) is expected


def test_an_agency_sees_its_own_records_only():
    assert can(AGENCY, OP.AGENCY_OWN, Target(agency_id=7))
    assert not can(AGENCY, OP.AGENCY_OWN, Target(agency_id=8))


def test_an_agency_sees_all_its_work_and_regulators_the_work_in_their_jurisdiction():
    former_client = Target(agency_id=7, enterprise_id=99, region_code="370102")  # no authorisation today
    assert can(AGENCY, OP.AGENCY_WORK_VIEW, former_client)
    assert not can(AGENCY, OP.AGENCY_WORK_VIEW, Target(agency_id=8, enterprise_id=1, region_code=REGION))
    regulator = make_actor(Role.ECOLOGY)
    assert can(regulator, OP.AGENCY_WORK_VIEW, Target(agency_id=8, enterprise_id=5, region_code=REGION))
    assert not can(regulator, OP.AGENCY_WORK_VIEW, former_client)
