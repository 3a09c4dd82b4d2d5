"""The demo city: who is in it and what happened to each unit's permit.

Two areas: Putuo district in Shanghai (310107) and the districts of Jinan (3701xx). Every unit,
company and person is fictional. ``ENTERPRISES`` are the city's units in the order logins and tests
refer to them; ``LOGINS`` the accounts ``permitwatch demo`` prints; each unit's ``Story`` says which
permit status it shows (told through the permit use cases by ``demo.stories``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import StrEnum

from domain.access import Role
from domain.enterprises.rules import EnterpriseInput, make_credit_code
from domain.regions import region_name

DEMO_PASSWORD = "demo-pass-2026"


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
    # Jinan's ecology and pollution prevention sections check their sections of Jinan's reports (PT §5).
    DemoLogin("jn-ecology", Role.ECOLOGY, "济南市 生态科 / Jinan ecology section", region_code="370100"),
    DemoLogin(
        "jn-pollution",
        Role.POLLUTION_PREVENTION,
        "济南市 污防科 / Jinan pollution prevention",
        region_code="370100",
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


def words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def enterprise_input(item: DemoEnterprise, index: int) -> EnterpriseInput:
    """What the unit's registration form says: its row of the city, with people named where it names none."""
    rng = random.Random(index)
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
GIVEN = words("""
    建国 志强 海燕 立新 晓东 丽娟 国栋 春梅 振华 红霞 文博 俊杰 雪梅 德明 秀英 子涵 佳怡 浩然 宇航 欣怡
    明辉 建军 玉兰 家豪 思远 雅婷 永刚 桂芳 学军 淑珍 晨曦 凯 静 磊 敏 洋 军 勇 艳 杰 娟 涛 超 霞 平 鹏
""")


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)
