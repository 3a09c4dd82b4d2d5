"""The inspection rules as pure functions of values (PT §6-7; docs/domain-rules.md, Supervision).

Frequencies (PT §6): a new permit holder once within three months of issue; key-management holders at
least once every half year; simplified-management holders at least once a year; registration-only units
at least 20 % a year, drawn at random. Enforcement monitoring (PT §7): key-management holders at least once
a year; simplified-management holders at least 30 % a year.

Double-random draws (双随机): units drawn from a pool and inspectors from the roster with
``random.Random(seed)`` over the sorted pool and the sorted roster, so anyone holding the published seed,
pool and roster draws the same units and inspectors again. Two inspectors go on each visit, and an
inspector never goes twice in a row to the same unit.
"""

from __future__ import annotations

import calendar
import hashlib
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from domain.errors import N_, FieldError


class InspectionKind(StrEnum):
    ENFORCEMENT = "enforcement"  # 执法检查 (the enforcement brigade)
    MONITORING = "monitoring"  # 执法监测 (the monitoring station's sampling)


def kind_of(value: str) -> InspectionKind:
    """The kind named, or an inspection when the value names none."""
    return InspectionKind(value) if value in {k.value for k in InspectionKind} else InspectionKind.ENFORCEMENT


class Basis(StrEnum):
    """Why a plan line exists: the rule (and article) that makes the visit due."""

    NEW_PERMIT = "new_permit"  # PT §6: within three months of a new permit
    KEY_HALF_YEAR = "key_half_year"  # PT §6: key management, every half year
    KEY_YEARLY = "key_yearly"  # PT §6 lowered by the positive list (issue 16): key management, yearly
    SIMPLIFIED_YEARLY = "simplified_yearly"  # PT §6: simplified management, yearly
    REGISTRATION_DRAWN = "registration_drawn"  # PT §6: registration units, 20 % drawn at random
    DRAWN = "drawn"  # a unit drawn by a double-random draw from another pool
    MONITORING_KEY = "monitoring_key"  # PT §7: key management, enforcement monitoring yearly
    MONITORING_SIMPLIFIED_DRAWN = "monitoring_simplified_drawn"  # PT §7: simplified, 30 % drawn
    # PT §6 raised by the unit's environmental credit (警示 / 不良, issue 16; M48 §39):
    KEY_QUARTERLY = "key_quarterly"  # key management, every quarter
    SIMPLIFIED_HALF_YEAR = "simplified_half_year"  # simplified management, every half year


class Pool(StrEnum):
    """Where a draw takes its units from."""

    REGISTRATION = "registration"  # registration-only units (PT §6, 20 %)
    KEY = "key"  # key-management permit holders
    SIMPLIFIED = "simplified"  # simplified-management permit holders (PT §7 monitoring, 30 %)
    INDUSTRY = "industry"  # permit holders of one industry


class ItemResult(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_APPLICABLE = "not_applicable"


REGISTRATION_SHARE = 0.20  # PT §6
MONITORING_SIMPLIFIED_SHARE = 0.30  # PT §7
NEW_PERMIT_MONTHS = 3  # PT §6
INSPECTORS_PER_VISIT = 2  # two law-enforcement officers on each visit
MAX_DRAWN_UNITS = 500
NOTE_LIMIT = 500
SUMMARY_LIMIT = 2000


# --- The plan ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PermitFacts:
    """What the plan needs of a permit in force."""

    permit_id: int
    enterprise_id: int
    region_code: str
    category: str  # "key" | "simplified"
    renewed: bool
    decision_date: date | None
    valid_from: date | None
    valid_until: date | None


@dataclass(frozen=True)
class LineSpec:
    """One visit the rules make due: of a kind, on a basis, for a period, by a day."""

    kind: InspectionKind
    basis: Basis
    period: str
    starts_on: date
    due_on: date


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it has fewer (30 Nov + 3 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def halves(year: int) -> tuple[tuple[str, date, date], tuple[str, date, date]]:
    return (
        (f"{year}-H1", date(year, 1, 1), date(year, 6, 30)),
        (f"{year}-H2", date(year, 7, 1), date(year, 12, 31)),
    )


def quarters(year: int) -> list[tuple[str, date, date]]:
    return [
        (f"{year}-Q{q}", date(year, 3 * q - 2, 1), date(year, 3 * q, calendar.monthrange(year, 3 * q)[1]))
        for q in range(1, 5)
    ]


def _in_force_during(permit: PermitFacts, start: date, end: date) -> bool:
    if permit.valid_from is None or permit.valid_from > end:
        return False
    return permit.valid_until is None or permit.valid_until >= start


def _periodic(permit: PermitFacts, basis: Basis, periods: Sequence[tuple[str, date, date]]) -> list[LineSpec]:
    """One enforcement visit in each period in which the permit is in force."""
    return [
        LineSpec(InspectionKind.ENFORCEMENT, basis, period, max(start, permit.valid_from or start), end)
        for period, start, end in periods
        if _in_force_during(permit, start, end)
    ]


def plan_lines(
    permit: PermitFacts, year: int, *, frequency_lowered: bool = False, frequency_raised: bool = False
) -> list[LineSpec]:
    """The visits a permit holder is due in ``year`` (PT §6-7).

    ``frequency_lowered`` is the hook of the positive list (正面清单, issue 16): a unit on it is visited
    less often; today only its key-management half-yearly visit becomes yearly. Which units are on the
    list, and whether more is lowered, the positive list decides when it lands.

    ``frequency_raised``: the unit's environmental credit stands at 警示 or 不良 (issue 16; M48 §39 makes the
    credit record set the frequency, the numbers are the product's: docs/domain-rules.md): it is visited
    more often, key management every quarter instead of every
    half year, simplified management every half year instead of once a year. It wins over the positive
    list (a unit whose credit fell that low is not visited less often for being listed)."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    lines: list[LineSpec] = []
    if not permit.renewed and permit.decision_date is not None:
        issued = permit.decision_date
        due = add_months(issued, NEW_PERMIT_MONTHS)
        if issued <= last and due >= first:
            lines.append(LineSpec(InspectionKind.ENFORCEMENT, Basis.NEW_PERMIT, f"new:{issued}", issued, due))
    if frequency_raised:
        if permit.category == "key":
            lines += _periodic(permit, Basis.KEY_QUARTERLY, quarters(year))
        else:
            lines += _periodic(permit, Basis.SIMPLIFIED_HALF_YEAR, halves(year))
    elif permit.category == "key" and not frequency_lowered:
        lines += _periodic(permit, Basis.KEY_HALF_YEAR, halves(year))
    elif _in_force_during(permit, first, last):
        basis = Basis.KEY_YEARLY if permit.category == "key" else Basis.SIMPLIFIED_YEARLY
        starts = max(first, permit.valid_from or first)
        lines.append(LineSpec(InspectionKind.ENFORCEMENT, basis, str(year), starts, last))
    if permit.category == "key" and _in_force_during(permit, first, last):
        starts = max(first, permit.valid_from or first)
        lines.append(LineSpec(InspectionKind.MONITORING, Basis.MONITORING_KEY, str(year), starts, last))
    return lines


def drawn_line(kind: InspectionKind, pool: Pool, year: int, drawn_on: date) -> LineSpec:
    """The plan line of a unit a draw picked: due by the year's end."""
    if kind == InspectionKind.MONITORING:
        basis = Basis.MONITORING_SIMPLIFIED_DRAWN if pool == Pool.SIMPLIFIED else Basis.DRAWN
    else:
        basis = Basis.REGISTRATION_DRAWN if pool == Pool.REGISTRATION else Basis.DRAWN
    last = date(year, 12, 31)
    return LineSpec(kind, basis, str(year), min(max(drawn_on, date(year, 1, 1)), last), last)


class LineState(StrEnum):
    DONE = "done"  # a record of its kind within its window
    DUE = "due"  # not done, its day not passed
    BEHIND = "behind"  # not done, its day passed


def line_state(*, done_on: date | None, due_on: date, today: date) -> LineState:
    if done_on is not None:
        return LineState.DONE
    return LineState.BEHIND if due_on < today else LineState.DUE


def share_target(total: int, share: float) -> int:
    """At least ``share`` of ``total`` units, rounded up (20 % of 7 units is 2 visits, not 1)."""
    return math.ceil(total * share - 1e-9)


def default_draw_size(kind: InspectionKind, pool: Pool, pool_size: int) -> int:
    """How many units a draw from the pool takes when the brigade does not say: the article's share."""
    if pool == Pool.REGISTRATION:
        return share_target(pool_size, REGISTRATION_SHARE)
    if kind == InspectionKind.MONITORING and pool == Pool.SIMPLIFIED:
        return share_target(pool_size, MONITORING_SIMPLIFIED_SHARE)
    return share_target(pool_size, REGISTRATION_SHARE)


@dataclass(frozen=True)
class Coverage:
    """A target against what was done: units visited of units due."""

    label: str
    total: int
    target: int
    done: int

    @property
    def met(self) -> bool:
        return self.done >= self.target

    @property
    def percent(self) -> int:
        return 0 if self.total == 0 else round(100 * self.done / self.total)


# --- Double-random draws -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Pick:
    position: int
    member: int  # the id of a permit (permit pools) or a registration (the registration pool)
    inspectors: tuple[int, ...]  # user ids


class RosterTooSmall(Exception):
    """The roster cannot send two inspectors to a unit without someone going twice in a row."""

    def __init__(self, member: int, eligible: int) -> None:
        super().__init__(member, eligible)
        self.member = member
        self.eligible = eligible


def members_hash(members: Sequence[int]) -> str:
    """SHA-256 of the sorted ids, published with the draw so that anyone can check the pool."""
    return hashlib.sha256(",".join(str(m) for m in sorted(members)).encode()).hexdigest()


def draw(
    *,
    seed: int,
    pool: Sequence[int],
    roster: Sequence[int],
    count: int,
    last_inspectors: Mapping[int, Sequence[int]] | None = None,
    per_visit: int = INSPECTORS_PER_VISIT,
    weights: Mapping[int, int] | None = None,
) -> list[Pick]:
    """Draw ``count`` members of the pool and ``per_visit`` inspectors for each, from ``seed``.

    Pool and roster are sorted first, so their order as stored or typed never changes the result. An
    inspector who went on a member's last visit (``last_inspectors``) is not drawn for it again (PT §6:
    not twice in a row on the same unit). Raises ``RosterTooSmall`` when the roster cannot satisfy that.

    ``weights`` (member -> a whole number above 1; others weigh 1): a member of weight w is as likely to
    be drawn as w members of weight 1 would be together, for the first pick (weighted sampling without
    replacement, Efraimidis–Spirakis: each member in sorted order takes ``rng.random() ** (1 / w)`` and
    the largest are drawn, largest first). Without weights the draw is ``rng.sample`` as it always was,
    so draws made before weights existed draw the same again."""
    rng = random.Random(seed)
    members = sorted(set(pool))
    people = sorted(set(roster))
    heavy = {m: w for m, w in (weights or {}).items() if w > 1 and m in set(members)}
    if heavy:
        keys = {m: rng.random() ** (1.0 / heavy.get(m, 1)) for m in members}
        chosen = sorted(members, key=lambda m: (-keys[m], m))[: min(count, len(members))]
    else:
        chosen = rng.sample(members, min(count, len(members)))
    picks = []
    for position, member in enumerate(chosen, start=1):
        excluded = set((last_inspectors or {}).get(member, ()))
        eligible = [person for person in people if person not in excluded]
        if len(eligible) < per_visit:
            raise RosterTooSmall(member, len(eligible))
        picks.append(Pick(position, member, tuple(sorted(rng.sample(eligible, per_visit)))))
    return picks


# --- The checklist (annex 3) ------------------------------------------------------------------------


class Linkage(StrEnum):
    """A finding that goes back to the permitting section (PT §6, §8)."""

    PERMIT_MISSING = "permit_missing"  # 应发未发
    REGISTRATION_MISSING = "registration_missing"  # 应登未登


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    section: str
    text: str
    linkage: Linkage | None = None


# PT annex 3 (排污许可持证单位现场检查要点), item by item; 5.1 is the permit's reporting duty (M48 §35) that
# PT §5-6 check with it.
PERMIT_CHECKLIST: tuple[ChecklistItem, ...] = (
    ChecklistItem(
        "1.1",
        N_("Permit and records"),
        N_("Holds a pollutant discharge permit as the law requires"),
        Linkage.PERMIT_MISSING,
    ),
    ChecklistItem("1.2", N_("Permit and records"), N_("The permit is within its validity")),
    ChecklistItem(
        "1.3", N_("Permit and records"), N_("No permit obtained unlawfully, forged, altered or transferred")
    ),
    ChecklistItem(
        "2.1", N_("Discharges"), N_("Outlets' location and number as permitted, outlets built to standard")
    ),
    ChecklistItem(
        "2.2",
        N_("Discharges"),
        N_("Discharge modes and destinations as permitted; fugitive emission controls in place"),
    ),
    ChecklistItem(
        "2.3", N_("Discharges"), N_("Solid waste generated, stored, transferred and disposed of as permitted")
    ),
    ChecklistItem(
        "2.4", N_("Discharges"), N_("Noise, soil and other pollution controls as the permit requires")
    ),
    ChecklistItem(
        "2.5",
        N_("Discharges"),
        N_("No discharge above permitted concentrations or quantities, no evasion of supervision"),
    ),
    ChecklistItem(
        "2.6", N_("Discharges"), N_("Discharges stopped or limited in special periods as the permit requires")
    ),
    ChecklistItem(
        "3.1",
        N_("Self-monitoring"),
        N_("Self-monitoring plan made and carried out as permitted, original records kept"),
    ),
    ChecklistItem("3.2", N_("Self-monitoring"), N_("Self-monitoring meets the technical standards")),
    ChecklistItem(
        "3.3",
        N_("Self-monitoring"),
        N_("Automatic monitoring built, connected, accepted, filed and running normally"),
    ),
    ChecklistItem(
        "3.4", N_("Self-monitoring"), N_("No tampering with or forging of automatic monitoring data")
    ),
    ChecklistItem(
        "4.1", N_("Facilities and management"), N_("Pollution control facilities running normally")
    ),
    ChecklistItem(
        "4.2",
        N_("Facilities and management"),
        N_("No production or control facility running outside the permit"),
    ),
    ChecklistItem(
        "4.3",
        N_("Facilities and management"),
        N_("Environmental management ledger kept as permitted, retained and true"),
    ),
    ChecklistItem("4.4", N_("Facilities and management"), N_("Environmental emergency plan made and filed")),
    ChecklistItem("5.1", N_("Execution reports"), N_("Execution reports filed as the permit requires")),
)

# PT §6 ¶1: a registration unit is checked against its registration form.
REGISTRATION_CHECKLIST: tuple[ChecklistItem, ...] = (
    ChecklistItem(
        "R.1",
        N_("Registration"),
        N_("Management category correct (registration is enough, no permit needed)"),
        Linkage.PERMIT_MISSING,
    ),
    ChecklistItem(
        "R.2",
        N_("Registration"),
        N_("Registration form matches the site and is up to date"),
        Linkage.REGISTRATION_MISSING,
    ),
    ChecklistItem(
        "R.3",
        N_("Registration"),
        N_("Environmental impact assessment and 'three simultaneities' carried out"),
    ),
    ChecklistItem("R.4", N_("Registration"), N_("Pollution control facilities running normally")),
    ChecklistItem("R.5", N_("Registration"), N_("Fugitive emissions controlled")),
)

# PT §7: the monitoring station's enforcement monitoring.
MONITORING_CHECKLIST: tuple[ChecklistItem, ...] = (
    ChecklistItem(
        "M.1",
        N_("Enforcement monitoring"),
        N_("Samples at the permitted outlets within permitted concentrations"),
    ),
    ChecklistItem("M.2", N_("Enforcement monitoring"), N_("Self-monitoring plan compliant and carried out")),
    ChecklistItem(
        "M.3", N_("Enforcement monitoring"), N_("Automatic monitoring equipment running and maintained")
    ),
    ChecklistItem("M.4", N_("Enforcement monitoring"), N_("Original monitoring records kept")),
)


def checklist_for(kind: InspectionKind, *, holds_permit: bool) -> tuple[ChecklistItem, ...]:
    if kind == InspectionKind.MONITORING:
        return MONITORING_CHECKLIST
    return PERMIT_CHECKLIST if holds_permit else REGISTRATION_CHECKLIST


ALL_ITEMS = {item.code: item for item in (*PERMIT_CHECKLIST, *REGISTRATION_CHECKLIST, *MONITORING_CHECKLIST)}


@dataclass(frozen=True)
class ItemAnswer:
    code: str
    result: str
    note: str = ""


def checklist_errors(checklist: Sequence[ChecklistItem], answers: Sequence[ItemAnswer]) -> list[FieldError]:
    """Every item answered once, as passed, failed or not applicable; a failed item says what was found."""
    errors: list[FieldError] = []
    given = {answer.code: answer for answer in answers}
    known = {item.code for item in checklist}
    for answer in answers:
        if answer.code not in known:
            errors.append(
                FieldError(
                    f"items.{answer.code}"[:60], "unknown_item", N_("This item is not on the checklist.")
                )
            )
    for item in checklist:
        field = f"items.{item.code}"
        found = given.get(item.code)
        if found is None or not found.result:
            errors.append(FieldError(field, "required", N_("Answer every item of the checklist.")))
            continue
        answer = found
        if answer.result not in {r.value for r in ItemResult}:
            errors.append(FieldError(field, "invalid", N_("Choose passed, failed or not applicable.")))
        elif answer.result == ItemResult.FAILED and not answer.note.strip():
            errors.append(FieldError(field, "note_required", N_("Say what was found for a failed item.")))
        if len(answer.note) > NOTE_LIMIT:
            errors.append(
                FieldError(
                    field,
                    "too_long",
                    N_("At most {limit} characters (got {length})."),
                    {"limit": NOTE_LIMIT, "length": len(answer.note)},
                )
            )
    return errors
