"""Last year's grading of the Putuo permit holders (PT §4, annex 2), decided by the permitting section
through the use case: every proposal confirmed, except that excellent goes only to as many units as the
cap allows (the rest qualified, with that reason); units with a ground stay unqualified."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor
from domain.clock import today
from domain.supervision.grading import queries, service
from domain.supervision.grading.rules import Grade

CAPPED = "优秀名额已满（不超过上年度持证单位总数的10%），评为合格。"


async def grade_last_year(session: AsyncSession, grader: Actor) -> int:
    """Decide last year's grades for the district; returns how many units were graded."""
    year = today().year - 1
    grading = await queries.grading(session, grader, region_code="310107", year=year)
    excellent_left = grading.excellent_cap
    for row in grading.units:
        grade, reason = row.proposed, ""
        if grade == Grade.EXCELLENT:
            if excellent_left > 0:
                excellent_left -= 1
                reason = "记录良好，积极配合排污许可证后管理工作。"
            else:
                grade, reason = Grade.QUALIFIED, CAPPED
        await service.decide_grade(
            session,
            grader,
            year=year,
            credit_code=row.enterprise.credit_code,
            grade=grade.value,
            reason=reason,
        )
    return len(grading.units)
