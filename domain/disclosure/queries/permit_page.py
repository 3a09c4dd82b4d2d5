"""One disclosed permit and one of its outlets (the page an outlet's QR code opens), as anyone reads them:
the original as issued, the public parts of the copy, the public announcements. Reads only; what is
disclosed is decided in ``permits``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import today
from domain.disclosure.queries.permits import IMPORT_NOTE, ORIGINAL_FIELDS, disclosed, split_cancellation_note
from domain.enterprises.models import Enterprise
from domain.errors import N_, NotFound
from domain.permits import law, rules
from domain.permits.content import PermitContent, content_from_dict
from domain.permits.law import Basis
from domain.permits.models import (
    Permit,
    PermitEvent,
    PermitLimit,
    PermitMonitoring,
    PermitOutlet,
    PermitVersion,
)
from domain.permits.reference import MonitoringMethod
from domain.permits.rules import PermitStatus, normal_number
from domain.supervision.cases.queries import PublicPenalty, outlet_penalties, public_penalties
from domain.supervision.grading.queries import grades_of_unit
from domain.supervision.standing.service import current_entry


@dataclass(frozen=True)
class Announcement:
    """A public announcement of a state change (M48 §32, §45, §48-51)."""

    kind: str
    effective_on: date
    announced_at: datetime
    note: str
    note_is_message: bool = False  # the note is a message id, to be translated
    ground: str | None = None  # the ground of a cancellation (M48 §50)


def _announcement(event: PermitEvent) -> Announcement:
    ground, note = split_cancellation_note(event.note) if event.kind == "cancelled" else (None, event.note)
    return Announcement(
        kind=event.kind,
        effective_on=event.effective_on,
        announced_at=event.occurred_at,
        note=note,
        note_is_message=note == IMPORT_NOTE,
        ground=ground,
    )


@dataclass(frozen=True)
class PublicPermit:
    """A permit as the public reads it: the original, the public parts of the copy, the announcements."""

    number: str
    status: str
    category: str
    issuing_authority: str
    region_code: str
    industry_code: str
    renewed: bool
    decision_date: date | None
    valid_from: date | None
    valid_until: date | None
    validity_cut_reason: str
    unit: dict[str, str]  # the original's basic information (ORIGINAL_FIELDS only)
    # The copy's sections from PermitContent.public_dict(): a section the unit marked as commercial
    # secret is None and must not be shown.
    sections: dict[str, Any]
    withheld: list[str]
    announcements: list[Announcement] = field(default_factory=list)
    # The unit's closed cases with a penalty (M48 §39; AP (7)): unit, decision's day, article, fine.
    penalties: list[PublicPenalty] = field(default_factory=list)
    # The unit's annual grades in force, newest year first (PT §4: the results are published) as
    # (year, grade), and the day it entered the positive list if it is on it (JN; AP (7)).
    grades: list[tuple[int, str]] = field(default_factory=list)
    positive_list_since: date | None = None

    @property
    def in_force(self) -> bool:
        return self.status == PermitStatus.ISSUED

    @property
    def term_years(self) -> int | None:
        """Years of validity by the rule set of the decision (M48 §21, Reg art. 14)."""
        return rules.term_years(self.decision_date, self.renewed) if self.decision_date else None

    @property
    def term_basis(self) -> Basis | None:
        return law.term_years(self.decision_date, self.renewed)[1] if self.decision_date else None

    def monitoring_at(self, code: str) -> list[dict[str, Any]]:
        return [item for item in self.sections.get("monitoring") or [] if item["point"] == code]

    def special_limits_at(self, code: str) -> list[dict[str, Any]]:
        return [item for item in self.sections.get("special_period_limits") or [] if item["point"] == code]


async def _public_permit_row(session: AsyncSession, number: str) -> tuple[Permit, Enterprise]:
    found = (
        await session.exec(
            select(Permit, Enterprise)
            .join(Enterprise, col(Enterprise.id) == col(Permit.enterprise_id))
            .where(Permit.number == normal_number(number), *disclosed())
        )
    ).first()
    if found is None:
        raise NotFound(N_("No permit with this number."), field="number")
    return found[0], found[1]


def _original(version: PermitVersion | None, enterprise: Enterprise) -> dict[str, str]:
    """The unit as the original shows it: the basic information recorded at the decision."""
    recorded = version.basic_info if version is not None else {}
    current = enterprise.snapshot()
    return {name: str(recorded.get(name) or current.get(name) or "") for name in ORIGINAL_FIELDS}


async def public_permit(session: AsyncSession, *, number: str) -> PublicPermit:
    """One disclosed permit by its number; NotFound for an unknown or undisclosed one."""
    permit, enterprise = await _public_permit_row(session, number)
    version = (
        await session.exec(
            select(PermitVersion).where(
                PermitVersion.permit_id == permit.id, PermitVersion.version == permit.content_version
            )
        )
    ).first()
    content = content_from_dict(version.content) if version is not None else PermitContent()
    sections = content.public_dict()
    events = (
        await session.exec(
            select(PermitEvent)
            .where(PermitEvent.permit_id == permit.id, col(PermitEvent.public).is_(True))
            .order_by(col(PermitEvent.occurred_at).desc(), col(PermitEvent.id).desc())
        )
    ).all()
    assert permit.number is not None
    return PublicPermit(
        number=permit.number,
        status=rules.display_status(permit.status, permit.valid_until, today()),
        category=permit.category,
        issuing_authority=permit.issuing_authority,
        region_code=permit.region_code,
        industry_code=permit.industry_code,
        renewed=permit.renewed,
        decision_date=permit.decision_date,
        valid_from=permit.valid_from,
        valid_until=permit.valid_until,
        validity_cut_reason=permit.validity_cut_reason,
        unit=_original(version, enterprise),
        sections=sections,
        withheld=[name for name, value in sections.items() if value is None],
        announcements=[_announcement(event) for event in events],
        penalties=await public_penalties(session, enterprise_id=permit.enterprise_id),
        grades=[(d.year, d.grade) for d in await grades_of_unit(session, permit.enterprise_id)],
        positive_list_since=await _listed_since(session, permit.enterprise_id),
    )


async def _listed_since(session: AsyncSession, enterprise_id: int) -> date | None:
    entry = await current_entry(session, enterprise_id)
    return entry.entered_on if entry is not None else None


@dataclass(frozen=True)
class EnforcementRecord:
    """An entry of an outlet's public enforcement history: its date, its kind (``inspection`` or
    ``monitoring``: an inspection record of the outlet's permit; ``penalty``: a closed case with a penalty,
    M48 §39) and what came of it (article and fine; for an inspection, a message id with the checklist
    items it found failed in ``findings``); never who handled it."""

    on: date
    kind: str
    result: str
    reference: str = ""
    findings: tuple[str, ...] = ()


def _penalty_record(penalty: PublicPenalty) -> EnforcementRecord:
    parts = [penalty.legal_basis]
    if penalty.penalty_yuan is not None:
        parts.append(f"¥{penalty.penalty_yuan:,.2f}")
    if penalty.case_number:
        parts.append(penalty.case_number)
    return EnforcementRecord(on=penalty.decided_on, kind="penalty", result=" · ".join(parts))


async def outlet_enforcement_history(
    session: AsyncSession, *, permit_number: str, outlet_code: str
) -> list[EnforcementRecord]:
    """Inspections and penalties concerning an outlet, one dated list of entries of each kind, newest first
    (JN: the outlet's QR page shows its enforcement history). Penalties: closed cases with a penalty that
    name the outlet (``domain.supervision.cases.queries.outlet_penalties``). Inspections: an inspection
    covers the whole site, so every inspection of the outlet's permit; of it the day, the kind and which
    checklist items failed are public (M48 §39; AP (7)), never the inspectors' notes
    (``domain.supervision.inspections.queries.records.public_inspections_of_permit``)."""
    from domain.supervision.inspections.queries.records import public_inspections_of_permit

    records = [
        _penalty_record(penalty)
        for penalty in await outlet_penalties(session, permit_number=permit_number, outlet_code=outlet_code)
    ]
    permit = (await session.exec(select(Permit).where(Permit.number == permit_number))).first()
    if permit is not None and permit.id is not None:
        records += [
            EnforcementRecord(
                on=found.on,
                kind="inspection" if found.kind == "enforcement" else "monitoring",
                result=N_("{n} findings") if found.findings else N_("No finding"),
                reference=found.reference,
                findings=tuple(found.findings),
            )
            for found in await public_inspections_of_permit(session, permit_id=permit.id)
        ]
    return sorted(records, key=lambda record: record.on, reverse=True)


@dataclass(frozen=True)
class PublicOutlet:
    """What an outlet's sign discloses: permitted concentrations and quantities, monitoring, history."""

    permit_number: str
    permit_status: str
    unit_name: str
    credit_code: str
    category: str
    issuing_authority: str
    valid_until: date | None
    outlet: PermitOutlet
    limits: list[PermitLimit]
    monitoring: list[PermitMonitoring]
    special_limits: list[dict[str, Any]]
    enforcement_history: list[EnforcementRecord]

    @property
    def automatically_monitored(self) -> list[str]:
        """Pollutants the permit requires to be monitored automatically at this outlet."""
        return [item.pollutant for item in self.monitoring if item.method == MonitoringMethod.AUTOMATIC]


async def public_outlet(session: AsyncSession, *, number: str, code: str) -> PublicOutlet:
    """One outlet (not a fugitive source) of a disclosed permit's current version."""
    permit, enterprise = await _public_permit_row(session, number)
    code = normal_number(code)
    where = (PermitOutlet.permit_id == permit.id, PermitOutlet.version == permit.content_version)
    outlet = (
        await session.exec(
            select(PermitOutlet).where(
                *where, PermitOutlet.code == code, col(PermitOutlet.is_fugitive).is_(False)
            )
        )
    ).first()
    if outlet is None:
        raise NotFound(N_("This permit has no outlet with this code."), field="code")
    limits = (
        await session.exec(
            select(PermitLimit)
            .where(
                PermitLimit.permit_id == permit.id,
                PermitLimit.version == permit.content_version,
                PermitLimit.point_code == code,
            )
            .order_by(col(PermitLimit.id))
        )
    ).all()
    monitoring = (
        await session.exec(
            select(PermitMonitoring)
            .where(
                PermitMonitoring.permit_id == permit.id,
                PermitMonitoring.version == permit.content_version,
                PermitMonitoring.point_code == code,
            )
            .order_by(col(PermitMonitoring.id))
        )
    ).all()
    version = (
        await session.exec(
            select(PermitVersion).where(
                PermitVersion.permit_id == permit.id, PermitVersion.version == permit.content_version
            )
        )
    ).first()
    special: list[dict[str, Any]] = []
    if version is not None:
        sections = content_from_dict(version.content).public_dict()
        special = [item for item in sections.get("special_period_limits") or [] if item["point"] == code]
    assert permit.number is not None
    return PublicOutlet(
        permit_number=permit.number,
        permit_status=rules.display_status(permit.status, permit.valid_until, today()),
        unit_name=str(version.basic_info.get("name") if version else "") or enterprise.name,
        credit_code=enterprise.credit_code,
        category=permit.category,
        issuing_authority=permit.issuing_authority,
        valid_until=permit.valid_until,
        outlet=outlet,
        limits=list(limits),
        monitoring=list(monitoring),
        special_limits=special,
        enforcement_history=await outlet_enforcement_history(
            session, permit_number=permit.number, outlet_code=code
        ),
    )
