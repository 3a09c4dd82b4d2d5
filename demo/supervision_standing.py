"""The demo city's positive list (正面清单): three Putuo units admitted by the legal section months ago, and
one removed by decision two years ago, so its page shows the three-year bar. Written through the use
cases, as the section's own user."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from demo.city import ENTERPRISES, Story
from domain.access import Actor
from domain.clock import today
from domain.supervision.standing import service
from domain.supervision.standing.rules import AdmissionInput

BASIS = "普陀区生态环境监督执法正面清单（{batch}），按证排污情况良好，经局务会研究决定纳入。"


async def keep_positive_list(session: AsyncSession, legal: Actor, codes: list[str]) -> int:
    """Admit the first three Putuo units with a permit in force; admit and remove a fourth. Returns how many
    units are on the list."""
    putuo = [
        code
        for item, code in zip(ENTERPRISES, codes, strict=True)
        if item.region_code == "310107" and item.story == Story.IN_FORCE
    ]
    listed, removed = putuo[:3], putuo[3:4]
    for code in listed:
        await service.admit_to_positive_list(
            session,
            legal,
            data=AdmissionInput(
                credit_code=code, entered_on=today() - timedelta(days=200), basis=BASIS.format(batch="第三批")
            ),
        )
    for code in removed:
        await service.admit_to_positive_list(
            session,
            legal,
            data=AdmissionInput(
                credit_code=code,
                entered_on=today() - timedelta(days=1100),
                basis=BASIS.format(batch="第一批"),
            ),
        )
        await service.remove_from_positive_list(
            session,
            legal,
            credit_code=code,
            removed_on=today() - timedelta(days=730),
            note="群众投诉夜间异味扰民，经查属实并已立案查处。",
        )
    return len(listed)
