"""Generated units for load tests: ``permitwatch demo --enterprises N`` adds units beyond the city's own,
each with a deterministic, unique name and credit code, most holding an imported permit."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from demo.city import DemoEnterprise, Story, enterprise_input, issuing_authority, permit_number, words
from demo.permit_content import permit_content_for
from demo.stories import story_decision
from domain.access import Actor
from domain.audit.models import AuditEntry
from domain.clock import today, utcnow
from domain.enterprises.models import SNAPSHOT_FIELDS, Enterprise, EnterpriseRevision, ProductionSite
from domain.enterprises.rules import clean_enterprise_input
from domain.errors import N_, FieldError, ValidationFailed
from domain.permits.content import parse_content
from domain.permits.models import (
    Permit,
    PermitEvent,
    PermitLedgerRequirement,
    PermitLimit,
    PermitMonitoring,
    PermitOutlet,
    PermitVersion,
)
from domain.permits.rules import PermitStatus, renewal_deadline, term_years, validity_end

MAX_ENTERPRISES = 100_000
BATCH = 250

GENERATED_REGIONS = (
    "310107",
    "310107",
    "370102",
    "370103",
    "370104",
    "370105",
    "370112",
    "370113",
    "370114",
    "370116",
)
BRANDS = words("""
    恒远 华泰 金桥 宏达 瑞丰 鑫源 永盛 东方 新洲 德昌 嘉禾 汇通 锦程 荣昌 天成 中科 泰和 众诚 晟达 宏图
    银河 博远 华信 安泰 润丰 泓源 海纳 广和 隆兴 兴业 华盛 鼎信 明德 佳诚 大成 福瑞 祥和 振兴 益民 长青
""")
PLACES_SH = ("普陀", "桃浦", "真如", "长征", "万里", "宜川", "曹杨", "甘泉")
PLACES_JN = ("泉城", "历城", "章丘", "长清", "莱芜", "天桥", "槐荫", "济南")
SUFFIXES: dict[str, str] = {
    "4411": "热电有限公司",
    "4412": "能源有限公司",
    "2221": "纸业有限公司",
    "2211": "浆纸有限公司",
    "3110": "炼铁有限公司",
    "3120": "钢铁有限公司",
    "2614": "化工有限公司",
    "2619": "化学有限公司",
    "2621": "化肥有限公司",
    "2651": "新材料有限公司",
    "2710": "药业有限公司",
    "2720": "制药有限公司",
    "1713": "印染有限公司",
    "3360": "表面处理有限公司",
    "4620": "水务有限公司",
    "3011": "水泥有限公司",
}
GENERATED_INDUSTRIES = tuple(SUFFIXES)


def generated_enterprise(index: int) -> DemoEnterprise:
    """The demo unit number ``index`` beyond the city's own: deterministic, unique name and code."""
    rng = random.Random(index)
    region = GENERATED_REGIONS[index % len(GENERATED_REGIONS)]
    industry = GENERATED_INDUSTRIES[(index // len(GENERATED_REGIONS)) % len(GENERATED_INDUSTRIES)]
    shanghai = region.startswith("31")
    places = PLACES_SH if shanghai else PLACES_JN
    # brand, place and lot number together are unique per index, whatever the city and industry.
    brand = BRANDS[index % len(BRANDS)]
    place = places[(index // len(BRANDS)) % len(places)]
    lot = index // (len(BRANDS) * len(places))
    name = f"{'上海' if shanghai else '济南'}{place}{brand}{SUFFIXES[industry]}"
    if lot:
        name += f"第{lot + 1}分公司"
    roll = rng.random()
    category = "registration" if roll < 0.05 else ("key" if roll < 0.45 else "simplified")
    story_roll = rng.random()
    if category == "registration":
        story = Story.REGISTRATION
    elif story_roll < 0.70:
        story = Story.IN_FORCE
    elif story_roll < 0.78:
        story = Story.RENEWED_EARLIER
    elif story_roll < 0.84:
        story = Story.EXPIRING
    elif story_roll < 0.89:
        story = Story.RENEWAL_LATE
    else:
        story = Story.EXPIRED
    town = "上海市普陀区" if shanghai else "济南市"
    address = f"{town}{place}工业园{rng.randint(1, 300)}号"
    return DemoEnterprise(
        name, region, industry, category, address, story=story, scale=round(rng.uniform(0.2, 1.2), 2)
    )


async def generate(
    session: AsyncSession,
    actor: Actor,
    *,
    start: int,
    total: int,
    progress: Callable[[int, int], None] | None,
) -> None:
    """Generated units for load tests, written in bulk: the rows the use cases would write.

    Registering and importing one by one costs some 25 ms a unit on SQLite (the ORM inserts row
    by row there); a 10,000-unit city would take minutes. The same pure rules check every unit
    and every permit (credit code, permit content, validity, renewal deadline), the rows are
    mirror the permit register's own writer (a test compares them), one INSERT per table a batch.
    """
    on = today()
    checked: set[Any] = set()
    for batch_start in range(start, total, BATCH):
        batch = [
            (index, generated_enterprise(index))
            for index in range(batch_start, min(batch_start + BATCH, total))
        ]
        await _write_generated(session, actor, batch, on, checked)
        if progress is not None:
            progress(batch_start + len(batch), total)


def _template(model: Any) -> dict[str, Any]:
    """The default value of every optional column of a table model (so a bulk row is complete)."""
    values: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if name == "id" or info.is_required():
            continue
        values[name] = info.default_factory() if info.default_factory else info.default  # type: ignore[call-arg]
    return values


def _limit_rows(permit_id: int, point: str, limits: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "permit_id": permit_id,
            "version": 1,
            "point_code": point,
            "pollutant": limit["pollutant"],
            "concentration_limit": limit["concentration_limit"],
            "unit": limit["unit"],
            "annual_quantity_limit": limit["annual_quantity_limit"],
            "standard": limit["standard"],
        }
        for limit in limits
    ]


def content_rows(permit_id: int, content: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The rows of version 1 of a permit's content, as ``permits._write_content_rows`` writes them."""
    rows: dict[str, list[dict[str, Any]]] = {"outlets": [], "limits": [], "monitoring": [], "ledger": []}
    for outlet in content["outlets"]:
        rows["outlets"].append(
            {
                "permit_id": permit_id,
                "version": 1,
                "is_fugitive": False,
                **{key: outlet[key] for key in OUTLET_COLUMNS},
            }
        )
        rows["limits"] += _limit_rows(permit_id, outlet["code"], outlet["limits"])
    for source in content["fugitive_sources"]:
        rows["outlets"].append(
            {
                "permit_id": permit_id,
                "version": 1,
                "is_fugitive": True,
                **{key: None for key in OUTLET_COLUMNS},
                "code": source["code"],
                "name": source["name"],
                "location": source["location"],
                "direction": "",
                "online_monitoring": False,
            }
        )
        rows["limits"] += _limit_rows(permit_id, source["code"], source["limits"])
    for item in content["monitoring"]:
        rows["monitoring"].append(
            {
                "permit_id": permit_id,
                "version": 1,
                "point_code": item["point"],
                "pollutant": item["pollutant"],
                "frequency": item["frequency"],
                "method": item["method"],
            }
        )
    for requirement in content["ledger_records"]:
        rows["ledger"].append(
            {
                "permit_id": permit_id,
                "version": 1,
                "kind": requirement["kind"],
                "frequency": requirement["frequency"],
            }
        )
    return rows


OUTLET_COLUMNS = (
    "code",
    "name",
    "medium",
    "kind",
    "location",
    "longitude",
    "latitude",
    "direction",
    "height_m",
    "online_monitoring",
)


async def _write_generated(
    session: AsyncSession, actor: Actor, batch: list[tuple[int, DemoEnterprise]], on: date, checked: set[Any]
) -> None:
    connection = await session.connection()
    now = utcnow()
    templates = {model: _template(model) for model in (Enterprise, Permit, PermitVersion, PermitEvent)}
    audit_template = {**_template(AuditEntry), "occurred_at": now}
    by_actor = {
        "actor_user_id": actor.user_id,
        "actor_username": actor.username,
        "actor_role": actor.role.value if actor.role else None,
        "on_behalf_of": actor.on_behalf_of,
        "channel": actor.channel,
    }
    enterprises: list[dict[str, Any]] = []
    for index, item in batch:
        cleaned, errors = clean_enterprise_input(enterprise_input(item, index))
        if errors:
            raise ValidationFailed(errors)
        enterprises.append(
            {**templates[Enterprise], **cleaned.as_dict(), "version": 1, "created_at": now, "updated_at": now}
        )
    table = Enterprise.__table__  # type: ignore[attr-defined]
    inserted = await connection.execute(
        table.insert().returning(table.c.id, table.c.credit_code), enterprises
    )
    ids = {code: id_ for id_, code in inserted}
    revisions, audit = [], []
    for enterprise in enterprises:
        snapshot = {key: enterprise[key] for key in SNAPSHOT_FIELDS}
        revisions.append(
            {
                "enterprise_id": ids[enterprise["credit_code"]],
                "version": 1,
                "data": snapshot,
                "changed_fields": list(SNAPSHOT_FIELDS),
                "changed_at": now,
                "changed_by_id": actor.user_id,
                "changed_by_username": actor.username,
                "on_behalf_of": actor.on_behalf_of,
            }
        )
        audit.append(
            {
                **audit_template,
                **by_actor,
                "action": "enterprise.register",
                "object_type": "enterprise",
                "object_id": enterprise["credit_code"],
                "after": snapshot,
            }
        )
    await connection.execute(EnterpriseRevision.__table__.insert(), revisions)  # type: ignore[attr-defined]
    # Each unit's production site 001, as register_enterprise writes it.
    site_table = ProductionSite.__table__  # type: ignore[attr-defined]
    sites = await connection.execute(
        site_table.insert().returning(site_table.c.id, site_table.c.enterprise_id),
        [
            {
                "enterprise_id": ids[enterprise["credit_code"]],
                "sequence": 1,
                "name": enterprise["name"],
                "address": enterprise["operating_address"],
                "region_code": enterprise["region_code"],
                "industry_code": enterprise["industry_code"],
                "longitude": None,
                "latitude": None,
                "created_at": now,
                "updated_at": now,
            }
            for enterprise in enterprises
        ],
    )
    site_ids = {enterprise_id: id_ for id_, enterprise_id in sites}
    issued: list[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = []
    for (index, item), enterprise in zip(batch, enterprises, strict=True):
        if item.story == Story.REGISTRATION:
            continue
        content = permit_content_for(item, index)
        shape = (item.industry_code, item.category, item.region_code[:2])
        if shape not in checked:
            # Every unit of a shape has the same outlets and pollutants; one check per shape suffices.
            parsed, errors = parse_content(content)
            if errors or parsed.to_dict() != content:
                raise ValidationFailed(
                    errors or [FieldError("content", "not_canonical", N_("Invalid value."))]
                )
            checked.add(shape)
        decision, renewed = story_decision(item.story, on, index)
        valid_until = validity_end(decision, term_years(decision, renewed))
        deadline = renewal_deadline(valid_until, decision)
        permit = {
            **templates[Permit],
            "number": permit_number(enterprise["credit_code"]),
            "enterprise_id": ids[enterprise["credit_code"]],
            "site_id": site_ids[ids[enterprise["credit_code"]]],
            "category": item.category,
            "status": PermitStatus.ISSUED.value,
            "issuing_authority": issuing_authority(item.region_code),
            "region_code": item.region_code,
            "industry_code": item.industry_code,
            "renewed": renewed,
            "decision_date": decision,
            "valid_from": decision,
            "valid_until": valid_until,
            "validity_cut_reason": "",
            "renewal_due": deadline.date,
            "renewal_due_approximate": deadline.approximate,
            "content_version": 1,
            "created_at": now,
            "updated_at": now,
        }
        issued.append((permit, enterprise, content))
    if issued:
        table = Permit.__table__  # type: ignore[attr-defined]
        inserted = await connection.execute(
            table.insert().returning(table.c.id, table.c.number), [permit for permit, _, _ in issued]
        )
        permit_ids = {number: id_ for id_, number in inserted}
        versions, events = [], []
        rows: dict[str, list[dict[str, Any]]] = {"outlets": [], "limits": [], "monitoring": [], "ledger": []}
        for permit, enterprise, content in issued:
            permit_id = permit_ids[permit["number"]]
            basic_info = {**{key: enterprise[key] for key in BASIC_INFO_FIELDS}, "site": "001"}
            versions.append(
                {
                    **templates[PermitVersion],
                    "permit_id": permit_id,
                    "version": 1,
                    "reason": "imported",
                    "category": permit["category"],
                    "decision_date": permit["decision_date"],
                    "valid_from": permit["valid_from"],
                    "valid_until": permit["valid_until"],
                    "basic_info": basic_info,
                    "content": content,
                    "created_at": now,
                    "created_by_username": actor.username,
                }
            )
            for key, values in content_rows(permit_id, content).items():
                rows[key] += values
            events.append(
                {
                    **templates[PermitEvent],
                    "permit_id": permit_id,
                    "application_id": None,
                    "kind": "issued",
                    "occurred_at": now,
                    "effective_on": permit["decision_date"],
                    "note": "Imported from the national platform",
                    "public": True,
                    "actor_username": actor.username,
                }
            )
            audit.append(
                {
                    **audit_template,
                    **by_actor,
                    "action": "permit.import",
                    "object_type": "permit",
                    "object_id": permit["number"],
                    "after": {
                        "number": permit["number"],
                        "status": permit["status"],
                        "category": permit["category"],
                        "decision_date": permit["decision_date"].isoformat(),
                        "valid_until": permit["valid_until"].isoformat(),
                        "content_version": 1,
                    },
                }
            )
        for model, values in (
            (PermitVersion, versions),
            (PermitOutlet, rows["outlets"]),
            (PermitLimit, rows["limits"]),
            (PermitMonitoring, rows["monitoring"]),
            (PermitLedgerRequirement, rows["ledger"]),
            (PermitEvent, events),
        ):
            if values:
                await connection.execute(model.__table__.insert(), values)  # type: ignore[union-attr]
    await connection.execute(AuditEntry.__table__.insert(), audit)  # type: ignore[attr-defined]


BASIC_INFO_FIELDS = (
    "name",
    "credit_code",
    "registered_address",
    "operating_address",
    "legal_representative",
    "industry_code",
)
