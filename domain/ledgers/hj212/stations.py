"""Use cases of online monitoring stations: register one, change or deactivate it (docs/integrators.md).

Who may: ``Operation.STATION_MANAGE`` on the permit (the unit's administrator; the monitoring station and
the ecology section of its jurisdiction; the administrator). Every registration and change keeps the
whole registration as a revision and an audit entry, the password only as its salted hash.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, require
from domain.audit.service import record
from domain.errors import N_, Conflict, FieldError, NotFound, ValidationFailed
from domain.ledgers.hj212.codes import POLLUTANT_CODES
from domain.ledgers.hj212.models import LEDGER_DATA_KINDS, MonitoringStation, MonitoringStationRevision
from domain.ledgers.lookup import ledger_permit, permit_points
from domain.permits.models import Permit
from domain.permits.reference import POLLUTANTS
from domain.permits.rules import PermitStatus
from domain.permits.state import target_of

MN_PATTERN = re.compile(r"[0-9A-Za-z_\-]{1,24}")
CODE_PATTERN = re.compile(r"[0-9A-Za-z]{1,12}")
PASSWORD_PATTERN = re.compile(r"[0-9A-Za-z_\-.@#$%*!~]{1,32}")  # nothing the data segment uses as syntax
MAX_OVERRIDES = 100


def password_digest(salt: str, password: str) -> str:
    return hashlib.sha256(f"{salt}:{password}".encode()).hexdigest()


def password_matches(station: MonitoringStation, password: str) -> bool:
    """Constant-time comparison of a packet's PW with the station's."""
    return hmac.compare_digest(password_digest(station.password_salt, password), station.password_hash)


@dataclass(frozen=True)
class StationInput:
    """A station's registration as a face read it (``None``: not given / unchanged)."""

    permit_number: str | None = None
    outlet_code: str | None = None
    mn: str | None = None
    password: str | None = None
    name: str | None = None
    ledger_data: str | None = None
    minute_interval: int | None = None
    code_overrides: Mapping[str, str] | None = None
    active: bool | None = None
    input_errors: tuple[FieldError, ...] = field(default=())


def _field_errors(values: StationInput, *, creating: bool) -> list[FieldError]:
    errors: list[FieldError] = list(values.input_errors)
    required = N_("This field is required.")
    if creating:
        for name in ("outlet_code", "mn", "password"):
            if not (getattr(values, name) or "").strip():
                errors.append(FieldError(name, "required", required))
    if values.mn and not MN_PATTERN.fullmatch(values.mn.strip()):
        errors.append(
            FieldError(
                "mn", "format", N_("An MN is 1 to 24 letters, digits, '-' or '_' (HJ 212-2017 6.3.2).")
            )
        )
    if values.password and not PASSWORD_PATTERN.fullmatch(values.password):
        errors.append(
            FieldError(
                "password",
                "format",
                N_("A station password is 1 to 32 letters, digits or -_.@#$*!~, without ; , & or =."),
            )
        )
    if values.name is not None and len(values.name.strip()) > 100:
        errors.append(FieldError("name", "too_long", N_("At most {limit} characters."), {"limit": 100}))
    if values.ledger_data is not None and values.ledger_data not in LEDGER_DATA_KINDS:
        errors.append(
            FieldError(
                "ledger_data",
                "choice",
                N_("Choose one of: {choices}."),
                {"choices": ", ".join(LEDGER_DATA_KINDS)},
            )
        )
    if values.minute_interval is not None and not 1 <= values.minute_interval <= 60:
        errors.append(
            FieldError("minute_interval", "range", N_("Between {low} and {high}."), {"low": 1, "high": 60})
        )
    if values.code_overrides is not None:
        if len(values.code_overrides) > MAX_OVERRIDES:
            errors.append(
                FieldError(
                    "code_overrides", "too_many", N_("At most {limit} entries."), {"limit": MAX_OVERRIDES}
                )
            )
        for code, pollutant in values.code_overrides.items():
            if not CODE_PATTERN.fullmatch(code) or (pollutant and pollutant not in POLLUTANTS):
                errors.append(
                    FieldError(
                        "code_overrides",
                        "unknown_code",
                        N_(
                            "{code}: a code is letters and digits, mapped to a known pollutant or to nothing."
                        ),
                        {"code": code[:20]},
                    )
                )
                break
    return errors


async def _outlet_errors(session: AsyncSession, permit: Permit, outlet_code: str) -> list[FieldError]:
    points = await permit_points(session, permit)
    point = points.get(outlet_code)
    if point is None or point.medium is None:
        return [
            FieldError(
                "outlet_code",
                "unknown_point",
                N_("No outlet {code} in this permit."),
                {"code": outlet_code[:8]},
            )
        ]
    return []


def _snapshot(station: MonitoringStation) -> dict[str, Any]:
    return {
        "mn": station.mn,
        "permit_id": station.permit_id,
        "outlet_code": station.outlet_code,
        "name": station.name,
        "password_hash": station.password_hash,
        "ledger_data": station.ledger_data,
        "minute_interval": station.minute_interval,
        "code_overrides": dict(station.code_overrides or {}),
        "active": station.active,
    }


def _keep(session: AsyncSession, actor: Actor, station: MonitoringStation, action: str, before: Any) -> None:
    snapshot = _snapshot(station)
    session.add(
        MonitoringStationRevision(
            station_id=station.id or 0,
            revision=station.revision,
            data=snapshot,
            changed_by=actor.username,
            on_behalf_of=actor.on_behalf_of,
        )
    )
    record(
        session,
        actor,
        action=action,
        object_type="monitoring_station",
        object_id=station.mn,
        enterprise_id=station.enterprise_id,
        before=before,
        after=snapshot,
    )


async def register_station(session: AsyncSession, actor: Actor, *, values: StationInput) -> MonitoringStation:
    """Register a data acquisition device (its MN and access password) for an outlet of a permit in force."""
    permit = await ledger_permit(session, actor, values.permit_number or "", Operation.STATION_MANAGE)
    errors = _field_errors(values, creating=True)
    outlet_code = (values.outlet_code or "").strip().upper()
    if outlet_code:
        errors += await _outlet_errors(session, permit, outlet_code)
    if errors:
        raise ValidationFailed(errors)
    if permit.status != PermitStatus.ISSUED:
        raise Conflict(N_("Stations are registered for permits in force."), field="permit_number")
    mn = (values.mn or "").strip()
    if (
        await session.exec(select(MonitoringStation.id).where(MonitoringStation.mn == mn))
    ).first() is not None:
        raise Conflict(N_("A station with this MN is already registered."), field="mn")
    salt = secrets.token_hex(16)
    station = MonitoringStation(
        mn=mn,
        permit_id=permit.id or 0,
        enterprise_id=permit.enterprise_id,
        region_code=permit.region_code,
        outlet_code=outlet_code,
        name=(values.name or "").strip(),
        password_salt=salt,
        password_hash=password_digest(salt, values.password or ""),
        ledger_data=values.ledger_data or "hourly",
        minute_interval=values.minute_interval or 10,
        code_overrides=dict(values.code_overrides or {}),
        created_by=actor.username,
        on_behalf_of=actor.on_behalf_of,
    )
    session.add(station)
    await session.flush()
    _keep(session, actor, station, "hj212.register_station", None)
    return station


async def change_station(
    session: AsyncSession, actor: Actor, *, mn: str, values: StationInput
) -> MonitoringStation:
    """Change a station's password, outlet, data kept or code map, or (de)activate it; a revision is kept."""
    station = (
        await session.exec(select(MonitoringStation).where(MonitoringStation.mn == mn.strip()))
    ).first()
    permit = await session.get(Permit, station.permit_id) if station is not None else None
    if station is None or permit is None:
        raise NotFound(N_("No station with this MN."), field="mn")
    # A station the actor may not see does not exist for them.
    await ledger_permit(session, actor, permit.number or "", Operation.LEDGER_VIEW)
    require(actor, Operation.STATION_MANAGE, target_of(permit))
    errors = _field_errors(values, creating=False)
    outlet_code = (values.outlet_code or "").strip().upper()
    if outlet_code:
        errors += await _outlet_errors(session, permit, outlet_code)
    if errors:
        raise ValidationFailed(errors)
    before = _snapshot(station)
    if outlet_code:
        station.outlet_code = outlet_code
    if values.password:
        station.password_salt = secrets.token_hex(16)
        station.password_hash = password_digest(station.password_salt, values.password)
    if values.name is not None:
        station.name = values.name.strip()
    if values.ledger_data is not None:
        station.ledger_data = values.ledger_data
    if values.minute_interval is not None:
        station.minute_interval = values.minute_interval
    if values.code_overrides is not None:
        station.code_overrides = dict(values.code_overrides)
    if values.active is not None:
        station.active = values.active
    station.revision += 1
    session.add(station)
    _keep(session, actor, station, "hj212.change_station", before)
    return station


def parse_overrides(text: str) -> tuple[dict[str, str], list[FieldError]]:
    """``code=POLLUTANT`` per line (or ``code=`` to ignore a code), as a face reads a text area."""
    overrides: dict[str, str] = {}
    for line in text.replace(";", "\n").splitlines():
        line = line.strip()
        if not line:
            continue
        code, sep, pollutant = line.partition("=")
        if not sep:
            return {}, [
                FieldError(
                    "code_overrides",
                    "format",
                    N_("Write one code=pollutant per line, e.g. {example}."),
                    {"example": "a21026=SO2"},
                )
            ]
        overrides[code.strip()] = pollutant.strip().upper()
    return overrides, []


KNOWN_CODES = POLLUTANT_CODES  # the table a page shows beside the override field
