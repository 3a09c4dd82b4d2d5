"""What an agency's staff are told when their right to act changes: approval, suspension, and an
authorisation granted or revoked. Each notice goes to the notification centre and, for staff with an
e-mail address, to the outbox, in the transaction of the change itself, so nobody is told of a change
that was rolled back and no change happens untold.

Texts are written in both languages (Chinese first), like the reminders: a notice is stored once and read
by whoever opens it, in either language.
"""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Role
from domain.accounts.models import User
from domain.agencies.labels import SCOPE_LABELS
from domain.agencies.models import Agency, AgencyAuthorisation
from domain.clock import today
from domain.enterprises.models import Enterprise
from domain.errors import N_
from domain.i18n import translate
from domain.notifications.notices import both as _both
from domain.notifications.notices import tell as _tell

KIND_AGENCY_STATUS = "agency_status"
KIND_AUTHORISATION = "agency_authorisation"


def _scopes(scopes: list[str], locale: str) -> str:
    return ("、" if locale != "en" else ", ").join(translate(SCOPE_LABELS.get(s, s), locale) for s in scopes)


async def _staff(session: AsyncSession, agency_id: int) -> list[User]:
    statement = select(User).where(User.agency_id == agency_id, col(User.is_active).is_(True))
    return list((await session.exec(statement.order_by(col(User.id)))).all())


async def agency_status_changed(session: AsyncSession, agency: Agency) -> int:
    """Tell the agency's staff it was approved (it may be authorised) or suspended (it acts for no one)."""
    assert agency.id is not None
    if agency.status == "approved":
        title = _both(N_("Your agency {name} is approved"), name=agency.name)
        body = _both(
            N_("The agency {name} is approved: units may now authorise it to act for them."),
            name=agency.name,
        )
    elif agency.status == "suspended":
        title = _both(N_("Your agency {name} is suspended"), name=agency.name)
        body = _both(
            N_(
                "The agency {name} is suspended: from now on it acts for no unit, "
                "and its authorisations grant nothing. Reason: {reason}"
            ),
            name=agency.name,
            reason=agency.status_reason,
        )
    else:
        return 0
    stamp = agency.status_changed_at.isoformat() if agency.status_changed_at else ""
    key = f"agency-status:{agency.id}:{agency.status}:{stamp}"
    written = await _tell(
        session,
        await _staff(session, agency.id),
        kind=KIND_AGENCY_STATUS,
        key=key,
        title=title,
        body=body,
        link="/agency",
    )
    if agency.status == "suspended":
        # The units that relied on the agency must know it no longer files for them.
        written += await _tell(
            session,
            await _clients_administrators(session, agency.id),
            kind=KIND_AGENCY_STATUS,
            key=key,
            title=title,
            body=body,
            link="/agencies/authorisations",
        )
    return written


async def _clients_administrators(session: AsyncSession, agency_id: int) -> list[User]:
    """The administrators of every unit with an unrevoked authorisation of the agency that has not ended."""
    clients = select(AgencyAuthorisation.enterprise_id).where(
        AgencyAuthorisation.agency_id == agency_id,
        col(AgencyAuthorisation.revoked_at).is_(None),
        col(AgencyAuthorisation.valid_until) >= today(),
    )
    statement = select(User).where(
        col(User.enterprise_id).in_(clients),
        User.role == Role.ENTERPRISE_ADMIN.value,
        col(User.is_active).is_(True),
    )
    return list((await session.exec(statement.order_by(col(User.id)))).all())


async def authorisation_changed(
    session: AsyncSession, authorisation: AgencyAuthorisation, *, agency: Agency, enterprise: Enterprise
) -> int:
    """Tell the agency's staff a unit authorised them (scopes and window) or revoked an authorisation."""
    revoked = authorisation.revoked_at is not None
    params = {
        "enterprise": enterprise.name,
        "valid_from": authorisation.valid_from.isoformat(),
        "valid_until": authorisation.valid_until.isoformat(),
    }
    if revoked:
        title = _both(N_("{enterprise} revoked its authorisation"), **params)
        message = N_(
            "{enterprise} revoked the authorisation ({scopes}, {valid_from} to {valid_until}): "
            "from now on the agency does not act for it in these matters. Reason: {reason}"
        )
        extra = {"reason": authorisation.revoke_reason}
    else:
        title = _both(N_("{enterprise} authorised your agency"), **params)
        message = N_("{enterprise} authorised the agency for {scopes}, from {valid_from} to {valid_until}.")
        extra = {}
    body = " / ".join(
        translate(message, locale, scopes=_scopes(authorisation.scopes, locale), **params, **extra)
        for locale in ("zh_Hans", "en")
    )
    return await _tell(
        session,
        await _staff(session, agency.id or 0),
        kind=KIND_AUTHORISATION,
        key=f"authorisation:{authorisation.id}:{'revoked' if revoked else 'granted'}",
        title=title,
        body=body,
        link="/agency",
    )
