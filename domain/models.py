"""Every table of the domain, imported in one place for Alembic and the schema checks."""

from domain.accounts.models import ApiToken, LoginAttempt, User
from domain.audit.models import AuditEntry
from domain.base import metadata
from domain.enterprises.models import Enterprise, EnterpriseRevision

__all__ = ["ApiToken", "AuditEntry", "Enterprise", "EnterpriseRevision", "LoginAttempt", "User", "metadata"]
