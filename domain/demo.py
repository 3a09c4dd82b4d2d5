"""Demonstration data: a believable small city of regulators, enterprises and their staff.

Everything is created through the domain's own use cases, as the operator, so the
demo has the same audit trail and history as real data.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Role, operator
from domain.accounts.models import User
from domain.accounts.service import create_user
from domain.enterprises.rules import EnterpriseInput, make_credit_code
from domain.enterprises.service import register_enterprise

DEMO_PASSWORD = "demo-pass-2026"


@dataclass(frozen=True)
class DemoEnterprise:
    name: str
    region_code: str
    industry_code: str
    category: str
    address: str
    legal_representative: str
    technical_lead: str


ENTERPRISES = [
    DemoEnterprise(
        "上海申普热电有限公司", "310107", "4411", "key", "上海市普陀区武宁路1888号", "陈建国", "刘洋"
    ),
    DemoEnterprise(
        "上海真如精细化工有限公司", "310107", "2614", "key", "上海市普陀区真南路520号", "黄志强", "周敏"
    ),
    DemoEnterprise(
        "上海长风印染有限公司", "310107", "1713", "simplified", "上海市普陀区云岭东路301号", "吴海燕", "郑磊"
    ),
    DemoEnterprise(
        "上海桃浦表面处理有限公司", "310107", "3360", "key", "上海市普陀区桃浦路98号", "孙立新", "马骏"
    ),
    DemoEnterprise(
        "上海普陀城西污水处理有限公司",
        "310107",
        "4620",
        "key",
        "上海市普陀区祁连山南路2500号",
        "朱伟",
        "胡静",
    ),
    DemoEnterprise(
        "上海曹杨包装印务有限公司", "310107", "2221", "registration", "上海市普陀区兰溪路77号", "林峰", "何丽"
    ),
    DemoEnterprise(
        "济南泉能发电有限公司", "370105", "4411", "key", "济南市天桥区工业北路66号", "王建华", "李强"
    ),
    DemoEnterprise(
        "济南明湖纸业有限公司", "370112", "2221", "key", "济南市历城区工业南路168号", "张丽", "赵勇"
    ),
    DemoEnterprise(
        "济南莱城钢铁有限公司", "370116", "3120", "key", "济南市莱芜区钢城大道1号", "刘刚", "杨帆"
    ),
    DemoEnterprise(
        "济南莱城炼铁有限公司", "370116", "3110", "key", "济南市莱芜区钢城大道3号", "刘刚", "徐明"
    ),
    DemoEnterprise(
        "济南泉城制药有限公司", "370113", "2710", "key", "济南市长清区大学科技园7号", "高平", "宋佳"
    ),
    DemoEnterprise(
        "济南章丘化肥有限公司", "370114", "2621", "simplified", "济南市章丘区明水经济开发区", "郭涛", "韩雪"
    ),
    DemoEnterprise(
        "济南华阳电镀有限公司", "370104", "3360", "simplified", "济南市槐荫区美里路55号", "曹阳", "彭静"
    ),
    DemoEnterprise(
        "济南水务槐荫污水处理有限公司", "370104", "4620", "key", "济南市槐荫区西客站北路9号", "邓辉", "蒋涛"
    ),
]


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
]


def demo_credit_code(region_code: str, index: int) -> str:
    return make_credit_code(f"91{region_code}{index + 1:09d}")


async def is_empty(session: AsyncSession) -> bool:
    return int((await session.exec(select(func.count()).select_from(User))).one()) == 0


async def load(session: AsyncSession, actor: Actor | None = None) -> list[DemoLogin]:
    """Create the demo city; returns the logins to print. Runs in the caller's transaction."""
    actor = actor or operator("demo")
    codes: list[str] = []
    for index, item in enumerate(ENTERPRISES):
        enterprise = await register_enterprise(
            session,
            actor,
            data=EnterpriseInput(
                name=item.name,
                credit_code=demo_credit_code(item.region_code, index),
                registered_address=item.address,
                operating_address=item.address,
                legal_representative=item.legal_representative,
                technical_lead=item.technical_lead,
                contact_phone=f"0{'21' if item.region_code.startswith('31') else '531'}-6{index:03d}8800",
                industry_code=item.industry_code,
                region_code=item.region_code,
                management_category=item.category,
            ),
        )
        codes.append(enterprise.credit_code)
    for login in LOGINS:
        await create_user(
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
    return LOGINS
