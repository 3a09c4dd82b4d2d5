"""A small generated city for the leaders' statistics: three districts of Shanghai, two industries,
permits in and out of force, problems open, overdue and closed, cases with fines, grades, the positive
list, renewal applications on time and late, monthly reports with their emissions; one unit of Jinan
that no Shanghai figure may count."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import china_midnight, today
from domain.enterprises.models import Enterprise
from domain.permits.models import Permit, PermitApplication
from domain.reports.models import ExecutionReport, ReportSubmission
from domain.supervision.cases.models import EnforcementCase
from domain.supervision.grading.models import GradeDecision
from domain.supervision.problems.models import Problem, RectificationItem
from domain.supervision.standing.models import PositiveListEntry
from tests.factories import make_enterprise, make_permit

DISTRICTS = ("310107", "310110", "310112")
INDUSTRIES = ("2614", "1713")
_receipts = itertools.count(1)


@dataclass
class City:
    enterprises: list[Enterprise] = field(default_factory=list)
    permits: list[Permit] = field(default_factory=list)
    outsider: Enterprise | None = None


def _problem(unit: Enterprise, permit: Permit, raised: datetime, **values: object) -> Problem:
    return Problem(
        enterprise_id=unit.id,
        permit_id=permit.id,
        region_code=unit.region_code,
        industry_code=unit.industry_code,
        source_kind="manual",
        source_ref=f"test-{next(_receipts)}",
        title="雨水排放口未规范设置",
        description="现场检查发现",
        legal_basis="《排污许可管理条例》第三十四条",
        evidence="现场照片",
        department="enforcement",
        raised_by="tester",
        raised_at=raised,
        **values,
    )


async def build_city(session: AsyncSession) -> City:
    city = City()
    on = today()
    this_month = china_midnight(on.replace(day=1)) + timedelta(hours=1)
    last_year = china_midnight(on.replace(year=on.year - 1, month=6, day=1))
    for index, (region, industry) in enumerate(itertools.product(DISTRICTS, INDUSTRIES)):
        unit = await make_enterprise(
            session,
            region_code=region,
            industry_code=industry,
            management_category="key" if index % 2 == 0 else "simplified",
        )
        permit = await make_permit(
            session,
            unit,
            decision_date=on.replace(year=on.year - 1, month=1, day=2).isoformat(),
            category="key" if index % 2 == 0 else "simplified",
            content={**_content(), "report_kinds": ["monthly", "annual"]},
        )
        city.enterprises.append(unit)
        city.permits.append(permit)
        if index == 5:
            permit.status = "revoked"
            session.add(permit)
        # Problems: one open and overdue, one open within its deadline, one closed this month, one
        # closed last year (outside this year's period).
        overdue = _problem(unit, permit, last_year, state="rectifying")
        current = _problem(unit, permit, this_month, state="rectifying")
        closed = _problem(
            unit, permit, last_year, state="closed", closed_at=this_month + timedelta(days=index)
        )
        old = _problem(unit, permit, last_year, state="closed", closed_at=last_year + timedelta(days=3))
        session.add_all([overdue, current, closed, old])
        await session.flush()
        session.add_all(
            [
                RectificationItem(
                    problem_id=overdue.id,
                    measures="规范设置",
                    deadline=on - timedelta(days=5),
                    responsible_person="王伟",
                    created_by="tester",
                ),
                RectificationItem(
                    problem_id=current.id,
                    measures="规范设置",
                    deadline=on + timedelta(days=30),
                    responsible_person="王伟",
                    created_by="tester",
                ),
            ]
        )
        session.add(
            EnforcementCase(
                region_code=unit.region_code,
                enterprise_id=unit.id,
                unit_name=unit.name,
                permit_id=permit.id,
                classification="against_permit",
                facts="超标排放",
                legal_basis="《排污许可管理条例》第三十四条",
                status="decided",
                opened_on=on.replace(day=1),
                decision="罚款",
                penalty_cents=(index + 1) * 1_000_000,
                decided_on=on.replace(day=1),
                created_by="tester",
            )
        )
        session.add(
            GradeDecision(
                year=on.year,
                region_code=unit.region_code,
                enterprise_id=unit.id,
                grade="qualified",
                proposed_grade="qualified",
                decided_by="tester",
            )
        )
        if index == 0:  # changed later: the latest decision counts
            session.add(
                GradeDecision(
                    year=on.year,
                    region_code=unit.region_code,
                    enterprise_id=unit.id,
                    grade="unqualified",
                    proposed_grade="qualified",
                    reason="复核",
                    decided_by="tester",
                )
            )
        if index % 3 != 2:
            session.add(
                PositiveListEntry(
                    enterprise_id=unit.id,
                    region_code=unit.region_code,
                    entered_on=on.replace(day=1),
                    basis="守法记录良好",
                    decided_by="tester",
                    removed_on=on.replace(day=1) if index == 1 else None,
                )
            )
        session.add(
            PermitApplication(
                permit_id=permit.id,
                kind="renewal",
                status="submitted",
                received_on=on.replace(day=1),
                accept_due=on.replace(day=1) + timedelta(days=5),
                late=index % 2 == 1,
            )
        )
        # Filed monthly reports of this year's January with their emissions.
        report = ExecutionReport(
            permit_id=permit.id,
            enterprise_id=unit.id,
            region_code=unit.region_code,
            industry_code=unit.industry_code,
            kind="monthly",
            period=f"{on.year}-01",
            period_start=on.replace(month=1, day=1),
            period_end=on.replace(month=1, day=31),
            due_date=on.replace(month=2, day=15),
            state="submitted",
            first_submitted_at=china_midnight(on.replace(month=2, day=10)),
            on_time=True,
            latest_version=1,
        )
        session.add(report)
        await session.flush()
        session.add(
            ReportSubmission(
                report_id=report.id,
                version=1,
                received_at=china_midnight(on.replace(month=2, day=10)),
                submitted_by="tester",
                content={
                    "emissions": [
                        {"outlet": "DA001", "pollutant": "SO2", "quantity_t": 1.5 + index},
                        {"outlet": "DW001", "pollutant": "COD", "quantity_t": 0.25},
                    ]
                },
                content_hash=f"{next(_receipts):064d}",
                previous_hash="0" * 64,
                receipt_number=f"STAT{next(_receipts):012d}",
                idempotency_key=f"stat-{next(_receipts)}",
            )
        )
    outsider = await make_enterprise(session, region_code="370102", industry_code="2614")
    permit = await make_permit(
        session, outsider, decision_date=on.replace(year=on.year - 1, month=1, day=2).isoformat()
    )
    session.add(_problem(outsider, permit, this_month, state="open"))
    session.add(
        PositiveListEntry(
            enterprise_id=outsider.id,
            region_code="370102",
            entered_on=on.replace(day=1),
            basis="守法记录良好",
            decided_by="tester",
        )
    )
    city.outsider = outsider
    await session.flush()
    return city


def _content() -> dict:  # type: ignore[type-arg]
    from tests.factories import permit_content

    return permit_content()
