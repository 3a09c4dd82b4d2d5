"""Telling people what happened: a notice in the notification centre and, for those with an e-mail
address, a message in the outbox, both written in the transaction of the change itself, so nobody is
told of a change that was rolled back and no change happens untold.

Texts are stored in both languages (Chinese first): a notice is written once and read by whoever opens
it, in either language. Each use case that tells someone something calls ``tell`` with its own key, so
a replay of the same change tells nobody twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import ENTERPRISE_ROLES
from domain.accounts.models import User
from domain.clock import utcnow
from domain.db import insert_rows
from domain.i18n import translate
from domain.notifications.models import Notification
from domain.notifications.outbox import NewLetter as Letter
from domain.notifications.outbox import enqueue_many
from domain.settings import get_settings


def both(message: str, **params: Any) -> str:
    """Chinese, then English: one stored text for readers of either language."""
    return f"{translate(message, 'zh_Hans', **params)} / {translate(message, 'en', **params)}"


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


@dataclass(frozen=True)
class Notice:
    """One notice to some people: ``tell_many`` writes many in two statements."""

    users: list[User]
    kind: str
    key: str
    title: str
    body: str
    link: str


async def tell(
    session: AsyncSession, users: list[User], *, kind: str, key: str, title: str, body: str, link: str
) -> int:
    """Write the notice (and the mail, when the user has an address) once per key and user; returns how
    many notices were written (``tell_many`` of one)."""
    return await tell_many(session, [Notice(users, kind, key, title, body, link)])


async def tell_many(session: AsyncSession, notices: list[Notice]) -> int:
    """Write each notice (and the mail, when the user has an address) once per key and user; returns how
    many notices were written.

    Two statements whatever the number of notices and recipients (a filing tells every person of each
    reviewing department): the notices in one INSERT that skips keys already written (a replay of the same
    change), then the mails of the notices just written, in one INSERT that skips keys already queued."""
    wanted: dict[str, tuple[User, Notice]] = {}
    for notice in notices:
        for user in notice.users:
            assert user.id is not None
            wanted.setdefault(f"{notice.key}:{user.id}"[:200], (user, notice))
    if not wanted:
        return 0
    now = utcnow()
    written = await insert_rows(
        session,
        Notification.__table__,  # type: ignore[attr-defined]
        [
            {
                "dedupe_key": user_key,
                "user_id": user.id,
                "kind": notice.kind,
                "title": notice.title[:300],
                "body": notice.body,
                "link": notice.link,
                "emailed": bool(user.email),
                "created_at": now,
                "read_at": None,
            }
            for user_key, (user, notice) in wanted.items()
        ],
        returning=("dedupe_key",),
        unless_present=("dedupe_key",),
    )
    fresh = {row[0] for row in written}
    base = get_settings().base_url.rstrip("/")
    await enqueue_many(
        session,
        [
            Letter(
                dedupe_key=user_key,
                kind=notice.kind,
                to_address=user.email,
                subject=notice.title[:300],
                body_text=f"{notice.body}\n\n{base + notice.link}\n",
                body_html=f'<p>{escape(notice.body)}</p><p><a href="{escape(base + notice.link)}">'
                f"{escape(base + notice.link)}</a></p>",
                recipient_user_id=user.id,
            )
            for user_key, (user, notice) in wanted.items()
            if user_key in fresh and user.email
        ],
        now=now,
    )
    return len(fresh)


async def _unit_users(session: AsyncSession, enterprise_id: int) -> list[User]:
    """The unit's own active users."""
    statement = select(User).where(
        User.enterprise_id == enterprise_id,
        col(User.is_active).is_(True),
        col(User.role).in_([r.value for r in ENTERPRISE_ROLES]),
    )
    return list((await session.exec(statement)).all())


async def notify_unit(
    session: AsyncSession, *, enterprise_id: int, kind: str, key: str, title: str, text: str, link: str
) -> int:
    """Tell every active user of a unit something that happened to its permit (a notice, and mail where
    the user has an address), in the caller's transaction; ``key`` makes it once per recipient."""
    users = await _unit_users(session, enterprise_id)
    return await tell(session, users, kind=kind, key=key, title=title, body=text, link=link)
