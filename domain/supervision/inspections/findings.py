"""Where an inspection's findings go: each failed checklist item becomes a problem of the unit, owned by
the department that found it (the closed loop, docs/supervision.md; ``problems.service.raise_problem``),
with a rectification order at once when the record sets a deadline; a finding that the unit should hold a
permit or a registration (应发未发, 应登未登) goes back to the permitting section as a linkage task (PT §6
¶1, §8; ``linkage.service.refer_permit_finding``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Role
from domain.errors import FieldError
from domain.i18n import translate
from domain.supervision.inspections.models import InspectionRecord
from domain.supervision.inspections.rules import ChecklistItem, InspectionKind, ItemAnswer, Linkage
from domain.supervision.inspections.units import ROSTER_ROLE, Place
from domain.supervision.linkage.rules import PermitFindingInput
from domain.supervision.linkage.service import refer_permit_finding
from domain.supervision.problems.rules import ProblemInput, RectificationInput, rectification_errors
from domain.supervision.problems.service import raise_problem

# What the linkage part calls each kind of finding (domain.supervision.linkage.rules.FINDING_ACTIONS).
LINKAGE_KINDS = {Linkage.PERMIT_MISSING: "unpermitted", Linkage.REGISTRATION_MISSING: "unregistered"}


def legal_basis(kind: str, item: ChecklistItem) -> str:
    if kind == InspectionKind.MONITORING:
        return f"《普陀区排污许可证后管理实施方案》第七条（监测检查）；检查要点 {item.code}"
    if item.code.startswith("R."):
        return f"《普陀区排污许可证后管理实施方案》第六条（执法检查）排污登记单位检查；检查要点 {item.code}"
    return f"《普陀区排污许可证后管理实施方案》第六条及附件3《排污许可持证单位现场检查要点》第 {item.code} 项"


def rectification_input_errors(
    *, rectify_by: date | None, responsible_person: str, on: date
) -> list[FieldError]:
    """The record's rectification order (optional): a deadline and the unit's responsible person, both or
    neither, checked as the problems part checks them (named as the record's fields)."""
    if rectify_by is None and not responsible_person.strip():
        return []
    rename = {"deadline": "rectify_by", "responsible_person": "responsible_person"}
    found = rectification_errors(
        RectificationInput(measures="-", deadline=rectify_by, responsible_person=responsible_person), on=on
    )
    return [FieldError(rename.get(e.field or "", e.field), e.code, e.message, e.params) for e in found]


async def raise_findings(
    session: AsyncSession,
    actor: Actor,
    *,
    inspection: InspectionRecord,
    place: Place,
    failed: Sequence[ChecklistItem],
    answers: Mapping[str, ItemAnswer],
    inspector_names: Sequence[str],
    rectify_by: date | None = None,
    responsible_person: str = "",
) -> None:
    """One problem per failed item (``source_kind`` "inspection" or "monitoring", ``source_ref`` the
    record's reference and the item's code, so a replay raises nothing twice), and a linkage task per
    permit or registration finding."""
    department = ROSTER_ROLE[InspectionKind(inspection.kind)].value
    day = inspection.inspected_on.isoformat()
    evidence = f"检查记录 {inspection.reference}（{day}），检查人员：{'、'.join(inspector_names)}"
    for item in failed:
        note = answers[item.code].note.strip()
        title = f"检查发现：{translate(item.text, 'zh_Hans')}"[:200]
        rectification = (
            RectificationInput(
                measures=note, deadline=rectify_by, responsible_person=responsible_person.strip()
            )
            if rectify_by is not None
            else None
        )
        problem = await raise_problem(
            session,
            actor,
            data=ProblemInput(
                enterprise_id=place.enterprise.id or 0,
                permit_id=place.permit.id if place.permit else None,
                outlet_code=None,
                source_kind="monitoring" if inspection.kind == InspectionKind.MONITORING else "inspection",
                source_ref=f"{inspection.reference}/{item.code}",
                title=title,
                description=note,
                legal_basis=legal_basis(inspection.kind, item),
                evidence=evidence,
                department=department,
                rectification=rectification,
            ),
        )
        if item.linkage is not None and actor.role == Role.ENFORCEMENT:
            # The administrator names no initiating department; the brigade is the one that finds these.
            await refer_permit_finding(
                session,
                actor,
                data=PermitFindingInput(
                    kind=LINKAGE_KINDS[item.linkage],
                    description=f"{title}：{note}"[:1000],
                    handler=inspector_names[0] if inspector_names else (actor.username or ""),
                    responsible_person=inspector_names[1] if len(inspector_names) > 1 else "",
                    found_on=inspection.inspected_on,
                    credit_code=place.enterprise.credit_code,
                    unit_name=place.enterprise.name,
                    permit_number=place.permit.number or "" if place.permit else "",
                    source_type="inspection",
                    source_id=inspection.reference,
                    problem_id=problem.id,
                ),
            )
