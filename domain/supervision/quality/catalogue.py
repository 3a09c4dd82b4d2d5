"""The classification catalogue: which management category an industry's units hold.

Source: 《固定污染源排污许可分类管理名录（2019年版）》 (MEE Order No. 11, in force 2019-12-20), the rows
of the industries the rule sets cover (every industry of the demo city among them). Each row says when a
unit of the industry is under key management (重点管理), simplified management (简化管理) or registration
(登记管理), in the catalogue's own words, and the lowest category the catalogue allows a permit holder
of the industry at all: a permit below it is wrong whatever the unit's processes and size. Where the
category depends on the processes or the size (a sewage plant's daily capacity, an electroplating
process), the lowest is the simplified one and the catalogue's condition for key management goes on
the quality check's hand checklist (``rules.hand_items``).
"""

from __future__ import annotations

from dataclasses import dataclass

CATALOGUE_NAME = "《固定污染源排污许可分类管理名录（2019年版）》"
KEY, SIMPLIFIED = "key", "simplified"
CATEGORY_RANK = {KEY: 2, SIMPLIFIED: 1}


@dataclass(frozen=True)
class CatalogueRow:
    industry_class: str  # the catalogue's 行业类别 as it reads
    key: str  # when key management applies (the catalogue's words)
    simplified: str  # when simplified management applies ("—": never)
    lowest: str  # the lowest category a permit of the industry may have


_ALL = "全部"
_NONE = "—"
_LISTED = "纳入重点排污单位名录的"

CATALOGUE: dict[str, CatalogueRow] = {
    "4411": CatalogueRow("电力、热力生产和供应业44 — 火力发电4411", _ALL, _NONE, KEY),
    "4412": CatalogueRow("电力、热力生产和供应业44 — 热电联产4412", _ALL, _NONE, KEY),
    "2211": CatalogueRow("造纸和纸制品业22 — 纸浆制造221", _ALL, _NONE, KEY),
    "2221": CatalogueRow(
        "造纸和纸制品业22 — 造纸222（机制纸及纸板制造2221）", "机制纸及纸板制造2221", _NONE, KEY
    ),
    "2319": CatalogueRow(
        "印刷和记录媒介复制业23 — 印刷231",
        _LISTED,
        "除重点管理以外的年使用80吨及以上溶剂型油墨、涂料或者10吨及以上有机溶剂的",
        SIMPLIFIED,
    ),
    "3110": CatalogueRow("黑色金属冶炼和压延加工业31 — 炼铁311", _ALL, _NONE, KEY),
    "3120": CatalogueRow("黑色金属冶炼和压延加工业31 — 炼钢312", _ALL, _NONE, KEY),
    "2521": CatalogueRow("石油、煤炭及其他燃料加工业25 — 炼焦252", _ALL, _NONE, KEY),
    "2511": CatalogueRow("石油、煤炭及其他燃料加工业25 — 原油加工及石油制品制造2511", _ALL, _NONE, KEY),
    "3360": CatalogueRow(
        "金属制品业33 — 金属表面处理及热处理加工336",
        "纳入重点排污单位名录的，专业电镀企业（含电镀园区中电镀企业），专门处理电镀废水的集中处理设施，"
        "有电镀工序的，有含铬钝化工序的",
        "除重点管理以外的有酸洗、抛光（电解抛光和化学抛光）、热浸镀（溶剂法）、淬火或者钝化等工序的，"
        "年使用10吨及以上有机溶剂的",
        SIMPLIFIED,
    ),
    "3211": CatalogueRow("有色金属冶炼和压延加工业32 — 常用有色金属冶炼321（铜冶炼3211）", _ALL, _NONE, KEY),
    "3212": CatalogueRow(
        "有色金属冶炼和压延加工业32 — 常用有色金属冶炼321（铅锌冶炼3212）", _ALL, _NONE, KEY
    ),
    "3216": CatalogueRow("有色金属冶炼和压延加工业32 — 常用有色金属冶炼321（铝冶炼3216）", _ALL, _NONE, KEY),
    "4620": CatalogueRow(
        "水的生产和供应业46 — 污水处理及其再生利用462",
        "工业废水集中处理场所，日处理能力2万吨及以上的城乡污水集中处理场所",
        "日处理能力500吨及以上2万吨以下的城乡污水集中处理场所",
        SIMPLIFIED,
    ),
    "7820": CatalogueRow(
        "公共设施管理业78 — 环境卫生管理782",
        "生活垃圾（含餐厨废弃物）、生活污水处理污泥集中焚烧的",
        "生活垃圾（含餐厨废弃物）、生活污水处理污泥集中处理（除焚烧以外的）日处理能力50吨及以上的",
        SIMPLIFIED,
    ),
    "1713": CatalogueRow(
        "纺织业17 — 棉纺织及印染精加工171（棉印染精加工1713）",
        _LISTED,
        "除重点管理以外的有前处理、染色、印花、洗毛、麻脱胶、缫丝或者喷水织造工序的",
        SIMPLIFIED,
    ),
    "1910": CatalogueRow("皮革、毛皮、羽毛及其制品和制鞋业19 — 皮革鞣制加工191", "有鞣制工序的", _NONE, KEY),
    "2614": CatalogueRow(
        "化学原料和化学制品制造业26 — 基础化学原料制造261（有机化学原料制造2614）", _ALL, _NONE, KEY
    ),
    "2619": CatalogueRow(
        "化学原料和化学制品制造业26 — 基础化学原料制造261（其他基础化学原料制造2619）",
        "非金属无机氧化物、金属氧化物、金属过氧化物、金属超氧化物、硫磺、磷、硅、精硅、硒、砷、硼、碲",
        "除重点管理以外的其他基础化学原料制造",
        SIMPLIFIED,
    ),
    "2621": CatalogueRow("化学原料和化学制品制造业26 — 肥料制造262（氮肥制造2621）", _ALL, _NONE, KEY),
    "2651": CatalogueRow(
        "化学原料和化学制品制造业26 — 合成材料制造265（初级形态塑料及合成树脂制造2651）",
        _ALL,
        _NONE,
        KEY,
    ),
    "2710": CatalogueRow("医药制造业27 — 化学药品原料药制造271", _ALL, _NONE, KEY),
    "2720": CatalogueRow(
        "医药制造业27 — 化学药品制剂制造272", _LISTED, "除重点管理以外的化学药品制剂制造", SIMPLIFIED
    ),
    "3011": CatalogueRow(
        "非金属矿物制品业30 — 水泥、石灰和石膏制造301（水泥制造3011）",
        "水泥（熟料）制造",
        "水泥粉磨站",
        SIMPLIFIED,
    ),
    "3041": CatalogueRow("非金属矿物制品业30 — 玻璃制造304（平板玻璃制造3041）", _ALL, _NONE, KEY),
}


def row_for(industry_code: str) -> CatalogueRow | None:
    return CATALOGUE.get(industry_code)


def below_catalogue(industry_code: str, category: str) -> bool:
    """True when a permit of this industry holds a category lower than the catalogue allows any unit."""
    row = CATALOGUE.get(industry_code)
    if row is None or category not in CATEGORY_RANK:
        return False
    return CATEGORY_RANK[category] < CATEGORY_RANK[row.lowest]
