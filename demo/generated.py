"""Generated units for load tests: ``permitwatch demo --enterprises N`` adds units beyond the city's own,
each with a deterministic, unique name and credit code, most holding an imported permit."""

from __future__ import annotations

import random
from collections.abc import Callable

from sqlmodel.ext.asyncio.session import AsyncSession

from demo.city import DemoEnterprise, Story, enterprise_input, words
from demo.stories import imported_record
from domain.access import Actor
from domain.clock import today
from domain.enterprises.service import register_enterprises
from domain.permits.service.imports import import_permits

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
    """Units ``start`` to ``total - 1``, registered and their permits imported a batch at a time through
    the bulk use cases an operator would use (``register_enterprises``, ``import_permits``): the same
    checks, rows and audit trail as the city's own units, one statement per table a batch."""
    on = today()
    for batch_start in range(start, total, BATCH):
        batch = [
            (index, generated_enterprise(index))
            for index in range(batch_start, min(batch_start + BATCH, total))
        ]
        enterprises = await register_enterprises(
            session, actor, data=[enterprise_input(item, index) for index, item in batch]
        )
        records = [
            imported_record(item, index, enterprise.credit_code, on)
            for (index, item), enterprise in zip(batch, enterprises, strict=True)
            if item.story != Story.REGISTRATION
        ]
        if records:
            await import_permits(session, actor, records=records)
        if progress is not None:
            progress(batch_start + len(batch), total)
