"""Demonstration data: a believable small city of regulators, enterprises, their staff and permits.

Two areas: Putuo district in Shanghai (310107) and the districts of Jinan (3701xx). Every
unit, company and person is fictional. Everything is created through the domain's own
use cases, so the demo has the same history, public announcements and audit trail as
real data: permits already issued on the national platform are imported (with their
past decision dates), the rest go through the lifecycle (apply, accept, extend, grant,
refuse, issue, renew, change, revoke, cancel) as the region's permitting section.

Permitted concentrations are of the real order of magnitude for each industry (the
standard is named on every limit); annual quantities follow from a plausible flow.

``load(session, enterprises=N)`` adds generated units up to N in all, for load tests.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Role, operator
from domain.accounts.models import User
from domain.accounts.queries import find_user
from domain.accounts.service.users import create_user
from domain.actors import actor_for
from domain.audit.models import AuditEntry
from domain.clock import utcnow
from domain.enterprises.models import SNAPSHOT_FIELDS, Enterprise, EnterpriseRevision, ProductionSite
from domain.enterprises.rules import EnterpriseInput, SiteInput, clean_enterprise_input, make_credit_code
from domain.enterprises.service import add_site, register_enterprise
from domain.errors import N_, FieldError, ValidationFailed
from domain.permits import rules
from domain.permits import service as permits
from domain.permits.models import (
    Permit,
    PermitEvent,
    PermitLedgerRequirement,
    PermitLimit,
    PermitMonitoring,
    PermitOutlet,
    PermitVersion,
)
from domain.permits.rules import (
    PermitStatus,
    add_years,
    renewal_deadline,
    term_years,
    validity_end,
)
from domain.regions import region_name

DEMO_PASSWORD = "demo-pass-2026"
MAX_ENTERPRISES = 100_000
BATCH = 250


class Story(StrEnum):
    """What happened to a unit's permit, so the demo shows every status a regulator meets."""

    IN_FORCE = "in_force"  # imported, decided months ago
    RENEWED_EARLIER = "renewed_earlier"  # imported as a renewed (5-year) permit
    EXPIRING = "expiring"  # valid until within 60 days, renewal still possible
    RENEWAL_LATE = "renewal_late"  # the 30-working-day renewal deadline has passed
    EXPIRED = "expired"  # expired and not renewed
    REVOKED = "revoked"  # 撤销
    CANCELLED_EXPIRED = "cancelled_expired"  # 注销: expired and not renewed
    CANCELLED_CLOSED = "cancelled_closed"  # 注销: the unit closed down
    CHANGED = "changed"  # a change of permitted items issued: version 2
    CHANGE_IN_REVIEW = "change_in_review"  # a change accepted, not yet decided
    RENEWED = "renewed"  # renewal applied for, granted and issued: 5 years from today
    RENEWAL_SUBMITTED = "renewal_submitted"  # renewal filed, awaiting acceptance
    FIRST_ISSUED = "first_issued"  # a first permit through the whole procedure
    SUBMITTED = "submitted"  # first application filed
    ACCEPTED = "accepted"  # first application accepted
    EXTENDED = "extended"  # accepted, decision time limit extended
    GRANTED = "granted"  # granted, to be issued
    REFUSED = "refused"  # 不予许可
    NOT_ACCEPTED = "not_accepted"  # 不予受理
    AWAITING_IMPORT = "awaiting_import"  # issued nationally; the units of the example import file
    REGISTRATION = "registration"  # registration only (排污登记): no permit


@dataclass(frozen=True)
class DemoEnterprise:
    name: str
    region_code: str
    industry_code: str
    category: str
    address: str
    legal_representative: str = ""
    technical_lead: str = ""
    story: Story = Story.IN_FORCE
    scale: float = 1.0


# name | region | industry (GB/T 4754) | category | street | legal representative | technical lead
# | story | scale (flows relative to the industry's typical plant). The first fourteen rows are the
# original demo city: logins and tests refer to them by position, keep them first and in order.
CITY = """
上海申普热电有限公司 | 310107 | 4411 | key | 武宁路1888号 | 陈建国 | 刘洋 | renewal_submitted
上海真如精细化工有限公司 | 310107 | 2614 | key | 真南路520号 | 黄志强 | 周敏 | changed | 0.6
上海长风印染有限公司 | 310107 | 1713 | simplified | 云岭东路301号 | 吴海燕 | 郑磊 | expiring | 0.4
上海桃浦表面处理有限公司 | 310107 | 3360 | key | 桃浦路98号 | 孙立新 | 马骏 | in_force | 0.5
上海普陀城西污水处理有限公司 | 310107 | 4620 | key | 祁连山南路2500号 | 朱伟 | 胡静 | renewed_earlier | 0.8
上海曹杨包装印务有限公司 | 310107 | 2221 | registration | 兰溪路77号 | 林峰 | 何丽 | registration
济南泉能发电有限公司 | 370105 | 4411 | key | 工业北路66号 | 王建华 | 李强 | renewed
济南明湖纸业有限公司 | 370112 | 2221 | key | 工业南路168号 | 张丽 | 赵勇 | in_force
济南莱城钢铁有限公司 | 370116 | 3120 | key | 钢城大道1号 | 刘刚 | 杨帆 | in_force | 1.2
济南莱城炼铁有限公司 | 370116 | 3110 | key | 钢城大道3号 | 刘刚 | 徐明 | renewal_late
济南泉城制药有限公司 | 370113 | 2710 | key | 大学科技园7号 | 高平 | 宋佳 | expired
济南章丘化肥有限公司 | 370114 | 2621 | simplified | 明水经济开发区 | 郭涛 | 韩雪 | in_force
济南华阳电镀有限公司 | 370104 | 3360 | simplified | 美里路55号 | 曹阳 | 彭静 | revoked
济南水务槐荫污水处理有限公司 | 370104 | 4620 | key | 西客站北路9号 | 邓辉 | 蒋涛 | in_force
上海真如能源中心有限公司 | 310107 | 4412 | key | 真陈路1200号 | 沈国良 | 陆佳 | in_force | 0.5
上海桃浦生物制药有限公司 | 310107 | 2710 | key | 景泰路88号 | 顾文博 | 钱雅婷 | awaiting_import | 0.4
上海万里印染有限公司 | 310107 | 1713 | simplified | 大渡河路1751号 | 金德明 | 汪晓东 | awaiting_import
上海金沙江制药有限公司 | 310107 | 2720 | simplified | 金沙江路2890号 | 范春梅 | 陶俊杰 | submitted | 0.3
上海宜川表面处理有限公司 | 310107 | 3360 | key | 宜川路180号 | 严国栋 | 施丽娟 | extended | 0.4
上海长征电镀有限公司 | 310107 | 3360 | simplified | 梅川路1366号 | 姚永刚 | 蔡敏 | accepted | 0.3
上海真北印染有限公司 | 310107 | 1713 | simplified | 真北路3199号 | 袁桂芳 | 潘磊 | cancelled_closed | 0.3
上海桃浦树脂有限公司 | 310107 | 2651 | key | 敦煌路655号 | 陆振华 | 邹欣怡 | first_issued | 0.5
上海武宁精细化工有限公司 | 310107 | 2614 | key | 武威东路203号 | 丁学军 | 许晨曦 | cancelled_expired | 0.4
上海石泉污水处理有限公司 | 310107 | 4620 | key | 石泉路1055号 | 蒋红霞 | 傅思远 | in_force | 0.6
上海曹杨制药有限公司 | 310107 | 2720 | simplified | 曹杨路1040号 | 朱淑珍 | 夏宇航 | in_force | 0.3
上海桃浦染整有限公司 | 310107 | 1713 | simplified | 真陈路488号 | 秦建军 | 程静 | not_accepted | 0.3
上海真光表面处理有限公司 | 310107 | 3360 | simplified | 真光路1258号 | 冯玉兰 | 邵涛 | refused | 0.3
上海桃浦化工有限公司 | 310107 | 2619 | key | 景泰路210号 | 崔志强 | 任佳怡 | expired | 0.4
上海万里纸制品有限公司 | 310107 | 2221 | registration | 新村路1588号 | 唐秀英 | 马超 | registration
上海长风生物科技有限公司 | 310107 | 2710 | simplified | 云岭西路600号 | 毛子涵 | 韩杰 | granted | 0.3
上海怒江电镀有限公司 | 310107 | 3360 | simplified | 怒江北路598号 | 叶明辉 | 杜娟 | renewal_late | 0.3
上海李子园污水处理有限公司 | 310107 | 4620 | simplified | 李子园路40号 | 方家豪 | 吕芳 | expiring | 0.15
济南历城热电有限公司 | 370112 | 4411 | key | 工业北路288号 | 孙振兴 | 刘鹏 | in_force | 0.6
济南章丘发电有限公司 | 370114 | 4411 | key | 埠村街道电厂路1号 | 李永刚 | 王亮 | changed
济南长清热电有限公司 | 370113 | 4412 | key | 经十西路9999号 | 张德昌 | 赵雪梅 | in_force | 0.6
济南华泉纸业有限公司 | 370105 | 2221 | key | 桑梓店工业园16号 | 田国栋 | 孔丽娟 | expiring
济南章丘浆纸有限公司 | 370114 | 2211 | key | 刁镇工业园3号 | 董建国 | 郝文博 | in_force | 1.3
济南长清纸业有限公司 | 370113 | 2221 | simplified | 平安街道工业园8号 | 于春梅 | 贾勇 | expired | 0.3
济南莱芜特钢有限公司 | 370116 | 3120 | key | 高新区钢都大街6号 | 亓红霞 | 吴晓东 | renewed_earlier
济南口镇炼铁有限公司 | 370116 | 3110 | key | 口镇工业园1号 | 魏立新 | 段超 | in_force | 0.8
济南羊里钢铁有限公司 | 370116 | 3120 | key | 羊里街道钢厂路2号 | 侯振华 | 雷敏 | revoked | 0.6
济南章丘水泥有限公司 | 370114 | 3011 | key | 相公庄街道建材路1号 | 牛建军 | 翟静 | in_force
济南历城水泥有限公司 | 370112 | 3011 | key | 董家街道建材园5号 | 房德明 | 路平 | cancelled_expired | 0.7
济南长清水泥粉磨有限公司 | 370113 | 3011 | simplified | 崮云湖街道建材路12号 | 逯桂芳 | 商涛 | in_force | 0.3
济南刁镇化工有限公司 | 370114 | 2614 | key | 刁镇化工产业园18号 | 宁志强 | 乔俊杰 | in_force | 0.8
济南明水精细化工有限公司 | 370114 | 2614 | key | 明水经济开发区化工路7号 | 鲍家豪 | 葛雅婷 | accepted | 0.5
济南埠村化学有限公司 | 370114 | 2619 | simplified | 埠村街道化工园2号 | 邢永刚 | 蒲磊 | in_force | 0.4
济南历城树脂有限公司 | 370112 | 2651 | key | 港沟街道新材料园9号 | 隋淑珍 | 单思远 | submitted
济南绣源化肥有限公司 | 370114 | 2621 | key | 绣惠街道化肥厂路1号 | 穆学军 | 亓欣怡 | extended
济南槐荫制药有限公司 | 370104 | 2720 | simplified | 腊山河西路77号 | 燕晨曦 | 尹杰 | in_force | 0.3
济南长清生物医药有限公司 | 370113 | 2710 | key | 大学科技园医药路3号 | 蔺子涵 | 鞠娟 | granted | 0.5
济南天桥药业有限公司 | 370105 | 2710 | key | 药山街道药谷路21号 | 厉宇航 | 桑芳 | not_accepted
济南美里电镀有限公司 | 370104 | 3360 | simplified | 美里湖工业园11号 | 巩明辉 | 解鹏 | in_force | 0.3
济南天桥表面处理有限公司 | 370105 | 3360 | key | 大桥街道表面处理中心5号 | 伊玉兰 | 苗亮 | expiring | 0.5
济南唐冶电镀有限公司 | 370112 | 3360 | simplified | 唐冶街道工业园31号 | 韦海燕 | 车勇 | refused | 0.3
济南槐荫印染有限公司 | 370104 | 1713 | simplified | 张庄路388号 | 阎秀英 | 柏刚 | in_force | 0.4
济南章丘印染有限公司 | 370114 | 1713 | key | 双山街道纺织园6号 | 焦振华 | 臧敏 | renewal_late
济南腊山污水处理有限公司 | 370103 | 4620 | key | 腊山河东路1号 | 温建国 | 仲超 | in_force | 0.8
济南东郊污水处理有限公司 | 370102 | 4620 | key | 工业南路东首 | 滕国栋 | 牟霞 | renewed | 1.2
济南章丘污水处理有限公司 | 370114 | 4620 | key | 明水街道污水处理厂路1号 | 展红霞 | 綦平 | first_issued | 0.5
济南天桥包装制品有限公司 | 370105 | 2221 | registration | 北园大街566号 | 扈德明 | 闫芳 | registration
济南莱芜热电有限公司 | 370116 | 4411 | key | 凤城街道热电路1号 | 吕文博 | 展鹏 | expired | 0.5
济南长清印染有限公司 | 370113 | 1713 | simplified | 文昌街道纺织路8号 | 司春梅 | 靳亮 | renewed_earlier | 0.3
济南历城化工有限公司 | 370112 | 2619 | key | 王舍人街道化工路15号 | 付立新 | 殷静 | change_in_review | 0.6
"""


def _enterprise(line: str) -> DemoEnterprise:
    name, region, industry, category, street, legal, lead, *rest = (part.strip() for part in line.split("|"))
    return DemoEnterprise(
        name,
        region,
        industry,
        category,
        region_name(region) + street,
        legal,
        lead,
        Story(rest[0]) if rest else Story.IN_FORCE,
        float(rest[1]) if len(rest) > 1 else 1.0,
    )


ENTERPRISES = [_enterprise(line) for line in CITY.strip().splitlines()]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: Role
    description: str
    enterprise_index: int | None = None
    region_code: str | None = None


LOGINS = [
    DemoLogin("admin", Role.ADMIN, "系统管理员 / system administrator"),
    DemoLogin(
        "pt-permitting", Role.PERMITTING, "普陀区 审批科 / Putuo permitting section", region_code="310107"
    ),
    DemoLogin("pt-ecology", Role.ECOLOGY, "普陀区 生态科 / Putuo ecology section", region_code="310107"),
    DemoLogin(
        "pt-pollution",
        Role.POLLUTION_PREVENTION,
        "普陀区 污防科 / Putuo pollution prevention",
        region_code="310107",
    ),
    DemoLogin("pt-legal", Role.LEGAL, "普陀区 法制科 / Putuo legal and credit", region_code="310107"),
    DemoLogin(
        "pt-enforcement",
        Role.ENFORCEMENT,
        "普陀区 执法大队 / Putuo enforcement brigade",
        region_code="310107",
    ),
    DemoLogin(
        "pt-station",
        Role.MONITORING_STATION,
        "普陀区 监测站 / Putuo monitoring station",
        region_code="310107",
    ),
    DemoLogin(
        "jn-permitting", Role.PERMITTING, "济南市 审批科 / Jinan permitting section", region_code="370100"
    ),
    DemoLogin(
        "jn-enforcement",
        Role.ENFORCEMENT,
        "济南市 执法大队 / Jinan enforcement brigade",
        region_code="370100",
    ),
    DemoLogin(
        "shenpu-admin",
        Role.ENTERPRISE_ADMIN,
        "上海申普热电 企业管理员 / enterprise admin",
        enterprise_index=0,
    ),
    DemoLogin(
        "shenpu-staff",
        Role.ENTERPRISE_STAFF,
        "上海申普热电 环保专员 / environmental officer",
        enterprise_index=0,
    ),
    DemoLogin(
        "zhenru-admin",
        Role.ENTERPRISE_ADMIN,
        "上海真如精细化工 企业管理员 / enterprise admin",
        enterprise_index=1,
    ),
    DemoLogin(
        "minghu-admin",
        Role.ENTERPRISE_ADMIN,
        "济南明湖纸业 企业管理员 / enterprise admin",
        enterprise_index=7,
    ),
    # Registered with its agency (below), not as a plain user.
    DemoLogin("lvyuan-clerk", Role.AGENCY_STAFF, "上海绿源环境技术服务 机构人员 / agency clerk"),
]

# A third-party service agency of Putuo, approved by the legal section, that keeps the ledger and files
# the reports of 申普热电 and files the reports of 真如精细化工 (authorised by their administrators).
DEMO_AGENCY_NAME = "上海绿源环境技术服务有限公司"
DEMO_AGENCY_CLIENTS = ((0, ("ledger", "reports")), (1, ("reports",)))
DEMO_AGENCY_SINCE_DAYS = 240  # the authorisations began this many days before the demo was loaded


def demo_credit_code(region_code: str, index: int) -> str:
    return make_credit_code(f"91{region_code}{index + 1:09d}")


def permit_number(credit_code: str) -> str:
    return f"{credit_code}001P"


def issuing_authority(region_code: str) -> str:
    return "上海市普陀区生态环境局" if region_code.startswith("31") else "济南市生态环境局"


async def is_empty(session: AsyncSession) -> bool:
    return int((await session.exec(select(func.count()).select_from(User))).one()) == 0


# ---------------------------------------------------------------------------
# What each industry discharges (permit copy content)
# ---------------------------------------------------------------------------

Limit = tuple[str, float]  # pollutant code, permitted concentration


@dataclass(frozen=True)
class PointSpec:
    code: str
    kind: str  # main | general
    name: str
    flow: float  # m³/h (air) or m³/d (water) at scale 1
    limits: tuple[Limit, ...]
    standard: str
    height_m: float | None = None
    online: tuple[str, ...] = ()  # pollutants under automatic monitoring
    direct: bool = False  # water discharged to a river rather than to a sewage plant

    @property
    def medium(self) -> str:
        return "air" if self.code.startswith("DA") else "water"


@dataclass(frozen=True)
class Profile:
    facilities: tuple[tuple[str, str], ...]
    products: tuple[tuple[str, str], ...]
    controls: tuple[tuple[str, str], ...]
    points: tuple[PointSpec, ...]
    fugitive: tuple[tuple[str, str, tuple[Limit, ...]], ...] = ()
    secret: tuple[str, ...] = ()
    special: tuple[tuple[str, str, str, float], ...] = ()  # period, point, pollutant, limit
    monthly_reports: bool = False
    hours: int = 7500  # operating hours a year (air quantities)


def _limits(text: str) -> tuple[Limit, ...]:
    """'SO2 35, NOX 50' → (('SO2', 35.0), ('NOX', 50.0))."""
    pairs = (part.split() for part in text.split(",") if part.strip())
    return tuple((code, float(value)) for code, value in pairs)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _pairs(text: str) -> tuple[tuple[str, str], ...]:
    """'1#锅炉: 1025 t/h; 2#锅炉: 1025 t/h' → (('1#锅炉', '1025 t/h'), …)."""
    return tuple(
        (name.strip(), value.strip()) for name, value in (part.split(":") for part in text.split(";"))
    )


def _points(table: str) -> tuple[PointSpec, ...]:
    """Rows: code | kind | name | flow | limits | standard | stack height m | online pollutants | direct."""
    points = []
    for line in table.strip().splitlines():
        code, kind, name, flow, limits, standard, *rest = (part.strip() for part in line.split("|"))
        points.append(
            PointSpec(
                code,
                kind,
                name,
                float(flow),
                _limits(limits),
                standard,
                float(rest[0]) if rest and rest[0] else None,
                tuple(rest[1].split()) if len(rest) > 1 else (),
                len(rest) > 2 and rest[2] == "direct",
            )
        )
    return tuple(points)


def _fugitive(text: str) -> tuple[tuple[str, str, tuple[Limit, ...]], ...]:
    """'MF0001 封闭煤场: PM 1.0; MF0002 液氨储存区: NH3 1.5'."""
    sources = []
    for part in text.split(";"):
        head, limits = part.split(":")
        code, name = head.split()
        sources.append((code, name, _limits(limits)))
    return tuple(sources)


# Water sent to a municipal sewage plant: GB/T 31962-2015 grade B.
INDIRECT = "COD 500, NH3N 45, TN 70, TP 8, SS 400, PH 9 | GB/T 31962-2015 B级"
HEAVY_WEATHER = "重污染天气橙色及以上预警期间"
CIIE = "中国国际进口博览会环境质量保障期间"
VOC_BOUNDARY = "MF0001 厂界: NMHC 4.0"

COAL_POWER = Profile(
    _pairs("1#燃煤锅炉: 1025 t/h; 2#燃煤锅炉: 1025 t/h; 汽轮发电机组: 2×300 MW"),
    _pairs("电力: 2×300 MW; 工业蒸汽: 300 t/h"),
    _pairs("SCR脱硝装置: 选择性催化还原; 石灰石-石膏湿法脱硫: 一炉一塔; 湿式电除尘: 超低排放"),
    _points(f"""
    DA001 | main | 1#、2#锅炉烟囱 | 1800000 | SO2 35, NOX 50, PM 10, HG 0.03, NH3 2.5 \
        | GB 13223-2011（超低排放） | 180 | SO2 NOX PM
    DA002 | general | 输煤转运站除尘排气筒 | 40000 | PM 10 | 超低排放改造要求 | 30
    DW001 | general | 厂区废水总排口 | 1500 | {INDIRECT}
    """),
    _fugitive("MF0001 封闭煤场: PM 1.0; MF0002 液氨储存区: NH3 1.5"),
    special=((HEAVY_WEATHER, "DA001", "NOX", 40),),
    monthly_reports=True,
    hours=7800,
)
GAS_CHP = Profile(
    _pairs("燃气轮机: 2×180 MW; 余热锅炉: 2×260 t/h"),
    _pairs("电力: 2×270 MW; 供热蒸汽: 200 t/h"),
    _pairs("低氮燃烧器: 干式低氮燃烧; SCR脱硝装置: 选择性催化还原"),
    _points(f"""
    DA001 | main | 1#燃机余热锅炉烟囱 | 1900000 | NOX 30, SO2 10, PM 5, NH3 2.5 | DB31/963-2016 \
        | 80 | NOX SO2 PM
    DA002 | main | 2#燃机余热锅炉烟囱 | 1900000 | NOX 30, SO2 10, PM 5, NH3 2.5 | DB31/963-2016 \
        | 80 | NOX SO2 PM
    DW001 | general | 循环冷却排污水排放口 | 2000 | {INDIRECT}
    """),
    _fugitive("MF0001 氨水储罐区: NH3 1.5"),
    monthly_reports=True,
    hours=6000,
)
PAPER = Profile(
    _pairs("1#纸机: 幅宽 5600 mm; 碎浆及流送系统: 800 t/d"),
    _pairs("瓦楞原纸: 30万 t/a; 箱板纸: 20万 t/a"),
    _pairs("污水处理站: 物化+厌氧(IC)+好氧(A/O)+芬顿深度处理; 燃气锅炉: 低氮燃烧"),
    _points("""
    DW001 | main | 废水总排口 | 20000 | COD 80, BOD5 20, SS 30, NH3N 8, TN 12, TP 0.8, COLOR 50, PH 9 \
        | GB 3544-2008 表2 | | COD NH3N TN TP | direct
    DA001 | general | 燃气锅炉排气筒 | 60000 | PM 10, SO2 35, NOX 50 | DB37/2374-2018 | 45
    DA002 | general | 污水站除臭排气筒 | 20000 | NH3 20, H2S 3 | DB37/3161-2018 | 15
    """),
    _fugitive("MF0001 污水处理站厂界: NH3 1.0, H2S 0.03"),
)
PULP = replace(
    PAPER,
    facilities=_pairs("化学机械浆生产线: 25万 t/a; 1#纸机: 幅宽 6600 mm"),
    products=_pairs("文化用纸: 30万 t/a; 化机浆: 25万 t/a"),
    points=_points("""
    DW001 | main | 废水总排口 | 35000 | COD 90, BOD5 20, SS 30, NH3N 8, TN 12, TP 0.8, COLOR 50, AOX 12 \
        | GB 3544-2008 表2（制浆和造纸联合生产） | | COD NH3N TN TP | direct
    DA001 | general | 燃气锅炉排气筒 | 60000 | PM 10, SO2 35, NOX 50 | DB37/2374-2018 | 45
    DA002 | general | 污水站除臭排气筒 | 20000 | NH3 20, H2S 3 | DB37/3161-2018 | 15
    """),
)
SINTERING = Profile(
    _pairs("1#烧结机: 360 m²; 1#高炉: 1080 m³; 热风炉: 3 座"),
    _pairs("烧结矿: 400万 t/a; 生铁: 100万 t/a"),
    _pairs("烧结机头活性炭脱硫脱硝: 活性炭一体化; 布袋除尘器: 覆膜滤料; 出铁场除尘: 布袋"),
    _points("""
    DA001 | main | 烧结机机头排气筒 | 1500000 | PM 10, SO2 35, NOX 50, FL 4.0 | GB 28662-2012（超低排放） \
        | 120 | PM SO2 NOX
    DA002 | main | 烧结机机尾排气筒 | 900000 | PM 10 | GB 28662-2012（超低排放） | 60 | PM
    DA003 | main | 高炉出铁场排气筒 | 800000 | PM 10 | GB 28663-2012（超低排放） | 45 | PM
    DA004 | general | 热风炉排气筒 | 300000 | PM 10, SO2 50, NOX 200 | GB 28663-2012（超低排放） | 80
    DW001 | general | 生产废水排放口 | 3000 | COD 50, NH3N 5, SS 30, OIL 3, TP 0.5, PH 9 | GB 13456-2012 表2 \
        | | | direct
    """),
    _fugitive("MF0001 封闭原料场: PM 1.0"),
    special=((HEAVY_WEATHER, "DA001", "PM", 8),),
    monthly_reports=True,
    hours=8000,
)
STEEL = Profile(
    _pairs("1#转炉: 120 t; 电弧炉: 100 t; 套筒石灰窑: 600 t/d"),
    _pairs("钢坯: 200万 t/a; 特钢棒材: 80万 t/a"),
    _pairs("转炉二次除尘: 布袋除尘; 电炉烟气除尘: 布袋除尘; 石灰窑脱硝: SNCR"),
    _points("""
    DA001 | main | 转炉二次烟气排气筒 | 1200000 | PM 10 | GB 28664-2012（超低排放） | 40 | PM
    DA002 | main | 电炉烟气排气筒 | 1000000 | PM 10 | GB 28664-2012（超低排放） | 50 | PM
    DA003 | general | 石灰窑排气筒 | 120000 | PM 10, SO2 50, NOX 200 | 超低排放改造要求 | 45
    DW001 | general | 生产废水排放口 | 4000 | COD 50, NH3N 5, SS 30, OIL 3, PH 9 | GB 13456-2012 表2 \
        | | | direct
    """),
    _fugitive("MF0001 炼钢车间屋顶: PM 1.0"),
    special=((HEAVY_WEATHER, "DA001", "PM", 8),),
    hours=8000,
)
ORGANIC_CHEM = Profile(
    _pairs("反应釜: 20 台 5 m³; 精馏塔: 4 座; 储罐区: 12 座 200 m³"),
    _pairs("医药中间体: 3000 t/a; 精细化学品: 5000 t/a"),
    _pairs("蓄热式焚烧炉(RTO): 三室 RTO; 储罐呼吸气处理: 冷凝+活性炭吸附; 污水预处理站: 芬顿+生化"),
    _points(f"""
    DA001 | main | RTO焚烧炉排气筒 | 40000 | NMHC 60, NOX 100, SO2 50, HCL 30 | GB 31571-2015 | 25 | NMHC
    DA002 | general | 储罐区废气排气筒 | 8000 | NMHC 60 | GB 31571-2015 | 20
    DW001 | main | 污水总排口 | 600 | VOLPH 2.0, {INDIRECT} | | COD NH3N
    """),
    _fugitive(VOC_BOUNDARY),
    secret=("products",),
    special=((CIIE, "DA001", "NMHC", 50),),
)
BASIC_CHEM = Profile(
    _pairs("盐酸合成炉: 2 台; 硫酸装置: 10万 t/a"),
    _pairs("工业盐酸: 8万 t/a; 硫酸: 10万 t/a"),
    _pairs("尾气吸收: 降膜吸收+碱洗塔; 脱硫: 双碱法"),
    _points("""
    DA001 | main | 尾气吸收塔排气筒 | 30000 | HCL 20, SO2 100, PM 10 | GB 31573-2015 | 35 | SO2
    DW001 | general | 废水排放口 | 800 | COD 60, NH3N 8, TN 20, TP 0.5, SS 30, PH 9 | GB 31573-2015 \
        | | | direct
    """),
    _fugitive("MF0001 厂界: HCL 0.2, PM 1.0"),
)
FERTILISER = Profile(
    _pairs("合成氨装置: 18万 t/a; 尿素装置: 30万 t/a; 造粒塔: 1 座"),
    _pairs("尿素: 30万 t/a; 液氨: 5万 t/a"),
    _pairs("造粒塔粉尘洗涤: 水洗回收; 锅炉烟气治理: 超低排放; 污水处理站: A/O+深度处理"),
    _points("""
    DA001 | main | 尿素造粒塔排气口 | 900000 | PM 30, NH3 30 | GB 13458-2013 | 100 | PM
    DA002 | main | 锅炉烟囱 | 250000 | PM 10, SO2 35, NOX 50 | DB37/2374-2018（超低排放） | 80 | PM SO2 NOX
    DW001 | main | 废水总排口 | 3000 | COD 80, NH3N 25, TN 35, TP 0.5, SS 50, S2 0.5, CN 0.2, OIL 3, PH 9 \
        | GB 13458-2013 表2 | | COD NH3N | direct
    """),
    _fugitive("MF0001 氨罐区厂界: NH3 1.0"),
    special=((HEAVY_WEATHER, "DA002", "NOX", 40),),
)
RESIN = Profile(
    _pairs("聚合釜: 8 台 30 m³; 干燥包装线: 2 条"),
    _pairs("不饱和聚酯树脂: 4万 t/a; 醇酸树脂: 1万 t/a"),
    _pairs("蓄热式焚烧炉(RTO): 两床 RTO; 污水预处理: 水解酸化+接触氧化"),
    _points(f"""
    DA001 | main | RTO排气筒 | 30000 | NMHC 60, PM 20, NOX 100 | GB 31572-2015 表5 | 25 | NMHC
    DA002 | general | 投料粉尘排气筒 | 10000 | PM 20 | GB 31572-2015 | 15
    DW001 | general | 污水总排口 | 300 | {INDIRECT}
    """),
    _fugitive(VOC_BOUNDARY),
    secret=("products", "production_facilities"),
    special=((CIIE, "DA001", "NMHC", 50),),
)
API_PHARMA = Profile(
    _pairs("合成车间反应釜: 30 台; 溶剂回收装置: 2 套; 发酵罐: 6 台 50 m³"),
    _pairs("原料药: 300 t/a; 医药中间体: 500 t/a"),
    _pairs("RTO焚烧炉: 三室 RTO; 污水站除臭: 碱洗+生物滤池; 污水处理站: 厌氧+A/O+芬顿"),
    _points("""
    DA001 | main | 工艺废气RTO排气筒 | 50000 | NMHC 60, HCL 30, NOX 200 | GB 37823-2019 | 30 | NMHC
    DA002 | general | 污水站废气排气筒 | 15000 | NH3 20, H2S 5 | GB 37823-2019 | 15
    DW001 | main | 废水总排口 | 1200 \
        | COD 120, BOD5 25, SS 50, NH3N 25, TN 35, TP 1.0, VOLPH 0.5, ANILINE 2.0, PH 9 \
        | GB 21904-2008 表2 | | COD NH3N | direct
    """),
    _fugitive(VOC_BOUNDARY),
    secret=("products",),
)
API_PHARMA_INDIRECT = replace(
    API_PHARMA,
    points=(
        *API_PHARMA.points[:2],
        replace(_points(f"DW001 | main | 废水总排口 | 1200 | {INDIRECT}")[0], online=("COD",)),
    ),
    special=((CIIE, "DA001", "NMHC", 50),),
)
PREPARATIONS = Profile(
    _pairs("固体制剂生产线: 片剂 10 亿片/a; 注射剂生产线: 2 条"),
    _pairs("片剂: 10 亿片/a; 小容量注射剂: 5000 万支/a"),
    _pairs("粉碎制粒除尘: 布袋除尘; 有机废气处理: 活性炭吸附"),
    _points("""
    DA001 | general | 固体制剂车间排气筒 | 20000 | PM 20 | GB 37823-2019 | 20
    DA002 | general | 质检楼有机废气排气筒 | 8000 | NMHC 60 | GB 37823-2019 | 25
    DW001 | general | 废水总排口 | 300 | COD 60, BOD5 15, SS 30, NH3N 10, TN 20, TP 0.5, PH 9 \
        | GB 21908-2008 表2
    """),
    secret=("products",),
)
DYEING = Profile(
    _pairs("溢流染色机: 40 台; 拉幅定型机: 6 台; 燃气导热油炉: 2 台"),
    _pairs("棉针织布染整: 1.2 亿 m/a"),
    _pairs("印染废水处理站: 水解酸化+接触氧化+混凝沉淀; 定型机废气处理: 水喷淋+静电"),
    _points("""
    DW001 | main | 印染废水排放口 | 4000 \
        | COD 200, NH3N 20, TN 30, TP 1.5, COLOR 80, ANILINE 1.0, S2 0.5, PH 9 \
        | GB 4287-2012 表2（间接排放） | | COD NH3N
    DA001 | general | 定型机废气排气筒 | 30000 | PM 20, NMHC 60 | DB31/933-2015 | 20
    DA002 | general | 导热油炉排气筒 | 10000 | PM 10, SO2 35, NOX 50 | GB 13271-2014 | 15
    """),
)
DYEING_DIRECT = replace(
    DYEING,
    points=_points("""
    DW001 | main | 印染废水排放口 | 4000 \
        | COD 80, BOD5 20, SS 50, NH3N 10, TN 15, TP 0.5, COLOR 50, ANILINE 1.0, S2 0.5, PH 9 \
        | GB 4287-2012 表2（直接排放） | | COD NH3N | direct
    DA001 | general | 定型机废气排气筒 | 30000 | PM 20, NMHC 60 | DB37/2801.6-2018 | 20
    DA002 | general | 导热油炉排气筒 | 10000 | PM 10, SO2 35, NOX 50 | DB37/2374-2018 | 15
    """),
)
PLATING = Profile(
    _pairs("镀铬生产线: 2 条; 镀镍生产线: 2 条; 镀锌生产线: 1 条"),
    _pairs("五金件电镀: 80万 m²/a"),
    _pairs("含铬废水处理: 还原+混凝沉淀; 含镍废水处理: 混凝沉淀+离子交换; 铬酸雾净化塔: 网格式回收"),
    _points("""
    DW001 | main | 含铬废水车间排放口 | 60 | TCR 1.0, CR6 0.2 | GB 21900-2008 表2 | | CR6
    DW002 | main | 含镍废水车间排放口 | 40 | NI 0.5 | GB 21900-2008 表2 | | NI
    DW003 | main | 废水总排口 | 300 \
        | COD 80, NH3N 15, TN 20, TP 1.0, SS 50, CU 0.5, ZN 1.5, CN 0.3, OIL 3, PH 9 \
        | GB 21900-2008 表2 | | COD NH3N
    DA001 | general | 铬酸雾排气筒 | 12000 | CRM 0.05 | GB 21900-2008 表5 | 15
    DA002 | general | 酸雾排气筒 | 15000 | HCL 30, NOX 200 | GB 21900-2008 表5 | 15
    """),
)
SEWAGE = Profile(
    _pairs("粗细格栅及曝气沉砂池: 10万 m³/d; AAO生化池: 4 组; 高效沉淀池+滤布滤池: 10万 m³/d"),
    _pairs("城镇污水处理: 10万 m³/d"),
    _pairs("除臭系统: 生物除臭; 消毒: 紫外线"),
    _points("""
    DW001 | main | 尾水排放口 | 100000 | COD 50, BOD5 10, SS 10, NH3N 5, TN 15, TP 0.5, COLOR 30, PH 9 \
        | GB 18918-2002 一级A | | COD NH3N TN TP | direct
    DA001 | general | 生物除臭排气筒 | 50000 | NH3 20, H2S 3 | GB 14554-93 | 15
    """),
    _fugitive("MF0001 厂界: NH3 1.5, H2S 0.06"),
    hours=8760,
)
CEMENT = Profile(
    _pairs("新型干法熟料生产线: 5000 t/d; 水泥粉磨系统: 2 套"),
    _pairs("熟料: 155万 t/a; 水泥: 200万 t/a"),
    _pairs("窑尾脱硝: SNCR+SCR; 窑尾除尘: 覆膜袋除尘; 窑头除尘: 电改袋"),
    _points("""
    DA001 | main | 窑尾排气筒 | 700000 | PM 10, SO2 50, NOX 100, FL 3, NH3 8, HG 0.05 | DB37/2373-2018 | 105 \
        | PM SO2 NOX
    DA002 | main | 窑头排气筒 | 500000 | PM 10 | DB37/2373-2018 | 35 | PM
    DA003 | general | 水泥磨排气筒 | 100000 | PM 10 | DB37/2373-2018 | 30
    """),
    _fugitive("MF0001 厂界: PM 0.5"),
    special=((HEAVY_WEATHER, "DA001", "NOX", 80),),
    hours=7200,
)

PROFILES: dict[str, Profile] = {
    "4411": COAL_POWER,
    "4412": GAS_CHP,
    "2221": PAPER,
    "2211": PULP,
    "3110": SINTERING,
    "3120": STEEL,
    "2614": ORGANIC_CHEM,
    "2619": BASIC_CHEM,
    "2621": FERTILISER,
    "2651": RESIN,
    "2710": API_PHARMA,
    "2720": PREPARATIONS,
    "1713": DYEING,
    "3360": PLATING,
    "4620": SEWAGE,
    "3011": CEMENT,
}

QUANTITY_POLLUTANTS = frozenset({"SO2", "NOX", "PM", "NMHC", "COD", "NH3N", "TN", "TP"})
CENTRES: dict[str, tuple[float, float]] = {
    "310107": (121.397, 31.250),
    "370102": (117.080, 36.675),
    "370103": (116.995, 36.650),
    "370104": (116.900, 36.650),
    "370105": (116.995, 36.700),
    "370112": (117.075, 36.690),
    "370113": (116.750, 36.555),
    "370114": (117.530, 36.710),
    "370116": (117.670, 36.210),
}
COMMITMENTS = (
    "本单位承诺严格按照排污许可证规定排放污染物，落实自行监测、环境管理台账记录、执行报告和信息公开制度，"
    "对申请材料的真实性、准确性和完整性负责，接受生态环境主管部门的监督检查。"
)


def _profile(item: DemoEnterprise) -> Profile:
    profile = PROFILES.get(item.industry_code, PREPARATIONS)
    shanghai = item.region_code.startswith("31")
    if profile is DYEING and not shanghai:
        return DYEING_DIRECT
    if profile is API_PHARMA and shanghai:
        return API_PHARMA_INDIRECT
    return profile


def _quantity(
    point: PointSpec, pollutant: str, concentration: float, scale: float, hours: int
) -> float | None:
    if point.kind != "main" or pollutant not in QUANTITY_POLLUTANTS:
        return None
    if point.medium == "air":
        tonnes = point.flow * scale * concentration * hours * 1e-9
    else:
        tonnes = point.flow * scale * concentration * 365 * 1e-6
    return round(tonnes, 2 if tonnes < 100 else 1)


def permit_content_for(item: DemoEnterprise, index: int) -> dict[str, Any]:
    """The permit copy (副本) of a demo unit: its industry's outlets and limits at its scale."""
    profile = _profile(item)
    simplified = item.category == "simplified"
    lon, lat = CENTRES.get(item.region_code, (117.0, 36.65))
    rng = random.Random(index)
    lon, lat = lon + rng.uniform(-0.03, 0.03), lat + rng.uniform(-0.02, 0.02)
    outlets: list[dict[str, Any]] = []
    monitoring: list[dict[str, Any]] = []
    for number, point in enumerate(profile.points):
        kind = "general" if simplified else point.kind
        online = () if simplified else point.online
        if point.medium == "air":
            direction = "大气"
        elif point.direct:
            direction = "直接排放：苏州河" if item.region_code.startswith("31") else "直接排放：小清河"
        else:
            direction = "间接排放：经市政污水管网进入城镇污水处理厂"
        limits = []
        for pollutant, concentration in point.limits:
            unit = (
                "mg/m3"
                if point.medium == "air"
                else ("dimensionless" if pollutant in ("PH", "COLOR") else "mg/L")
            )
            limits.append(
                {
                    "pollutant": pollutant,
                    "concentration_limit": concentration,
                    "unit": unit,
                    "annual_quantity_limit": None
                    if simplified
                    else _quantity(point, pollutant, concentration, item.scale, profile.hours),
                    "standard": point.standard + ("（6~9）" if pollutant == "PH" else ""),
                }
            )
            if pollutant in online:
                monitoring.append(
                    {
                        "point": point.code,
                        "pollutant": pollutant,
                        "frequency": "continuous",
                        "method": "automatic",
                    }
                )
            else:
                if kind == "main":
                    frequency = "monthly" if point.medium == "water" else "quarterly"
                else:
                    frequency = "quarterly" if point.medium == "water" else "semiannual"
                monitoring.append(
                    {"point": point.code, "pollutant": pollutant, "frequency": frequency, "method": "manual"}
                )
        outlets.append(
            {
                "code": point.code,
                "name": point.name,
                "medium": point.medium,
                "kind": kind,
                "location": ("厂区东北角", "厂区西侧", "厂区南门东侧", "污水站北侧", "厂区西南角")[
                    number % 5
                ],
                "longitude": round(lon + 0.001 * number, 6),
                "latitude": round(lat - 0.0008 * number, 6),
                "direction": direction,
                "height_m": point.height_m,
                "online_monitoring": bool(online),
                "limits": limits,
            }
        )
    fugitive = [
        {
            "code": code,
            "name": name,
            "location": "厂界",
            "limits": [
                {
                    "pollutant": p,
                    "concentration_limit": c,
                    "unit": "mg/m3",
                    "annual_quantity_limit": None,
                    "standard": "厂界无组织排放监控浓度限值",
                }
                for p, c in source_limits
            ],
        }
        for code, name, source_limits in profile.fugitive
    ]
    for code, _name, source_limits in profile.fugitive:
        for pollutant, _ in source_limits:
            monitoring.append(
                {"point": code, "pollutant": pollutant, "frequency": "semiannual", "method": "manual"}
            )
    has_online = any(entry["method"] == "automatic" for entry in monitoring)
    ledger = [
        {"kind": "production_facility", "frequency": "daily"},
        {"kind": "control_facility", "frequency": "daily"},
        {"kind": "monitoring", "frequency": "hourly" if has_online else "monthly"},
        {"kind": "abnormal", "frequency": "daily"},
        {"kind": "other", "frequency": "monthly"},
    ]
    if simplified:
        report_kinds = ["annual"]
    elif profile.monthly_reports:
        report_kinds = ["monthly", "quarterly", "annual"]
    else:
        report_kinds = ["quarterly", "annual"]
    codes = {outlet["code"] for outlet in outlets}
    special = [
        {
            "period": period,
            "point": point,
            "pollutant": pollutant,
            "concentration_limit": limit,
            "unit": "mg/m3",
        }
        for period, point, pollutant, limit in profile.special
        if point in codes and (period == CIIE) == item.region_code.startswith("31") and not simplified
    ]
    content = {
        "production_facilities": [{"name": n, "capacity": c} for n, c in profile.facilities],
        "products": [{"name": n, "capacity": c} for n, c in profile.products],
        "control_facilities": [{"name": n, "process": p} for n, p in profile.controls],
        "outlets": outlets,
        "fugitive_sources": fugitive,
        "monitoring": monitoring,
        "ledger_records": ledger,
        "report_kinds": report_kinds,
        "special_period_limits": special,
        "commitments": COMMITMENTS,
        "secret_sections": list(profile.secret),
    }
    if "monthly" in report_kinds:
        # Units that file monthly: their permits let the quarterly and annual reports stand for the
        # quarter's last month (HJ 944-2018), so those months show as covered.
        content["report_folding"] = True
    return content


def changed_content(content: dict[str, Any]) -> dict[str, Any]:
    """A change of permitted items (M48 §43): a new general outlet for the hazardous-waste store."""
    codes = [o["code"] for o in content["outlets"] if o["medium"] == "air"]
    code = f"DA{max((int(c[2:]) for c in codes), default=0) + 1:03d}"
    outlets = [
        *content["outlets"],
        {
            "code": code,
            "name": "危废暂存库废气排气筒",
            "medium": "air",
            "kind": "general",
            "location": "危废暂存库东侧",
            "direction": "大气",
            "height_m": 15,
            "online_monitoring": False,
            "limits": [
                {"pollutant": "NMHC", "concentration_limit": 60, "unit": "mg/m3", "standard": "GB 37822-2019"}
            ],
        },
    ]
    monitoring = [
        *content["monitoring"],
        {"point": code, "pollutant": "NMHC", "frequency": "semiannual", "method": "manual"},
    ]
    return {**content, "outlets": outlets, "monitoring": monitoring}


def example_records() -> list[dict[str, Any]]:
    """The permits of web_templates/static/examples: the two Putuo units awaiting import.

    In the demo city the Putuo permitting section (pt-permitting) can import those files as they are.
    """
    records = []
    for index, item in enumerate(ENTERPRISES):
        if item.story != Story.AWAITING_IMPORT:
            continue
        code = demo_credit_code(item.region_code, index)
        record: dict[str, Any] = {
            "number": permit_number(code),
            "enterprise_credit_code": code,
            "category": item.category,
            "issuing_authority": issuing_authority(item.region_code),
            "decision_date": "2025-09-15",
            "renewed": False,
            "content": _without_nulls(permit_content_for(item, index)),
        }
        if item.category == "simplified":
            # The validity may be cut short (M48 §21): this works is to move out of the city by then.
            record.update(
                decision_date="2024-11-20",
                valid_until="2027-06-30",
                validity_cut_reason="列入区域产业结构调整计划，须于2027年6月30日前完成关停搬迁",
            )
        records.append(record)
    return records


EXAMPLE_NOTES = (
    "排污许可证导入示例 / Example file for importing permits issued on the national platform",
    "每张工作表是一张表，以许可证编号关联；第一行是列名（中文、英文或两者皆可）。",
    "One sheet per table, joined by the permit number; row 1 names the columns (Chinese, English or both).",
    "格式逐项说明见 / The format, field by field: /static/examples/README.md",
    "选项可填代码或中文（如 key / 重点管理，air / 废气）；日期填 YYYY-MM-DD 或 Excel 日期。",
    "Choices: codes or Chinese labels (key / 重点管理, air / 废气); dates: YYYY-MM-DD or Excel dates.",
)


def example_files() -> dict[str, bytes]:
    """The example import files of web_templates/static/examples, as they are generated."""
    import json

    from domain.permits.files import records_to_xlsx

    records = example_records()
    return {
        "permits-import-example.json": (json.dumps(records, ensure_ascii=False, indent=2) + "\n").encode(),
        "permits-import-example.xlsx": records_to_xlsx(records, notes=list(EXAMPLE_NOTES)),
    }


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_nulls(item) for item in value]
    return value


# ---------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------


def decided_for_expiry(valid_until: date) -> date:
    """The decision date of a first permit that expires on ``valid_until``.

    Its term is that of the rule set in force on the decision date (docs/domain-rules.md): 5 years
    from 2021-03-01 (Reg art. 14), 3 years before (M48 §21).
    """
    for years in (5, 3):
        decision = add_years(valid_until + timedelta(days=1), -years)
        for shift in (0, -1, 1, -2, 2):
            candidate = decision + timedelta(days=shift)
            if term_years(candidate, False) == years and validity_end(candidate, years) == valid_until:
                return candidate
    return add_years(valid_until + timedelta(days=1), -5)


def _expiring_until(on: date) -> date:
    """Within 60 days, with the renewal deadline (60 days or 30 working days before) not yet passed."""
    for days in range(60, 40, -1):
        until = on + timedelta(days=days)
        if renewal_deadline(until, decided_for_expiry(until)).date >= on:
            return until
    return on + timedelta(days=60)


def story_decision(story: Story, on: date, index: int) -> tuple[date, bool]:
    """(decision date, renewed) of the permit imported for this story."""
    rng = random.Random(1000 + index)
    if story == Story.RENEWED_EARLIER:
        return on - timedelta(days=rng.randint(300, 1500)), True
    if story == Story.EXPIRING:
        return decided_for_expiry(_expiring_until(on)), False
    if story == Story.RENEWAL_LATE:
        return decided_for_expiry(on + timedelta(days=rng.randint(15, 30))), False
    if story in (Story.EXPIRED, Story.CANCELLED_EXPIRED):
        return decided_for_expiry(on - timedelta(days=rng.randint(40, 200))), False
    if story in (Story.RENEWED, Story.RENEWAL_SUBMITTED):
        return decided_for_expiry(on + timedelta(days=rng.randint(95, 120))), False
    if story in (Story.REVOKED, Story.CANCELLED_CLOSED, Story.CHANGED, Story.CHANGE_IN_REVIEW):
        return on - timedelta(days=rng.randint(200, 700)), False
    return on - timedelta(days=rng.randint(90, 950)), False


IMPORTED = frozenset(
    {
        Story.IN_FORCE,
        Story.RENEWED_EARLIER,
        Story.EXPIRING,
        Story.RENEWAL_LATE,
        Story.EXPIRED,
        Story.REVOKED,
        Story.CANCELLED_EXPIRED,
        Story.CANCELLED_CLOSED,
        Story.CHANGED,
        Story.CHANGE_IN_REVIEW,
        Story.RENEWED,
        Story.RENEWAL_SUBMITTED,
    }
)
FIRST_APPLICATION = frozenset(
    {
        Story.FIRST_ISSUED,
        Story.SUBMITTED,
        Story.ACCEPTED,
        Story.EXTENDED,
        Story.GRANTED,
        Story.REFUSED,
        Story.NOT_ACCEPTED,
    }
)


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------


def _input(item: DemoEnterprise, index: int, rng: random.Random | None = None) -> EnterpriseInput:
    rng = rng or random.Random(index)
    shanghai = item.region_code.startswith("31")
    return EnterpriseInput(
        name=item.name,
        credit_code=demo_credit_code(item.region_code, index),
        registered_address=item.address,
        operating_address=item.address,
        legal_representative=item.legal_representative or _person(rng),
        technical_lead=item.technical_lead or _person(rng),
        contact_phone=(
            f"0{'21' if shanghai else '531'}-6{index:03d}8800"
            if index < 1000
            else f"0{'21' if shanghai else '531'}-8{index % 10_000_000:07d}"
        ),
        industry_code=item.industry_code,
        region_code=item.region_code,
        management_category=item.category,
    )


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁"
GIVEN = _words("""
    建国 志强 海燕 立新 晓东 丽娟 国栋 春梅 振华 红霞 文博 俊杰 雪梅 德明 秀英 子涵 佳怡 浩然 宇航 欣怡
    明辉 建军 玉兰 家豪 思远 雅婷 永刚 桂芳 学军 淑珍 晨曦 凯 静 磊 敏 洋 军 勇 艳 杰 娟 涛 超 霞 平 鹏
""")


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


@dataclass
class _Actors:
    operator: Actor
    permitting: dict[str, Actor]  # "31" / "37" → the region's permitting section
    enterprise_admins: dict[int, Actor]  # enterprise index → its administrator

    def regulator(self, region_code: str) -> Actor:
        return self.permitting.get(region_code[:2], self.operator)

    def applicant(self, index: int, region_code: str) -> Actor:
        # Without an account of its own, the unit files at the permitting section's window.
        return self.enterprise_admins.get(index) or self.regulator(region_code)


async def load(
    session: AsyncSession,
    *,
    actor: Actor | None = None,
    enterprises: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[DemoLogin]:
    """Create the demo city; returns the logins to print. Runs in the caller's transaction.

    ``enterprises``: the number of units in all; units beyond the demo city's own are generated
    (names, codes, permits imported in batches) for load tests. ``progress(done, total)`` is
    called as units are created.
    """
    total = len(ENTERPRISES) if enterprises is None else enterprises
    if not len(ENTERPRISES) <= total <= MAX_ENTERPRISES:
        raise ValidationFailed(
            [
                FieldError(
                    "enterprises",
                    "range",
                    N_("Between {min} and {max}."),
                    {"min": len(ENTERPRISES), "max": MAX_ENTERPRISES},
                )
            ]
        )
    actor = actor or operator("demo")
    codes: list[str] = []
    for index, item in enumerate(ENTERPRISES):
        enterprise = await register_enterprise(session, actor, data=_input(item, index))
        codes.append(enterprise.credit_code)
    users: dict[str, User] = {}
    for login in LOGINS:
        if login.role == Role.AGENCY_STAFF:
            continue  # created with the demo agency
        users[login.username] = await create_user(
            session,
            actor,
            username=login.username,
            password=DEMO_PASSWORD,
            role=login.role.value,
            display_name=login.description.split(" / ")[0],
            enterprise_credit_code=codes[login.enterprise_index]
            if login.enterprise_index is not None
            else None,
            region_code=login.region_code,
        )
    actors = _Actors(
        operator=actor,
        permitting={
            "31": actor_for(users["pt-permitting"], channel="demo"),
            "37": actor_for(users["jn-permitting"], channel="demo"),
        },
        enterprise_admins={
            login.enterprise_index: actor_for(users[login.username], channel="demo")
            for login in LOGINS
            if login.role == Role.ENTERPRISE_ADMIN and login.enterprise_index is not None
        },
    )
    await _tell_stories(session, actors, codes)
    await _sites_and_registrations(session, actors, codes)
    await _demo_agency(session, actor_for(users["pt-legal"], channel="demo"), actors)
    # A year of ledger data for the units whose staff can log in (shenpu-staff, zhenru-admin, minghu-admin).
    from domain.demo_ledgers import keep_demo_ledgers

    keepers = {}
    for login in LOGINS:
        if login.enterprise_index is not None and codes[login.enterprise_index] not in keepers:
            keepers[codes[login.enterprise_index]] = actor_for(users[login.username], channel="demo")
    await keep_demo_ledgers(session, keepers)
    from domain.demo_reports import file_demo_reports

    filers, handovers, shenpu = await _filers(session, actor, users, codes)
    await file_demo_reports(
        session,
        filers,
        handovers=handovers,
        reviewers={
            "31": actor_for(users["pt-ecology"], channel="demo"),
            "37": actor_for(users["jn-permitting"], channel="demo"),
        },
        returned_by=shenpu,
    )
    if progress is not None:
        progress(len(ENTERPRISES), total)
    if total > len(ENTERPRISES):
        await _generate(session, actor, start=len(ENTERPRISES), total=total, progress=progress)
    return LOGINS


async def _filers(
    session: AsyncSession, actor: Actor, users: dict[str, User], codes: list[str]
) -> tuple[dict[int, Actor], dict[int, tuple[date, Actor]], int]:
    """Who files each unit's reports in the demo history (enterprise id → actor), who takes over and
    when, and 申普's id: the units with logins file as those users (真如 through its agency's clerk since
    it authorised the agency); every other unit with a permit in force gets a staff login of its own,
    unitNN-staff, so that its filings are traced to a person."""
    from domain.actors import actor_for_user

    with_permit = {
        code: enterprise_id
        for code, enterprise_id in (
            await session.exec(
                select(Enterprise.credit_code, Enterprise.id)
                .join(Permit, col(Permit.enterprise_id) == col(Enterprise.id))
                .where(col(Enterprise.credit_code).in_(codes), Permit.status == PermitStatus.ISSUED)
            )
        ).all()
    }
    own = {
        login.enterprise_index: users[login.username]
        for login in reversed(LOGINS)  # the environmental officer before the administrator
        if login.enterprise_index is not None
    }
    clerk = next(login.username for login in LOGINS if login.role == Role.AGENCY_STAFF)
    agency_client = DEMO_AGENCY_CLIENTS[1][0]  # authorised for reports only: its agency files them
    filers: dict[int, Actor] = {}
    handovers: dict[int, tuple[date, Actor]] = {}
    for index, code in enumerate(codes):
        enterprise_id = with_permit.get(code)
        if enterprise_id is None:
            continue
        if index == agency_client:
            user = await find_user(session, username=clerk)
            assert user is not None
            since = permits.today() - timedelta(days=DEMO_AGENCY_SINCE_DAYS)
            handovers[enterprise_id] = (since, await actor_for_user(session, user, channel="demo"))
        user = own.get(index) or await create_user(
            session,
            actor,
            username=f"unit{index:02d}-staff",
            password=DEMO_PASSWORD,
            role=Role.ENTERPRISE_STAFF.value,
            display_name="环保专员",
            enterprise_credit_code=code,
        )
        filers[enterprise_id] = actor_for(user, channel="demo")
    first = with_permit[codes[0]]
    assert first is not None
    return filers, handovers, first


async def _demo_agency(session: AsyncSession, legal: Actor, actors: _Actors) -> None:
    """The demo agency: registered, approved, and authorised by two units for a year (eight months ago)."""
    from domain.agencies.service import (
        AgencyInput,
        AuthorisationInput,
        StaffInput,
        authorise_agency,
        register_agency,
        review_agency,
    )

    clerk = next(login for login in LOGINS if login.role == Role.AGENCY_STAFF)
    agency = await register_agency(
        session,
        operator("demo"),
        data=AgencyInput(
            name=DEMO_AGENCY_NAME,
            credit_code=demo_credit_code("310107", 999_999_000),
            address="上海市普陀区真北路 1000 号",
            region_code="310107",
            contact_person="周敏",
            contact_phone="021-52000000",
            service_types=["ledger", "reports", "self_monitoring"],
            qualifications=[
                {"name": "检验检测机构资质认定（CMA）", "number": "230912340567", "valid_until": "2029-06-30"}
            ],
        ),
        staff=[StaffInput(clerk.username, DEMO_PASSWORD, display_name="周敏")],
    )
    await session.flush()
    await review_agency(session, legal, credit_code=agency.credit_code, decision="approve")
    on = permits.today()
    for index, scopes in DEMO_AGENCY_CLIENTS:
        await authorise_agency(
            session,
            actors.enterprise_admins[index],
            data=AuthorisationInput(
                agency.credit_code,
                list(scopes),
                on - timedelta(days=DEMO_AGENCY_SINCE_DAYS),  # a one-year contract, signed months ago
                on - timedelta(days=DEMO_AGENCY_SINCE_DAYS) + timedelta(days=364),
                f"LY-{on.year}-{index + 1:03d}",
            ),
        )


async def _tell_stories(session: AsyncSession, actors: _Actors, codes: list[str]) -> None:
    on = permits.today()
    # Permits already issued on the national platform: imported per region by its permitting section.
    for prefix, regulator in actors.permitting.items():
        records = []
        for index, item in enumerate(ENTERPRISES):
            if item.story not in IMPORTED or not item.region_code.startswith(prefix):
                continue
            decision, renewed = story_decision(item.story, on, index)
            records.append(
                {
                    "number": permit_number(codes[index]),
                    "enterprise_credit_code": codes[index],
                    "category": item.category,
                    "issuing_authority": issuing_authority(item.region_code),
                    "decision_date": decision.isoformat(),
                    "renewed": renewed,
                    "content": permit_content_for(item, index),
                }
            )
        if records:
            await permits.import_permits(session, regulator, records=records)
    for index, item in enumerate(ENTERPRISES):
        await _after_import(session, actors, index, item, codes[index])


# One legal entity, two production sites, two permits (Reg art. 6 ¶2): 真如能源中心 runs a second plant.
SECOND_SITE_UNIT = "上海真如能源中心有限公司"
SECOND_SITE = SiteInput(
    name="真如能源中心桃浦供热站",
    address="上海市普陀区武威路88号",
    region_code="310107",
    industry_code="4412",
    longitude="121.3612",
    latitude="31.2874",
)
# Registration-only units (排污登记): what each registers, as units of their trade write it.
PACKAGING_REGISTRATION = {
    "production_process": "瓦楞纸板及纸箱生产：压楞、水性油墨印刷、模切、粘箱",
    "outlets": "DA001: 颗粒物、非甲烷总烃\nDW001: 化学需氧量、悬浮物、氨氮",
    "control_facilities": "印刷废气集气罩+活性炭吸附装置；生活污水化粪池",
    "contact_phone": "021-62508800",
}
REGISTRATION_DETAILS = {
    "31": {
        **PACKAGING_REGISTRATION,
        "discharge_destination": (
            "生活污水经化粪池预处理后纳入市政污水管网，进入石洞口污水处理厂；废气经处理后15米排气筒排放"
        ),
        "emission_standards": "DB31/933-2015 大气污染物综合排放标准；DB31/199-2018 污水综合排放标准",
    },
    "37": {
        **PACKAGING_REGISTRATION,
        "discharge_destination": (
            "生活污水纳入市政污水管网，进入济南市水质净化三厂；废气经处理后15米排气筒排放"
        ),
        "emission_standards": "DB37/2801.6-2018 挥发性有机物排放标准；GB 8978-1996 污水综合排放标准",
        "contact_phone": "0531-85908800",
    },
}


async def _sites_and_registrations(session: AsyncSession, actors: _Actors, codes: list[str]) -> None:
    """A second site with its own permit (…002P), and the registration-only units' registrations,
    one of them at two sites and one changed after the fact, through the product's use cases."""
    from domain.registrations import service as registrations
    from domain.registrations.rules import RegistrationInput, parse_outlet_lines

    index = next(i for i, item in enumerate(ENTERPRISES) if item.name == SECOND_SITE_UNIT)
    item, code = ENTERPRISES[index], codes[index]
    regulator = actors.permitting[item.region_code[:2]]
    site = await add_site(session, regulator, credit_code=code, data=SECOND_SITE)
    decided = permits.today() - timedelta(days=400)
    await permits.import_permits(
        session,
        regulator,
        records=[
            {
                "number": rules.site_permit_number(code, site.sequence),
                "enterprise_credit_code": code,
                "category": item.category,
                "issuing_authority": issuing_authority(item.region_code),
                "decision_date": decided.isoformat(),
                "renewed": False,
                "content": permit_content_for(replace(item, scale=item.scale * 0.4), index),
            }
        ],
    )
    registered: list[tuple[int, str]] = []
    for index, item in enumerate(ENTERPRISES):
        if item.story != Story.REGISTRATION:
            continue
        regulator = actors.permitting[item.region_code[:2]]
        details = REGISTRATION_DETAILS[item.region_code[:2]]
        enterprise = await registrations.get_enterprise_for_registration(
            session, regulator, credit_code=codes[index]
        )
        form = RegistrationInput(
            unit_name=enterprise.name,
            credit_code=enterprise.credit_code,
            legal_representative=enterprise.legal_representative,
            registered_address=enterprise.registered_address,
            site_address=enterprise.operating_address,
            region_code=item.region_code,
            industry_code=item.industry_code,
            production_process=details["production_process"],
            outlets=parse_outlet_lines(details["outlets"]),
            discharge_destination=details["discharge_destination"],
            control_facilities=details["control_facilities"],
            emission_standards=details["emission_standards"],
            contact_person=enterprise.technical_lead,
            contact_phone=details["contact_phone"],
        )
        found = await registrations.file_registration(session, regulator, data=form)
        registered.append((index, found.registration.number))
    # 曹杨包装 added a water-based ink line and filed the change 35 days after it: taken, flagged late.
    first_index, first_number = registered[0]
    first = ENTERPRISES[first_index]
    details = REGISTRATION_DETAILS[first.region_code[:2]]
    regulator = actors.permitting[first.region_code[:2]]
    found = await registrations.get_registration(session, regulator, number=first_number)
    await registrations.change_registration(
        session,
        regulator,
        number=first_number,
        data=RegistrationInput(
            site_address=found.site.address,
            industry_code=found.site.industry_code,
            production_process=details["production_process"] + "；新增水性油墨柔版印刷线",
            outlets=parse_outlet_lines(details["outlets"] + "\nDA002: 非甲烷总烃"),
            discharge_destination=details["discharge_destination"],
            control_facilities=details["control_facilities"] + "；2#活性炭吸附装置",
            emission_standards=details["emission_standards"],
            contact_person=found.registration.contact_person,
            contact_phone=found.registration.contact_phone,
        ),
        changed_on=permits.today() - timedelta(days=35),
    )
    # 万里纸制品 also registers its warehouse-and-printing site on 新村路: a second site, …002W.
    second_index, _ = registered[1]
    second = ENTERPRISES[second_index]
    details = REGISTRATION_DETAILS[second.region_code[:2]]
    regulator = actors.permitting[second.region_code[:2]]
    enterprise = await registrations.get_enterprise_for_registration(
        session, regulator, credit_code=codes[second_index]
    )
    await registrations.file_registration(
        session,
        regulator,
        data=RegistrationInput(
            unit_name=enterprise.name,
            credit_code=enterprise.credit_code,
            legal_representative=enterprise.legal_representative,
            site_address="上海市普陀区新村路1700号",
            region_code=second.region_code,
            industry_code="2319",
            production_process="纸制品印刷：胶印、覆膜",
            outlets=parse_outlet_lines("DA001: 非甲烷总烃"),
            discharge_destination="印刷废气经活性炭吸附后15米排气筒排放；无生产废水",
            control_facilities="活性炭吸附装置",
            emission_standards="DB31/872-2015 印刷业大气污染物排放标准",
            contact_person=enterprise.technical_lead,
            contact_phone=details["contact_phone"],
        ),
    )


async def _after_import(
    session: AsyncSession, actors: _Actors, index: int, item: DemoEnterprise, code: str
) -> None:
    story = item.story
    regulator = actors.regulator(item.region_code)
    number = permit_number(code)
    if story == Story.REVOKED:
        await permits.revoke_permit(
            session,
            regulator,
            number=number,
            reason="经查，该单位申请时提交的污染防治设施材料与实际建设情况严重不符，"
            "以欺骗手段取得排污许可证，依据《排污许可管理办法》第四十九条予以撤销。",
        )
    elif story == Story.CANCELLED_EXPIRED:
        await permits.cancel_permit(session, regulator, number=number, reason="expired_not_renewed")
    elif story == Story.CANCELLED_CLOSED:
        await permits.cancel_permit(
            session,
            regulator,
            number=number,
            reason="unit_terminated",
            note="企业已整体关停，生产设施已拆除，经现场核实。",
        )
    elif story in (Story.CHANGED, Story.CHANGE_IN_REVIEW):
        content = changed_content(permit_content_for(item, index))
        application = await permits.submit_application(
            session,
            actors.applicant(index, item.region_code),
            data=permits.ApplicationInput(
                kind="change_items",
                permit_number=number,
                content=content,
                change_description="新增危废暂存库废气收集处理设施，增设一般排放口（许可事项变更）。",
            ),
        )
        await permits.accept_application(session, regulator, application_id=_id(application))
        if story == Story.CHANGED:
            await permits.grant_application(session, regulator, application_id=_id(application))
            await permits.issue_permit(session, regulator, application_id=_id(application))
    elif story in (Story.RENEWED, Story.RENEWAL_SUBMITTED):
        application = await permits.submit_application(
            session,
            actors.applicant(index, item.region_code),
            data=permits.ApplicationInput(kind="renewal", permit_number=number),
        )
        if story == Story.RENEWED:
            await permits.accept_application(session, regulator, application_id=_id(application))
            await permits.grant_application(session, regulator, application_id=_id(application))
            await permits.issue_permit(session, regulator, application_id=_id(application))
    elif story in FIRST_APPLICATION:
        application = await permits.submit_application(
            session,
            actors.applicant(index, item.region_code),
            data=permits.ApplicationInput(
                kind="first",
                enterprise_credit_code=code,
                category=item.category,
                issuing_authority=issuing_authority(item.region_code),
                content=permit_content_for(item, index),
            ),
        )
        if story == Story.NOT_ACCEPTED:
            await permits.reject_application(
                session,
                regulator,
                application_id=_id(application),
                reason="申请材料不齐全：未提交守法承诺书和排污口规范化设置材料，经告知后逾期未补正。",
            )
            return
        if story == Story.SUBMITTED:
            return
        await permits.accept_application(session, regulator, application_id=_id(application))
        if story == Story.EXTENDED:
            await permits.extend_decision(
                session,
                regulator,
                application_id=_id(application),
                reason="需组织现场核查并征求区域污染物排放总量指标意见，经负责人批准延长十个工作日。",
            )
        elif story == Story.REFUSED:
            await permits.refuse_application(
                session,
                regulator,
                application_id=_id(application),
                reason="项目环境影响评价文件未经批准，且重点污染物排放总量指标来源未落实，不予许可。",
            )
        elif story in (Story.GRANTED, Story.FIRST_ISSUED):
            await permits.grant_application(
                session,
                regulator,
                application_id=_id(application),
                data=permits.GrantInput(number=number),
            )
            if story == Story.FIRST_ISSUED:
                await permits.issue_permit(session, regulator, application_id=_id(application))


def _id(application: Any) -> int:
    assert application.id is not None
    return int(application.id)


# ---------------------------------------------------------------------------
# Generated units for load tests
# ---------------------------------------------------------------------------

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
BRANDS = _words("""
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


async def _generate(
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
    on = permits.today()
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
        cleaned, errors = clean_enterprise_input(_input(item, index))
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
            parsed, errors = rules.parse_content(content)
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
