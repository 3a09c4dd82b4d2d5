"""What the departments of a linkage task are told (PT §8: the task reaches its receivers at once and its
feedback reaches the initiator), written with the step itself (``domain.notifications.notices``)."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Role
from domain.errors import N_
from domain.notifications.notices import both, tell
from domain.supervision.departments import department_label, department_users
from domain.supervision.linkage.models import LinkageTask

KIND_SENT = "linkage_sent"
KIND_FED_BACK = "linkage_fed_back"
KIND_READY = "linkage_ready_to_archive"
KIND_ARCHIVED = "linkage_archived"


def _link(task: LinkageTask) -> str:
    return f"/linkage/{task.id}"


def _both(message: str, department: str, **params: object) -> str:
    """Chinese then English, with the department named in each language."""
    from domain.i18n import translate

    return " / ".join(
        translate(message, locale, department=department_label(department, locale), **params)
        for locale in ("zh_Hans", "en")
    )


async def task_sent(session: AsyncSession, task: LinkageTask, receivers: list[str]) -> int:
    """Each receiving department's people: a task from another department, about a unit, due on a day."""
    written = 0
    for receiver in receivers:
        users = await department_users(session, role=receiver, region_code=task.region_code)
        written += await tell(
            session,
            users,
            kind=KIND_SENT,
            key=f"linkage-sent:{task.id}:{receiver}",
            title=_both(
                N_("Linkage task from the {department}: {unit}"), task.department, unit=task.unit_name
            ),
            body=_both(
                N_(
                    "The {department} sent a linkage task about {unit}: {action} Receive it, execute it and "
                    "feed back by {due}."
                ),
                task.department,
                unit=task.unit_name,
                action=task.requested_action,
                due=task.due_on.isoformat(),
            ),
            link=_link(task),
        )
    return written


async def fed_back(session: AsyncSession, task: LinkageTask, department: str, result: str) -> int:
    """The initiating department: a receiver fed back."""
    users = await department_users(session, role=task.department, region_code=task.region_code)
    return await tell(
        session,
        users,
        kind=KIND_FED_BACK,
        key=f"linkage-fed-back:{task.id}:{department}",
        title=_both(N_("Linkage task {task}: the {department} fed back"), department, task=task.id),
        body=_both(
            N_("The {department} fed back on the linkage task about {unit}: {result}"),
            department,
            unit=task.unit_name,
            result=result,
        ),
        link=_link(task),
    )


async def ready_to_archive(session: AsyncSession, task: LinkageTask) -> int:
    """The permitting section: every receiver fed back, the task waits for its archive (annex 5 note 4)."""
    users = await department_users(session, role=Role.PERMITTING, region_code=task.region_code)
    return await tell(
        session,
        users,
        kind=KIND_READY,
        key=f"linkage-ready:{task.id}",
        title=both(N_("Linkage task {task} is ready to archive"), task=task.id),
        body=both(
            N_("Every department fed back on the linkage task about {unit}; archive it."), unit=task.unit_name
        ),
        link=_link(task),
    )


async def archived(session: AsyncSession, task: LinkageTask, receivers: list[str]) -> int:
    """The initiating and receiving departments: the task is archived, nothing more is asked of them."""
    written = 0
    for department in [task.department, *receivers]:
        users = await department_users(session, role=department, region_code=task.region_code)
        written += await tell(
            session,
            users,
            kind=KIND_ARCHIVED,
            key=f"linkage-archived:{task.id}:{department}",
            title=both(N_("Linkage task {task} archived"), task=task.id),
            body=both(
                N_("The linkage task about {unit} was archived by the permitting section."),
                unit=task.unit_name,
            ),
            link=_link(task),
        )
    return written
