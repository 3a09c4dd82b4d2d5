"""A unit's trail: everything done for one unit, by whom, for whom, when (issue 17).

Every write names the unit it concerns in its audit entry (``domain.audit.service.record`` asks each
writer for it), so the trail of a unit is one indexed list: its ledger and readings, reports and their
review, permit applications, registrations, agency authorisations, problems and rectification,
inspections, cases, standing and grading, and its own accounts. The unit's administrator reads it, as
do the regulators of its jurisdiction and the system administrator (``Operation.UNIT_AUDIT_VIEW``).

People read names: the doer's name and role, the agency's name where an agency acted for the unit, what
was done and to what kind of record, and the recorded values of the fields that have a label (row ids,
hashes of pools and internal keys are not shown).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, Role, can
from domain.access.sql import TargetColumns, allowed
from domain.accounts.models import User
from domain.agencies.labels import STATUS_LABELS as AGENCY_STATUS_LABELS
from domain.agencies.models import Agency
from domain.audit.labels import FIELD_LABELS
from domain.audit.models import AuditEntry
from domain.enterprises.models import Enterprise
from domain.enterprises.queries import find_enterprise
from domain.enterprises.targets import target_of
from domain.errors import N_, NotFound
from domain.permits.labels import APPLICATION_STATUS_LABELS
from domain.permits.labels import STATUS_LABELS as PERMIT_STATUS_LABELS
from domain.registrations.labels import REGISTRATION_STATUS_LABELS
from domain.reports.departments import SECTION_LABELS
from domain.supervision.cases.rules import STATUS_LABELS as CASE_STATUS_LABELS
from domain.supervision.grading.rules import GRADE_LABELS
from domain.supervision.problems.rules import METHOD_LABELS, OUTCOME_LABELS

PAGE = 50
AGENCY_TAG = "agency:"
# Objects whose reference is a number people use and may quote (a permit's or a registration's number,
# an inspection's reference); other objects are named by their kind alone.
QUOTED_REFERENCES = frozenset({"permit", "discharge_registration", "inspection_record", "enterprise"})
VALUE_LIMIT = 200
# Recorded values that are codes, shown by their names: a message to translate, or a department (a role).
VALUE_MESSAGES: dict[str, dict[str, str]] = {
    "section": SECTION_LABELS,
    "grade": {str(grade): label for grade, label in GRADE_LABELS.items()},
    "method": METHOD_LABELS,
    "outcome": OUTCOME_LABELS,
}
# A record's status is named by the kind of record it belongs to.
STATUS_MESSAGES: dict[str, dict[str, str]] = {
    "permit": {str(status): label for status, label in PERMIT_STATUS_LABELS.items()},
    "permit_application": {str(status): label for status, label in APPLICATION_STATUS_LABELS.items()},
    "agency": AGENCY_STATUS_LABELS,
    "enforcement_case": CASE_STATUS_LABELS,
    "exceedance": {"open": N_("Awaiting explanation"), "explained": N_("Explained")},
    "discharge_registration": REGISTRATION_STATUS_LABELS,
}
ROLE_VALUES = frozenset({"department"})
# Labelled fields whose recorded values are internal keys with no name to show: left out of the trail.
UNSHOWN = frozenset({"source", "kind", "state"})
TEXT, MESSAGE, ROLE = "text", "message", "role"


@dataclass(frozen=True)
class TrailEntry:
    id: int
    occurred_at: datetime
    doer: str  # the person's display name, else the account name
    doer_role: str | None  # a role code, named by the face
    agency_name: str | None  # the service agency the doer acted for the unit as, by name
    on_behalf_of: str | None  # any other on-behalf-of tag, as recorded
    channel: str
    action: str
    object_type: str
    reference: str | None
    # (field key with a label, value before (None when first set), value after, how to show the values:
    # TEXT as is, MESSAGE translated, ROLE named)
    changes: tuple[tuple[str, str | None, str, str], ...]


@dataclass(frozen=True)
class TrailPage:
    enterprise: Enterprise
    entries: list[TrailEntry]
    older: int | None  # the ``before`` of the next page, None on the last


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    text = "、".join(_shown(item) for item in value) if isinstance(value, list | tuple) else str(value)
    return text if len(text) <= VALUE_LIMIT else text[: VALUE_LIMIT - 1] + "…"


def _names(key: str, object_type: str) -> dict[str, str] | None:
    if key == "status":
        return STATUS_MESSAGES.get(object_type)
    return VALUE_MESSAGES.get(key)


def _value(key: str, value: Any, object_type: str) -> tuple[str, str]:
    if key in ROLE_VALUES and value in {role.value for role in Role}:
        return value, ROLE
    names = _names(key, object_type)
    if names is not None and isinstance(value, str) and value in names:
        return names[value], MESSAGE
    return _shown(value), TEXT


def _changes(
    object_type: str, before: dict[str, Any] | None, after: dict[str, Any] | None
) -> tuple[tuple[str, str | None, str, str], ...]:
    """The recorded values people can read: a value set (after), or changed (before → after), both
    named the same way when the two are codes with names (a status, a grade...)."""
    before, after = before or {}, after or {}
    shown: list[tuple[str, str | None, str, str]] = []
    for key in [*after, *(key for key in before if key not in after)]:
        if key not in FIELD_LABELS or key in UNSHOWN:
            continue
        if key in after and before.get(key) in (None, ""):
            shown.append((key, None, *_value(key, after[key], object_type)))
            continue
        old, old_how = _value(key, before.get(key), object_type)
        new, new_how = _value(key, after[key], object_type) if key in after else ("—", TEXT)
        if old_how == new_how or new == "—":
            shown.append((key, old, new, old_how))
        else:  # one side named, the other not: both as text
            shown.append((key, _shown(before.get(key)), _shown(after.get(key)), TEXT))
    return tuple(shown)


def may_read_trail(actor: Actor, enterprise: Enterprise) -> bool:
    return can(actor, Operation.UNIT_AUDIT_VIEW, target_of(enterprise))


async def unit_trail(
    session: AsyncSession, actor: Actor, *, credit_code: str, before: int | None = None, limit: int = PAGE
) -> TrailPage:
    """The newest ``limit`` entries of the unit's trail after entry ``before`` in time order (keyset: stable
    while new entries arrive). Someone who may not read it is told the unit does not exist."""
    enterprise = await find_enterprise(session, credit_code)
    if enterprise is None or not may_read_trail(actor, enterprise):
        raise NotFound(N_("No enterprise with this credit code."), field="credit_code")
    statement = (
        select(AuditEntry, User.display_name)
        .join(Enterprise, col(Enterprise.id) == col(AuditEntry.enterprise_id))
        .outerjoin(User, col(User.id) == col(AuditEntry.actor_user_id))
        .where(
            col(AuditEntry.enterprise_id) == enterprise.id,
            allowed(
                actor,
                Operation.UNIT_AUDIT_VIEW,
                TargetColumns(enterprise_id=AuditEntry.enterprise_id, region_code=Enterprise.region_code),
            ),
        )
        .order_by(col(AuditEntry.occurred_at).desc(), col(AuditEntry.id).desc())
        .limit(limit + 1)
    )
    if before is not None:
        # Keyset on (time, id): entries recorded with an earlier time (imported history) sort by it, and
        # a page boundary holds while new entries arrive. An unknown ``before`` reads as the end.
        moment = select(AuditEntry.occurred_at).where(
            col(AuditEntry.id) == before, col(AuditEntry.enterprise_id) == enterprise.id
        )
        statement = statement.where(
            sa.tuple_(col(AuditEntry.occurred_at), col(AuditEntry.id))
            < sa.tuple_(moment.scalar_subquery(), before)
        )
    rows = list((await session.exec(statement)).all())
    more = len(rows) > limit
    rows = rows[:limit]
    codes = {
        entry.on_behalf_of.removeprefix(AGENCY_TAG)
        for entry, _name in rows
        if entry.on_behalf_of and entry.on_behalf_of.startswith(AGENCY_TAG)
    }
    agencies: dict[str, str] = {}
    if codes:
        found = await session.exec(
            select(Agency.credit_code, Agency.name).where(col(Agency.credit_code).in_(codes))
        )
        agencies = dict(found.all())
    entries = []
    for entry, display_name in rows:
        assert entry.id is not None
        tag = entry.on_behalf_of
        agency = tag.removeprefix(AGENCY_TAG) if tag and tag.startswith(AGENCY_TAG) else None
        entries.append(
            TrailEntry(
                id=entry.id,
                occurred_at=entry.occurred_at,
                doer=display_name or entry.actor_username or "",
                doer_role=entry.actor_role,
                agency_name=agencies.get(agency, agency) if agency else None,
                on_behalf_of=None if agency else tag,
                channel=entry.channel,
                action=entry.action,
                object_type=entry.object_type,
                reference=entry.object_id if entry.object_type in QUOTED_REFERENCES else None,
                changes=_changes(entry.object_type, entry.before, entry.after),
            )
        )
    return TrailPage(
        enterprise=enterprise, entries=entries, older=entries[-1].id if more and entries else None
    )
