"""Who may do what: the one place both faces ask.

``can(actor, operation, target)`` answers every "may this actor do this to this
object" question; ``require`` raises the matching domain error. Both read one
table, ``rule(actor, operation)``, whose answer is a condition on the target with
a Python and a SQL form (``domain.access.conditions``); lists filter their rows
with the SQL form (``domain.access.sql.allowed``). Rules:
an enterprise's users see only their own enterprise; a regulator what its
jurisdiction covers; the administrator everything; the public only what is
disclosed. Tokens with only the ``read`` scope never write.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from domain import regions
from domain.access.conditions import (
    ALWAYS,
    NEVER,
    UNSPECIFIED,
    AgencyIs,
    Condition,
    EnterpriseIn,
    OwnerIs,
    RegionWithin,
    any_of,
)
from domain.access.targets import Target
from domain.errors import N_, NotAuthenticated, PermissionDenied


class Role(StrEnum):
    ENTERPRISE_STAFF = "enterprise_staff"
    ENTERPRISE_ADMIN = "enterprise_admin"
    AGENCY_STAFF = "agency_staff"
    PERMITTING = "permitting"  # 审批科
    ECOLOGY = "ecology"  # 生态科 (ecology / monitoring supervision)
    POLLUTION_PREVENTION = "pollution_prevention"  # 污防科
    LEGAL = "legal"  # 法制科 (legal and credit)
    ENFORCEMENT = "enforcement"  # 执法大队
    MONITORING_STATION = "monitoring_station"  # 监测站
    ADMIN = "admin"


ENTERPRISE_ROLES = frozenset({Role.ENTERPRISE_STAFF, Role.ENTERPRISE_ADMIN})
REGULATOR_ROLES = frozenset(
    {
        Role.PERMITTING,
        Role.ECOLOGY,
        Role.POLLUTION_PREVENTION,
        Role.LEGAL,
        Role.ENFORCEMENT,
        Role.MONITORING_STATION,
    }
)
ALL_ROLES = tuple(Role)

ROLE_LABELS: dict[Role, tuple[str, str]] = {
    Role.ENTERPRISE_STAFF: ("企业环保专员", "Enterprise staff"),
    Role.ENTERPRISE_ADMIN: ("企业管理员", "Enterprise administrator"),
    Role.AGENCY_STAFF: ("第三方机构人员", "Agency staff"),
    Role.PERMITTING: ("审批科", "Permitting section"),
    Role.ECOLOGY: ("生态科", "Ecology section"),
    Role.POLLUTION_PREVENTION: ("污防科", "Pollution prevention section"),
    Role.LEGAL: ("法制科", "Legal and credit section"),
    Role.ENFORCEMENT: ("执法大队", "Enforcement brigade"),
    Role.MONITORING_STATION: ("监测站", "Monitoring station"),
    Role.ADMIN: ("系统管理员", "System administrator"),
}


def role_label(role: Role | str, locale: str = "zh_Hans") -> str:
    labels = ROLE_LABELS[Role(role)]
    return labels[1] if locale == "en" else labels[0]


class Operation(StrEnum):
    VIEW_PUBLIC = "view_public"
    ENTERPRISE_LIST = "enterprise.list"
    ENTERPRISE_VIEW = "enterprise.view"
    ENTERPRISE_REGISTER = "enterprise.register"
    ENTERPRISE_EDIT = "enterprise.edit"
    USER_MANAGE = "user.manage"
    TOKEN_MANAGE_OWN = "token.manage_own"
    TOKEN_ISSUE_FOR_OTHERS = "token.issue_for_others"
    AUDIT_VIEW = "audit.view"
    # A unit's own trail (everything done for it: by whom, for whom, when): its administrator, the
    # regulators of its jurisdiction, the system administrator.
    UNIT_AUDIT_VIEW = "audit.view_unit"
    CALENDAR_MANAGE = "calendar.manage"  # load a year's published holiday schedule
    # Move monthly partitions of readings past the retention window to the archive (docs/operations.md).
    READINGS_ARCHIVE = "readings.archive"
    PERMIT_LIST = "permit.list"
    PERMIT_VIEW = "permit.view"
    PERMIT_APPLY = "permit.apply"
    PERMIT_DECIDE = "permit.decide"
    NOTIFICATIONS_OWN = "notifications.own"
    LEDGER_VIEW = "ledger.view"
    LEDGER_WRITE = "ledger.write"
    REPORT_VIEW = "report.view"
    REPORT_WRITE = "report.write"
    REPORT_REVIEW = "report.review"
    MONITORING_WRITE = "monitoring.write"
    AGENCY_REVIEW = "agency.review"
    AGENCY_REVIEW_LIST = "agency.review_list"
    AGENCY_OWN = "agency.own"
    AGENCY_AUTHORISE = "agency.authorise"
    # What an agency did for a unit (its authorisations, its traced filings): the agency's own staff see all
    # of it, former clients included; regulators what concerns their jurisdiction; the administrator all.
    AGENCY_WORK_VIEW = "agency.work_view"
    CREDIT_RECORD = "credit.record"
    SESSION_MANAGE_OWN = "session.manage_own"
    # Supervision (docs/supervision.md): the closed loop of problems, inspections, linkage tasks, cases.
    PROBLEM_VIEW = "problem.view"  # problems and rectification items of a unit
    PROBLEM_RAISE = "problem.raise"  # record a problem, require rectification
    RECTIFICATION_REPORT = "rectification.report"  # the unit reports progress on its rectification
    RECTIFICATION_VERIFY = "rectification.verify"  # verify, re-check, close (销号) or reopen
    INSPECTION_VIEW = "inspection.view"  # plans, draws, inspection records
    INSPECTION_PLAN = "inspection.plan"  # the year's plan and the double-random draws
    INSPECTION_RECORD = "inspection.record"  # an inspection or enforcement-monitoring record
    LINKAGE_VIEW = "linkage.view"  # three-supervision linkage tasks (三监联动)
    LINKAGE_WORK = "linkage.work"  # initiate, receive, execute, feed back
    LINKAGE_ARCHIVE = "linkage.archive"  # the permitting section archives a task
    CASE_VIEW = "case.view"  # enforcement cases
    CASE_MANAGE = "case.manage"  # the leads inbox, dismiss a lead, open, decide and close a case
    # Standing (issue 16): the positive list (正面清单) and yellow cards (黄牌); the list itself is public.
    STANDING_VIEW = "standing.view"  # a unit's yellow cards and its whole list history
    STANDING_MANAGE = "standing.manage"  # admit to the list, issue a yellow card, remove from the list
    GRADING_VIEW = "grading.view"  # the year's grading of permit holders (PT §4, annex 2)
    GRADING_DECIDE = "grading.decide"  # confirm or change a unit's grade
    # Enterprise environmental credit (企业环境信用, PT §3): a unit's score, level and events with their
    # sources (its public score and level are on the public page for anyone); the legal and credit section
    # records and voids events and recomputes a unit's events from its records.
    UNIT_CREDIT_VIEW = "unit_credit.view"
    UNIT_CREDIT_RECORD = "unit_credit.record"
    # Online monitoring stations (HJ 212, docs/integrators.md): register a station's MN and password for
    # an outlet, change or deactivate it. Reading stations and their refused packets is LEDGER_VIEW.
    STATION_MANAGE = "station.manage"
    # Permit quality (issue 16, the first half of 双百): the audit's findings and the hand-check campaigns
    # are read by the regulators of the jurisdiction; the permitting section runs the audit and the
    # campaigns (create, record a checklist, close). Units are not shown them: what they must fix reaches
    # them as problems.
    QUALITY_VIEW = "quality.view"
    QUALITY_CHECK = "quality.check"
    # Webhooks (docs/integrators.md): register, change, pause, rotate and replay one's own endpoints and
    # read their deliveries; an endpoint is told only what its owner may read in the change feed.
    WEBHOOK_MANAGE_OWN = "webhook.manage_own"


WRITE_OPERATIONS = frozenset(
    {
        Operation.ENTERPRISE_REGISTER,
        Operation.ENTERPRISE_EDIT,
        Operation.USER_MANAGE,
        Operation.CALENDAR_MANAGE,
        Operation.READINGS_ARCHIVE,
        Operation.TOKEN_MANAGE_OWN,
        Operation.TOKEN_ISSUE_FOR_OTHERS,
        Operation.PERMIT_APPLY,
        Operation.PERMIT_DECIDE,
        Operation.NOTIFICATIONS_OWN,
        Operation.LEDGER_WRITE,
        Operation.REPORT_WRITE,
        Operation.REPORT_REVIEW,
        Operation.MONITORING_WRITE,
        Operation.AGENCY_REVIEW,
        Operation.AGENCY_AUTHORISE,
        Operation.CREDIT_RECORD,
        Operation.SESSION_MANAGE_OWN,
        Operation.PROBLEM_RAISE,
        Operation.RECTIFICATION_REPORT,
        Operation.RECTIFICATION_VERIFY,
        Operation.INSPECTION_PLAN,
        Operation.INSPECTION_RECORD,
        Operation.LINKAGE_WORK,
        Operation.LINKAGE_ARCHIVE,
        Operation.CASE_MANAGE,
        Operation.STANDING_MANAGE,
        Operation.GRADING_DECIDE,
        Operation.UNIT_CREDIT_RECORD,
        Operation.STATION_MANAGE,
        Operation.QUALITY_CHECK,
        Operation.WEBHOOK_MANAGE_OWN,
    }
)

# Which authorisation scope lets an agency do an operation for an enterprise.
AGENCY_SCOPE_OF: dict[Operation, tuple[str, ...]] = {
    # Filing reports means reading the ledger they are pre-filled from and reconciled with.
    Operation.LEDGER_VIEW: ("ledger", "self_monitoring", "facility_operation", "reports"),
    Operation.LEDGER_WRITE: ("ledger", "facility_operation"),
    Operation.MONITORING_WRITE: ("self_monitoring",),
    Operation.REPORT_VIEW: ("reports",),
    Operation.REPORT_WRITE: ("reports",),
    # An agency that files a unit's reports also sees and reports on its rectification items.
    Operation.PROBLEM_VIEW: ("reports",),
    Operation.RECTIFICATION_REPORT: ("reports",),
}


@dataclass(frozen=True)
class Actor:
    """Whoever is acting: a user (through the portal, a token or the CLI) or the public."""

    user_id: int | None = None
    username: str | None = None
    role: Role | None = None
    enterprise_id: int | None = None
    agency_id: int | None = None
    region_code: str | None = None
    scopes: frozenset[str] = field(default_factory=lambda: frozenset({"read", "write"}))
    # For agency staff: (enterprise id, scope) pairs of the agency's authorisations in force today.
    authorisations: frozenset[tuple[int, str]] = field(default_factory=frozenset)
    channel: str = "portal"
    on_behalf_of: str | None = None
    request_id: str | None = None
    # The portal session the request came with (server-side record), so "end my other sessions" knows it.
    session_id: int | None = None

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None or self.channel == "cli"

    @property
    def is_regulator(self) -> bool:
        return self.role in REGULATOR_ROLES

    @property
    def is_enterprise_user(self) -> bool:
        return self.role in ENTERPRISE_ROLES

    @property
    def is_agency_staff(self) -> bool:
        return self.role == Role.AGENCY_STAFF

    @property
    def is_unit_side(self) -> bool:
        """The unit's own staff or an agency's: the side that keeps ledgers and files reports (and sees
        drafts), as against regulators and the public."""
        return self.is_enterprise_user or self.is_agency_staff

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


ANONYMOUS = Actor(channel="public", scopes=frozenset({"read"}))


def operator(username: str = "cli") -> Actor:
    """The operator running the CLI on the server: acts as the system administrator."""
    return Actor(username=username, role=Role.ADMIN, channel="cli")


def jurisdiction(actor: Actor) -> Condition:
    """The regions the actor's jurisdiction covers (a regulator's region and everything under it)."""
    return jurisdiction_of(actor.region_code)


def jurisdiction_of(region_code: str | None) -> Condition:
    """The regions a jurisdiction covers: the region and everything under it (nothing for none)."""
    if region_code is None:
        return NEVER
    return RegionWithin(regions.significant_prefix(region_code))


def _own_enterprise(actor: Actor) -> Condition:
    return NEVER if actor.enterprise_id is None else EnterpriseIn(frozenset({actor.enterprise_id}))


def _authorised(actor: Actor, scopes: tuple[str, ...] | None = None) -> Condition:
    """An agency acts for an enterprise only within an authorisation in force (scope and window: the
    actor carries the authorisations in force today)."""
    if not actor.is_agency_staff:
        return NEVER
    ids = frozenset(e for e, s in actor.authorisations if e is not None and (scopes is None or s in scopes))
    return EnterpriseIn(ids) if ids else NEVER


def _enterprise_scoped(actor: Actor) -> Condition:
    """Own enterprise for its users; jurisdiction for regulators; all for the administrator; an agency's
    authorised clients (any scope)."""
    if actor.is_admin:
        return ALWAYS
    if actor.is_enterprise_user:
        return _own_enterprise(actor)
    if actor.is_regulator:
        return jurisdiction(actor)
    if actor.is_agency_staff:
        return _authorised(actor)
    return NEVER


def _either(allowed: bool) -> Condition:
    return ALWAYS if allowed else NEVER


def rule(actor: Actor, operation: Operation) -> Condition:
    """Which targets the actor may do the operation to: the one table of access.

    Everything about the actor is settled here; the condition returned speaks only of the target, and
    has two forms: ``can()`` tests one target with it, a list filters its rows with its SQL form
    (``domain.access.sql.allowed``).
    """
    if operation in WRITE_OPERATIONS and "write" not in actor.scopes:
        return NEVER
    match operation:
        case Operation.VIEW_PUBLIC:
            return ALWAYS
        case Operation.ENTERPRISE_LIST | Operation.PERMIT_LIST:
            return _either(actor.is_admin or actor.is_regulator)
        case Operation.REPORT_REVIEW:
            if actor.is_admin:
                return ALWAYS
            return jurisdiction(actor) if actor.is_regulator else NEVER
        case Operation.LEDGER_WRITE | Operation.REPORT_WRITE | Operation.MONITORING_WRITE:
            # The unit keeps its own ledger (or its authorised agency, within scope); regulators only read.
            if actor.is_agency_staff:
                return _authorised(actor, AGENCY_SCOPE_OF[operation])
            return _own_enterprise(actor) if actor.is_enterprise_user else NEVER
        case Operation.AGENCY_REVIEW_LIST:
            # The legal section's review lists; their rows are the agencies it may review (AGENCY_REVIEW).
            return _either(actor.is_admin or actor.role == Role.LEGAL)
        case Operation.AGENCY_REVIEW:
            # Approve, reject, suspend: an agency registered in the section's jurisdiction (its region).
            if actor.is_admin:
                return ALWAYS
            return jurisdiction(actor) if actor.role == Role.LEGAL else NEVER
        case Operation.CREDIT_RECORD:
            if actor.is_admin:
                return ALWAYS
            return jurisdiction(actor) if actor.role in (Role.LEGAL, Role.ENFORCEMENT) else NEVER
        case Operation.AGENCY_OWN:
            if actor.is_admin or actor.is_regulator:
                return ALWAYS
            if actor.is_agency_staff and actor.agency_id is not None:
                return AgencyIs(actor.agency_id)
            return NEVER
        case Operation.AGENCY_AUTHORISE:
            return _own_enterprise(actor) if actor.role == Role.ENTERPRISE_ADMIN else NEVER
        case Operation.AGENCY_WORK_VIEW:
            if actor.is_admin:
                return ALWAYS
            if actor.is_regulator:
                return jurisdiction(actor)
            if actor.is_agency_staff and actor.agency_id is not None:
                return AgencyIs(actor.agency_id)
            return NEVER
        case Operation.LEDGER_VIEW | Operation.REPORT_VIEW:
            if actor.is_agency_staff:
                return _authorised(actor, AGENCY_SCOPE_OF[operation])
            return _enterprise_scoped(actor)
        case Operation.ENTERPRISE_VIEW | Operation.PERMIT_VIEW:
            return _enterprise_scoped(actor)
        case Operation.PERMIT_APPLY:
            if actor.role == Role.ENTERPRISE_ADMIN:
                return _own_enterprise(actor)
            if actor.is_admin:
                return ALWAYS
            return jurisdiction(actor) if actor.role == Role.PERMITTING else NEVER
        case Operation.ENTERPRISE_REGISTER | Operation.ENTERPRISE_EDIT | Operation.PERMIT_DECIDE:
            if actor.is_admin:
                return ALWAYS
            return jurisdiction(actor) if actor.role == Role.PERMITTING else NEVER
        case (
            Operation.USER_MANAGE
            | Operation.TOKEN_ISSUE_FOR_OTHERS
            | Operation.AUDIT_VIEW
            | Operation.CALENDAR_MANAGE
            | Operation.READINGS_ARCHIVE
        ):
            return _either(actor.is_admin)
        case Operation.UNIT_AUDIT_VIEW:
            if actor.role == Role.ENTERPRISE_ADMIN:
                return _own_enterprise(actor)
            if actor.is_admin:
                return ALWAYS
            return jurisdiction(actor) if actor.is_regulator else NEVER
        case Operation.PROBLEM_VIEW | Operation.RECTIFICATION_REPORT:
            # The unit (or its agency filing its reports) sees and answers its own; regulators see their
            # jurisdiction's problems but never report progress for a unit.
            if actor.is_agency_staff:
                return _authorised(actor, AGENCY_SCOPE_OF[operation])
            if actor.is_enterprise_user:
                return _own_enterprise(actor)
            if operation == Operation.RECTIFICATION_REPORT:
                return NEVER
            return _enterprise_scoped(actor)
        case (
            Operation.INSPECTION_VIEW
            | Operation.CASE_VIEW
            | Operation.STANDING_VIEW
            | Operation.GRADING_VIEW
            | Operation.UNIT_CREDIT_VIEW
        ):
            # Regulators of the jurisdiction; the unit its own inspection records and cases.
            if actor.is_agency_staff:
                return NEVER
            return _enterprise_scoped(actor)
        case (
            Operation.PROBLEM_RAISE
            | Operation.RECTIFICATION_VERIFY
            | Operation.LINKAGE_VIEW
            | Operation.LINKAGE_WORK
            | Operation.GRADING_DECIDE
        ):
            if actor.is_admin:
                return ALWAYS
            return jurisdiction(actor) if actor.is_regulator else NEVER
        case Operation.INSPECTION_PLAN:
            if actor.is_admin:
                return ALWAYS
            return jurisdiction(actor) if actor.role == Role.ENFORCEMENT else NEVER
        case Operation.INSPECTION_RECORD:
            if actor.is_admin:
                return ALWAYS
            return jurisdiction(actor) if actor.role in (Role.ENFORCEMENT, Role.MONITORING_STATION) else NEVER
        case Operation.QUALITY_VIEW:
            if actor.is_admin:
                return ALWAYS
            return jurisdiction(actor) if actor.is_regulator else NEVER
        case Operation.LINKAGE_ARCHIVE | Operation.QUALITY_CHECK:
            if actor.is_admin:
                return ALWAYS
            return jurisdiction(actor) if actor.role == Role.PERMITTING else NEVER
        case Operation.CASE_MANAGE | Operation.STANDING_MANAGE:
            if actor.is_admin:
                return ALWAYS
            return jurisdiction(actor) if actor.role in (Role.ENFORCEMENT, Role.LEGAL) else NEVER
        case Operation.UNIT_CREDIT_RECORD:
            # The legal and credit section (法制科) organises the units' credit evaluation (the seeds' §3).
            if actor.is_admin:
                return ALWAYS
            return jurisdiction(actor) if actor.role == Role.LEGAL else NEVER
        case Operation.STATION_MANAGE:
            # The unit's administrator for its own outlets; the monitoring station and the ecology section
            # (monitoring supervision) within their jurisdiction.
            if actor.is_admin:
                return ALWAYS
            if actor.role == Role.ENTERPRISE_ADMIN:
                return _own_enterprise(actor)
            if actor.role in (Role.MONITORING_STATION, Role.ECOLOGY):
                return jurisdiction(actor)
            return NEVER
        case (
            Operation.TOKEN_MANAGE_OWN
            | Operation.NOTIFICATIONS_OWN
            | Operation.SESSION_MANAGE_OWN
            | Operation.WEBHOOK_MANAGE_OWN
        ):
            # Asked in general ("may I manage my tokens?") or about one of the actor's own.
            if actor.user_id is None:
                return NEVER
            return any_of(UNSPECIFIED, OwnerIs(actor.user_id))
    return NEVER


def can(actor: Actor, operation: Operation, target: Target | None = None) -> bool:
    """May the actor do the operation to the target (None: to some object, asked in general)?"""
    return rule(actor, operation).holds(target)


def require(actor: Actor, operation: Operation, target: Target | None = None) -> None:
    """Raise unless the actor may perform the operation on the target."""
    if can(actor, operation, target):
        return
    if not actor.is_authenticated:
        raise NotAuthenticated(N_("Please log in to continue."))
    raise PermissionDenied(N_("You are not allowed to do this."), params={"operation": operation})
