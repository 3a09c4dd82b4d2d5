"""Online monitoring stations (HJ 212-2017): a permit's stations with their refused packets and the
registration form (/ledger/{number}/stations), and every station and refusal a regulator may read
(/stations)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from domain.errors import N_, Conflict, FieldError, ValidationFailed
from domain.ledgers.hj212.protocol import REASONS
from domain.ledgers.hj212.queries import permit_stations, stations_overview
from domain.ledgers.hj212.stations import (
    KNOWN_CODES,
    StationInput,
    change_station,
    parse_overrides,
    register_station,
)
from domain.ledgers.queries.ledger import ledger_context
from portal.ledgers.common import form_status, helpers
from portal.responses import actor_of, db_of, redirect, render
from portal.templating import field_errors

TYPED = ("outlet_code", "mn", "password", "name", "ledger_data", "minute_interval", "code_overrides")
REASON_WORDS = {
    "bad_crc": N_("CRC does not match"),
    "malformed": N_("Not a well-formed packet"),
    "unknown_mn": N_("No registered station has this MN"),
    "wrong_password": N_("Wrong access password"),
    "unknown_pollutant": N_("Unknown pollutant code"),
    "unsupported_command": N_("Command not accepted"),
    "refused_readings": N_("A value refused by the ledger's checks"),
}
assert set(REASON_WORDS) == set(REASONS)


async def _page(request: Request, extra: dict[str, Any] | None = None, status_code: int = 200) -> Response:
    actor = await actor_of(request)
    number = request.path_params["number"]
    async with db_of(request).read() as session:
        ctx = await ledger_context(session, actor, permit_number=number)
        found = await permit_stations(session, actor, permit_number=number)
    context = {
        "ctx": ctx,
        "tab": "stations",
        "found": found,
        "known_codes": KNOWN_CODES,
        "reason_words": REASON_WORDS,
        "errors": {},
        "typed": {},
        "done": request.query_params.get("done"),
        **helpers(request),
        **(extra or {}),
    }
    return render(request, "ledgers/stations.html", context, status_code=status_code)


async def stations_page(request: Request) -> Response:
    return await _page(request)


def _minutes(raw: str) -> tuple[int | None, list[FieldError]]:
    if not raw.strip():
        return None, []
    try:
        return int(raw), []
    except ValueError:
        return None, [FieldError("minute_interval", "type", N_("Expected a whole number."))]


async def register(request: Request) -> Response:
    actor = await actor_of(request)
    number = request.path_params["number"]
    form = await request.form()
    typed = {key: str(form.get(key, ""))[:2000] for key in TYPED}
    overrides, problems = parse_overrides(typed["code_overrides"])
    minutes, minute_problems = _minutes(typed["minute_interval"])
    values = StationInput(
        permit_number=number,
        outlet_code=typed["outlet_code"],
        mn=typed["mn"],
        password=typed["password"],
        name=typed["name"],
        ledger_data=typed["ledger_data"] or None,
        minute_interval=minutes,
        code_overrides=overrides,
        input_errors=tuple(problems + minute_problems),
    )
    try:
        async with db_of(request).transaction() as session:
            await register_station(session, actor, values=values)
    except (ValidationFailed, Conflict) as error:
        typed["password"] = ""  # never sent back
        return await _page(
            request,
            {"errors": field_errors(error.errors), "typed": typed},
            status_code=409 if isinstance(error, Conflict) else form_status(request),
        )
    return redirect(f"/ledger/{number}/stations?done=registered")


async def set_active(request: Request) -> Response:
    """Deactivate a station (its packets are refused from then on) or activate it again."""
    actor = await actor_of(request)
    number = request.path_params["number"]
    form = await request.form()
    active = str(form.get("active", "")) == "1"
    async with db_of(request).transaction() as session:
        await change_station(session, actor, mn=request.path_params["mn"], values=StationInput(active=active))
    return redirect(f"/ledger/{number}/stations?done={'activated' if active else 'deactivated'}")


async def overview(request: Request) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        found = await stations_overview(session, actor)
    context = {"found": found, "reason_words": REASON_WORDS, **helpers(request)}
    return render(request, "ledgers/stations_overview.html", context)
