"""Every table of the domain, imported in one place for Alembic and the schema checks."""

from domain.accounts.models import ApiToken, CredentialVersion, LoginAttempt, User, UserSession
from domain.agencies.models import Agency, AgencyAuthorisation, CreditEvent
from domain.api_budget import ApiBudget
from domain.audit.models import AuditEntry
from domain.base import metadata
from domain.calendar.models import HolidayYear
from domain.changes.models import ChangeEvent
from domain.enterprises.models import Enterprise, EnterpriseRevision, ProductionSite
from domain.enterprises.public_register import PublicRegisterEntry
from domain.history.models import HistoryImport
from domain.ledgers.hj212.models import MonitoringStation, MonitoringStationRevision, StationRejection
from domain.ledgers.models import Exceedance, LedgerEntry, LedgerEntryRevision, MonitoringReading
from domain.notifications.models import Notification, NotificationPreference, OutboxMessage
from domain.permits.models import (
    Permit,
    PermitApplication,
    PermitEvent,
    PermitLedgerRequirement,
    PermitLimit,
    PermitMonitoring,
    PermitOutlet,
    PermitVersion,
)
from domain.registrations.models import DischargeRegistration, RegistrationRevision
from domain.reports.models import (
    AuditFinding,
    EnforcementLead,
    ExecutionReport,
    FeedbackForm,
    FeedbackItem,
    ReportAttachment,
    ReportSubmission,
    SectionItem,
    SectionReview,
)
from domain.reports.rollup import marks as _rollup_marks  # noqa: F401  (its flush listener)
from domain.reports.rollup.models import FilingRollup, FilingRollupMark, FilingRollupState
from domain.supervision.cases.models import CaseDocument, CaseStep, EnforcementCase, LeadDecision
from domain.supervision.credit.models import UnitCreditEvent
from domain.supervision.grading.models import GradeDecision
from domain.supervision.inspections.models import (
    InspectionDraw,
    InspectionDrawPick,
    InspectionItem,
    InspectionPlanLine,
    InspectionRecord,
)
from domain.supervision.linkage.models import LinkageReceiver, LinkageStep, LinkageTask
from domain.supervision.problems.models import (
    Problem,
    RectificationAttachment,
    RectificationItem,
    RectificationStep,
)
from domain.supervision.quality.models import (
    QualityAudit,
    QualityCampaign,
    QualityCheck,
    QualityCheckItem,
    QualityFindingRow,
)
from domain.supervision.standing.models import PositiveListEntry, YellowCard
from domain.webhooks.models import WebhookDelivery, WebhookEndpoint

__all__ = [
    "ApiBudget",
    "WebhookDelivery",
    "WebhookEndpoint",
    "QualityAudit",
    "QualityCampaign",
    "QualityCheck",
    "QualityCheckItem",
    "QualityFindingRow",
    "GradeDecision",
    "PositiveListEntry",
    "UnitCreditEvent",
    "YellowCard",
    "HistoryImport",
    "HolidayYear",
    "InspectionDraw",
    "InspectionDrawPick",
    "InspectionItem",
    "InspectionPlanLine",
    "InspectionRecord",
    "Agency",
    "AgencyAuthorisation",
    "CreditEvent",
    "ApiToken",
    "CredentialVersion",
    "AuditEntry",
    "ChangeEvent",
    "AuditFinding",
    "EnforcementLead",
    "ExecutionReport",
    "FeedbackForm",
    "FeedbackItem",
    "ReportAttachment",
    "ReportSubmission",
    "SectionItem",
    "SectionReview",
    "Enterprise",
    "EnterpriseRevision",
    "ProductionSite",
    "PublicRegisterEntry",
    "Exceedance",
    "LedgerEntry",
    "LedgerEntryRevision",
    "LoginAttempt",
    "UserSession",
    "MonitoringReading",
    "MonitoringStation",
    "MonitoringStationRevision",
    "StationRejection",
    "Notification",
    "NotificationPreference",
    "OutboxMessage",
    "DischargeRegistration",
    "RegistrationRevision",
    "Permit",
    "PermitApplication",
    "PermitEvent",
    "PermitLedgerRequirement",
    "PermitLimit",
    "PermitMonitoring",
    "PermitOutlet",
    "PermitVersion",
    "Problem",
    "RectificationAttachment",
    "RectificationItem",
    "RectificationStep",
    "User",
    "LinkageTask",
    "LinkageReceiver",
    "LinkageStep",
    "LeadDecision",
    "EnforcementCase",
    "CaseStep",
    "CaseDocument",
    "FilingRollup",
    "FilingRollupMark",
    "FilingRollupState",
    "metadata",
]
