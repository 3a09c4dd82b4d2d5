"""What a permit's stored rows say, as pure functions: whose it is (its access target), whether an
application is open, waits for missing materials, or counts as accepted (docs/domain-rules.md).

No session and no I/O; both the use cases (``service``) and the reads (``queries``) ask here.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import col

from domain.access import Target
from domain.access.sql import TargetColumns
from domain.permits.models import Permit, PermitApplication
from domain.permits.rules import ApplicationStatus


def target_of(permit: Permit) -> Target:
    return Target(enterprise_id=permit.enterprise_id, region_code=permit.region_code)


# The same target as columns, for the SQL form of can() in lists (domain.access.sql.allowed): a permit
# belongs to its unit and to the region of its site.
TARGET_COLUMNS = TargetColumns(enterprise_id=col(Permit.enterprise_id), region_code=col(Permit.region_code))


OPEN_APPLICATION_STATUSES = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.GRANTED,
)


def acceptance_clock_start(application: PermitApplication) -> date:
    """The acceptance period runs from receipt, or anew from the day the complete materials arrived."""
    return application.materials_completed_on or application.received_on


def waiting_for_materials(application: PermitApplication) -> bool:
    """The authority asked for missing materials (补正告知) and the unit has not supplied them yet."""
    return (
        application.status == ApplicationStatus.SUBMITTED
        and application.completion_requested_on is not None
        and application.materials_completed_on is None
    )


def deemed_accepted(application: PermitApplication, on: date) -> bool:
    """M48 §27, Reg art. 9 (4): the acceptance period passed with no decision and no request for missing
    materials: the application counts as accepted and can no longer be refused as not accepted."""
    return (
        application.status == ApplicationStatus.SUBMITTED
        and not waiting_for_materials(application)
        and on > application.accept_due
    )
