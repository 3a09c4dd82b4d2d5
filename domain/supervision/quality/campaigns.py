"""Use cases of quality-check campaigns (质量核查, JN 1(1): every permit quality-checked within three years).

The permitting section creates a campaign over the issued permits of its jurisdiction: a random sample
drawn with a recorded seed (the same pool and seed draw the same permits, ``queries.replay``) or a
targeted list of permit numbers. Each sampled permit gets a checklist (every quality rule, with what the
audit found, and the hand items); a reviewer records each line's result, and once every line is recorded
the permit counts as quality-checked (for three years). A failed line raises a problem for the permitting
section, once per campaign, permit and line. The campaign is closed with a conclusion.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain import regions
from domain.access import Actor, Operation, Role, Target, can, require, rule
from domain.access.conditions import Never
from domain.audit.service import record
from domain.bounds import MAX_ID, too_long
from domain.clock import today, utcnow
from domain.errors import N_, Conflict, FieldError, NotFound, ValidationFailed
from domain.i18n import DEFAULT_LOCALE, translate
from domain.permits.models import Permit
from domain.permits.rules import PermitStatus
from domain.supervision.problems import rules as problem_rules
from domain.supervision.problems import service as problems
from domain.supervision.problems.rules import ProblemInput
from domain.supervision.quality import notices, rules
from domain.supervision.quality.models import (
    ITEM_RESULTS,
    QualityCampaign,
    QualityCheck,
    QualityCheckItem,
)

NAME_MAX, CONCLUSION_MAX, NOTE_MAX = 100, 2000, 1000
MAX_SAMPLE, MAX_TARGETED = 200, 200
SEED_BITS = 63


@dataclass
class CampaignInput:
    name: str
    kind: str  # random / targeted
    sample_size: int | None = None  # random
    permit_numbers: list[str] = field(default_factory=list)  # targeted
    region_code: str = ""  # the administrator's choice; a regulator's campaign is its jurisdiction's


@dataclass(frozen=True)
class ItemResult:
    code: str
    result: str  # passed / failed / not_applicable
    note: str = ""


def in_region(column: object, region_code: str) -> object:
    return col(column).startswith(regions.significant_prefix(region_code))  # type: ignore[arg-type]


async def pool(session: AsyncSession, region_code: str) -> list[Permit]:
    """The permits a campaign may sample: issued and in force today in the region, sorted by id."""
    on = today()
    statement = (
        select(Permit)
        .where(
            Permit.status == PermitStatus.ISSUED.value,
            in_region(Permit.region_code, region_code),  # type: ignore[arg-type]
            col(Permit.valid_from) <= on,
            (col(Permit.valid_until).is_(None)) | (col(Permit.valid_until) >= on),
        )
        .order_by(col(Permit.id))
    )
    return list((await session.exec(statement)).all())


def pool_hash(ids: list[int]) -> str:
    return hashlib.sha256(",".join(str(i) for i in sorted(ids)).encode()).hexdigest()


def _region(actor: Actor, data: CampaignInput, errors: list[FieldError]) -> str:
    if actor.is_regulator and actor.region_code:
        return actor.region_code
    code = (data.region_code or "").strip()
    if not regions.is_valid_region_code(code):
        errors.append(FieldError("region_code", "invalid", N_("Choose a region.")))
    return code


def _targeted(numbers: list[str], members: dict[int, Permit], errors: list[FieldError]) -> list[Permit]:
    by_number = {p.number: p for p in members.values() if p.number}
    chosen: list[Permit] = []
    cleaned = [n.strip().upper() for n in numbers if n and n.strip()]
    if not cleaned:
        errors.append(FieldError("permit_numbers", "required", N_("List at least one permit number.")))
    elif len(cleaned) > MAX_TARGETED:
        errors.append(
            FieldError("permit_numbers", "too_many", N_("At most {limit} permits."), {"limit": MAX_TARGETED})
        )
    else:
        unknown = [n for n in cleaned if n not in by_number]
        if unknown:
            errors.append(
                FieldError(
                    "permit_numbers",
                    "not_found",
                    N_("No permit in force in the region has the number: {numbers}"),
                    {"numbers": ", ".join(unknown[:10])[:400]},
                )
            )
        for number in dict.fromkeys(cleaned):
            if number in by_number:
                chosen.append(by_number[number])
    return chosen


def may_create(actor: Actor) -> bool:
    """Whether the actor may create campaigns at all (the permitting section, the administrator)."""
    return actor.is_authenticated and not isinstance(rule(actor, Operation.QUALITY_CHECK), Never)


async def create_campaign(session: AsyncSession, actor: Actor, *, data: CampaignInput) -> QualityCampaign:
    """Start a campaign: draw or list its permits and write each one's checklist."""
    if not may_create(actor):
        require(actor, Operation.QUALITY_CHECK, None)  # refused before anything is said of the input
    errors: list[FieldError] = []
    name = (data.name or "").strip()
    if not name or "\x00" in name:
        errors.append(FieldError("name", "required", N_("This field is required.")))
    elif (problem := too_long("name", name, NAME_MAX)) is not None:
        errors.append(problem)
    region = _region(actor, data, errors)
    if data.kind not in ("random", "targeted"):
        errors.append(FieldError("kind", "choice", N_("Choose a random sample or a list of permits.")))
    if errors and any(e.field == "region_code" for e in errors):
        raise ValidationFailed(errors)
    require(actor, Operation.QUALITY_CHECK, Target(region_code=region))
    members = {p.id or 0: p for p in await pool(session, region)}
    seed: int | None = None
    chosen: list[Permit] = []
    if data.kind == "random":
        size = data.sample_size
        if size is None or not 1 <= size <= MAX_SAMPLE:
            errors.append(
                FieldError(
                    "sample_size", "range", N_("Between {min} and {max}."), {"min": 1, "max": MAX_SAMPLE}
                )
            )
        elif not members:
            errors.append(
                FieldError("sample_size", "empty", N_("No permit in force in the region to sample."))
            )
        else:
            seed = secrets.randbits(SEED_BITS)
            picked = set(rules.sample(list(members), size, seed))
            chosen = [members[i] for i in sorted(picked)]
    elif data.kind == "targeted":
        chosen = _targeted(data.permit_numbers, members, errors)
    if errors:
        raise ValidationFailed(errors)
    campaign = QualityCampaign(
        name=name,
        region_code=region,
        kind=data.kind,
        seed=str(seed) if seed is not None else None,
        pool_size=len(members),
        pool_hash=pool_hash(list(members)),
        sample_size=len(chosen),
        created_at=utcnow(),
        created_by=actor.username or "system",
        on_behalf_of=actor.on_behalf_of,
    )
    session.add(campaign)
    await session.flush()
    assert campaign.id is not None
    for permit in chosen:
        assert permit.id is not None
        check = QualityCheck(
            campaign_id=campaign.id,
            permit_id=permit.id,
            version=permit.content_version,
            enterprise_id=permit.enterprise_id,
            region_code=permit.region_code,
        )
        session.add(check)
        await session.flush()
        assert check.id is not None
        session.add_all(
            [
                QualityCheckItem(check_id=check.id, position=position, code=code)
                for position, code in enumerate(rules.checklist_codes())
            ]
        )
    record(
        session,
        actor,
        action="quality.campaign_create",
        object_type="quality_campaign",
        object_id=campaign.id,
        enterprise_id=None,
        after={
            "name": name,
            "kind": data.kind,
            "region": region,
            "seed": campaign.seed,
            "pool": len(members),
            "permits": [p.number for p in chosen],
        },
    )
    await notices.campaign_created(session, campaign)
    return campaign


async def load_check(
    session: AsyncSession, actor: Actor, check_id: int
) -> tuple[QualityCheck, QualityCampaign]:
    check = await session.get(QualityCheck, check_id) if 0 < check_id <= MAX_ID else None
    campaign = await session.get(QualityCampaign, check.campaign_id) if check else None
    target = Target(enterprise_id=check.enterprise_id, region_code=check.region_code) if check else None
    if check is None or campaign is None or not can(actor, Operation.QUALITY_VIEW, target):
        raise NotFound(N_("No such quality check."), field="check_id")
    return check, campaign


async def _raise_failed(
    session: AsyncSession,
    actor: Actor,
    check: QualityCheck,
    campaign: QualityCampaign,
    item: QualityCheckItem,
) -> None:
    locale = DEFAULT_LOCALE
    title = translate(rules.item_title(item.code), locale)
    permit = await session.get(Permit, check.permit_id)
    assert permit is not None
    await problems.raise_problem(
        session,
        actor,
        data=ProblemInput(
            enterprise_id=check.enterprise_id,
            permit_id=check.permit_id,
            outlet_code=None,
            source_kind="permit_audit",
            source_ref=f"campaign:{campaign.id}:{check.id}:{item.code}",
            title=translate(N_("Permit quality: {rule}"), locale, rule=title)[: problem_rules.TITLE_MAX],
            description=(item.note or title)[: problem_rules.DESCRIPTION_MAX],
            legal_basis=translate(
                N_("Quality check of permits (JN 1(1)); the permit's technical specification"), locale
            )[: problem_rules.LEGAL_BASIS_MAX],
            evidence=translate(
                N_("Campaign {campaign} ({name}), permit {number} version {version}, checklist line {code}"),
                locale,
                campaign=campaign.id,
                name=campaign.name,
                number=permit.number or "",
                version=check.version,
                code=item.code,
            )[: problem_rules.EVIDENCE_MAX],
            department=Role.PERMITTING.value,
        ),
    )


async def record_check(
    session: AsyncSession, actor: Actor, *, check_id: int, results: list[ItemResult]
) -> QualityCheck:
    """Record the results of a permit's checklist lines (all or some). Once every line has a result the
    permit counts as quality-checked; each failed line raises a problem for the permitting section."""
    check, campaign = await load_check(session, actor, check_id)
    require(
        actor,
        Operation.QUALITY_CHECK,
        Target(enterprise_id=check.enterprise_id, region_code=check.region_code),
    )
    if campaign.state != "open":
        raise Conflict(N_("The campaign is closed; its results can no longer change."), field="check_id")
    items = {
        item.code: item
        for item in (
            await session.exec(select(QualityCheckItem).where(QualityCheckItem.check_id == check.id))
        ).all()
    }
    errors: list[FieldError] = []
    if not results:
        errors.append(FieldError("results", "required", N_("Record at least one line.")))
    for result in results:
        where = f"results.{result.code}"
        if result.code not in items:
            errors.append(FieldError(where, "unknown", N_("No such checklist line.")))
            continue
        if result.result not in ITEM_RESULTS:
            errors.append(FieldError(where, "choice", N_("Choose passed, failed or not applicable.")))
        note = result.note or ""
        if "\x00" in note:
            errors.append(
                FieldError(
                    f"{where}.note", "invalid", N_("The text contains a character that is not allowed.")
                )
            )
        elif (problem := too_long(f"{where}.note", note, NOTE_MAX)) is not None:
            errors.append(problem)
        elif result.result == "failed" and not note.strip():
            errors.append(FieldError(f"{where}.note", "required", N_("Say what is wrong.")))
    if errors:
        raise ValidationFailed(errors)
    now = utcnow()
    before = {code: item.result for code, item in items.items()}
    for result in results:
        item = items[result.code]
        item.result, item.note = result.result, (result.note or "").strip()
        item.recorded_at, item.recorded_by = now, actor.username
        session.add(item)
        if item.result == "failed":
            await _raise_failed(session, actor, check, campaign, item)
    if all(item.result is not None for item in items.values()) and check.checked_at is None:
        check.checked_at, check.checked_by = now, actor.username
    session.add(check)
    record(
        session,
        actor,
        action="quality.check_record",
        object_type="quality_check",
        object_id=check.id or 0,
        enterprise_id=check.enterprise_id,
        before=before,
        after={code: item.result for code, item in items.items()},
    )
    return check


async def close_campaign(
    session: AsyncSession, actor: Actor, *, campaign_id: int, conclusion: str
) -> QualityCampaign:
    """Close a campaign with its conclusion; permits whose checklist is incomplete stay unchecked."""
    campaign = await session.get(QualityCampaign, campaign_id) if 0 < campaign_id <= MAX_ID else None
    if campaign is None or not can(actor, Operation.QUALITY_VIEW, Target(region_code=campaign.region_code)):
        raise NotFound(N_("No such campaign."), field="campaign_id")
    require(actor, Operation.QUALITY_CHECK, Target(region_code=campaign.region_code))
    if campaign.state != "open":
        raise Conflict(N_("The campaign is already closed."), field="campaign_id")
    text = (conclusion or "").strip()
    errors: list[FieldError] = []
    if not text or "\x00" in text:
        errors.append(FieldError("conclusion", "required", N_("This field is required.")))
    elif (problem := too_long("conclusion", text, CONCLUSION_MAX)) is not None:
        errors.append(problem)
    if errors:
        raise ValidationFailed(errors)
    campaign.state, campaign.conclusion = "closed", text
    campaign.closed_at, campaign.closed_by = utcnow(), actor.username
    session.add(campaign)
    record(
        session,
        actor,
        action="quality.campaign_close",
        object_type="quality_campaign",
        object_id=campaign.id or 0,
        enterprise_id=None,
        before={"state": "open"},
        after={"state": "closed", "conclusion": text},
    )
    await notices.campaign_closed(session, campaign)
    return campaign
