"""What a unit (and the agency that keeps its ledger) is told when its ledger opens an exceedance:
written with the readings that opened it (``domain.notifications.notices``)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.agencies.recipients import unit_and_agency_users
from domain.clock import in_china, today
from domain.enterprises.models import Enterprise
from domain.errors import N_
from domain.i18n import translate
from domain.ledgers.models import Exceedance
from domain.notifications.notices import tell
from domain.permits.models import Permit
from domain.permits.reference import pollutant_name

KIND_EXCEEDANCE = "exceedance_opened"


def _china(moment: datetime) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return in_china(aware).strftime("%Y-%m-%d %H:%M")


def _figure(value: float) -> str:
    return f"{value:.6g}"


async def exceedance_opened(session: AsyncSession, permit: Permit, exceedance: Exceedance) -> int:
    """Tell the unit's users and the staff of an agency authorised for its ledger: where, what, how much
    above the limit, and that the cause and the measures taken are to be recorded."""
    enterprise = await session.get(Enterprise, permit.enterprise_id)
    annual = exceedance.kind == "annual_quantity"
    if annual:
        title_id = N_("Exceedance: {pollutant} at {outlet} above the permitted annual quantity")
        body_id = N_(
            "{enterprise}, permit {permit}: this year's {pollutant} at outlet {outlet} is {value} t, "
            "above the permitted {limit} t. Record the cause and the measures taken with the exceedance "
            "in the ledger."
        )
    else:
        title_id = N_("Exceedance: {pollutant} at {outlet} above the permitted concentration")
        body_id = N_(
            "{enterprise}, permit {permit}: {pollutant} at outlet {outlet} was above the permitted "
            "concentration from {start} to {end} (China time), at most {value} {unit} against a limit of "
            "{limit} {unit}. Record the cause and the measures taken with the exceedance in the ledger."
        )
    params = {
        "enterprise": enterprise.name if enterprise else "",
        "permit": permit.number,
        "outlet": exceedance.outlet_code,
        "start": _china(exceedance.started_at),
        "end": _china(exceedance.ended_at),
        "value": _figure(exceedance.max_value),
        "limit": _figure(exceedance.limit_value),
        "unit": exceedance.unit,
    }

    def both(message: str) -> str:
        return " / ".join(
            translate(message, locale, pollutant=pollutant_name(exceedance.pollutant, locale), **params)
            for locale in ("zh_Hans", "en")
        )

    started = exceedance.started_at.isoformat()
    return await tell(
        session,
        await unit_and_agency_users(session, permit.enterprise_id, "ledger", today()),
        kind=KIND_EXCEEDANCE,
        key=f"exceedance:{permit.id}:{exceedance.outlet_code}:{exceedance.pollutant}:{exceedance.kind}:{started}",
        title=both(title_id),
        body=both(body_id),
        link="/exceedances",
    )
