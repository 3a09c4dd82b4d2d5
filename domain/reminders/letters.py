"""What reminders and digests are written with: the letters' templates (web_templates/emails), the count
of what a run wrote, and ``notify``, which writes one reminder once per key (a notice, and the letter when
the user wants e-mail of its kind)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.accounts.models import User
from domain.i18n import translate
from domain.notifications.models import Notification, NotificationPreference
from domain.notifications.outbox import enqueue
from domain.permits.law import renewal_deadline
from domain.permits.models import Permit


def renewal_basis(permit: Permit) -> dict[str, str]:
    """The article and rule set of the permit's renewal deadline, in both languages of the letter."""
    assert permit.valid_until is not None
    basis = renewal_deadline(permit.valid_until, permit.decision_date).basis
    days = basis.days or 0
    return {
        "basis_zh": translate(basis.article, "zh_Hans"),
        "basis_en": translate(basis.article, "en"),
        "rule_set_zh": translate(basis.rule_set_name, "zh_Hans"),
        "rule_set_en": translate(basis.rule_set_name, "en"),
        "lead_zh": f"前第 {days} 个工作日" if basis.working else f" {days} 日前",
        "lead_en": f"{days} working days before expiry"
        if basis.working
        else f"at least {days} days before expiry",
    }


TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(Path(__file__).resolve().parents[2] / "web_templates" / "emails")),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,
)


def _renewal_basis_zh(permit: Permit) -> str:
    """Template filter: the article of a permit's renewal deadline, in Chinese (letters are bilingual)."""
    return renewal_basis(permit)["basis_zh"] if permit.valid_until else ""


TEMPLATES.filters["renewal_basis"] = _renewal_basis_zh


@dataclass
class ReminderSummary:
    notices: int = 0
    emails: int = 0
    permits: set[int] = field(default_factory=set)


async def _wants_email(session: AsyncSession, user: User, kind: str) -> bool:
    preference = (
        await session.exec(
            select(NotificationPreference).where(
                NotificationPreference.user_id == user.id, NotificationPreference.kind == kind
            )
        )
    ).first()
    return preference is None or preference.email_enabled


async def notify(
    session: AsyncSession,
    *,
    user: User,
    kind: str,
    key: str,
    title: str,
    body: str,
    link: str,
    email_text: str,
    email_html: str,
    summary: ReminderSummary,
) -> None:
    """A reminder to one user: the notice once per key, and the letter when the user has an address and
    wants e-mail of this kind; counted in ``summary``."""
    exists = (await session.exec(select(Notification.id).where(Notification.dedupe_key == key))).first()
    if exists is not None:
        return
    assert user.id is not None
    emailed = bool(user.email) and await _wants_email(session, user, kind)
    notification = Notification(
        dedupe_key=key, user_id=user.id, kind=kind, title=title, body=body, link=link, emailed=emailed
    )
    try:
        async with session.begin_nested():
            session.add(notification)
    except IntegrityError:  # a concurrent run wrote it first
        return
    summary.notices += 1
    if emailed and user.email:
        written = await enqueue(
            session,
            dedupe_key=key,
            kind=kind,
            to_address=user.email,
            subject=title,
            body_text=email_text,
            body_html=email_html,
            recipient_user_id=user.id,
        )
        if written is not None:
            summary.emails += 1
