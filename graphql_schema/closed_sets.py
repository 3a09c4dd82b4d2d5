"""Closed sets the API once gave as plain strings, now typed as enums (issue 18: "enums for every closed
set"). Their GraphQL values are the strings clients already read (``open``, ``explained``, ``automatic``…),
lower case unlike the schema's older enums, so no answer changes on the wire; only the schema tells the set
and what each value means (graphql_schema/CHANGELOG.md, 2026-12-05)."""

from __future__ import annotations

from enum import Enum

import strawberry

from graphql_schema.enums import enum_value


@strawberry.enum(description="超标记录的状态")
class ExceedanceStatus(Enum):
    open = enum_value("open", description="待说明：尚未记录超标原因和措施")
    explained = enum_value("explained", description="已说明：单位已记录超标原因和采取的措施")


@strawberry.enum(description="超标的类型")
class ExceedanceKind(Enum):
    concentration = enum_value("concentration", description="浓度超过许可排放浓度限值")
    annual_quantity = enum_value("annual_quantity", description="年排放量超过许可排放量")


@strawberry.enum(description="监测方式")
class ReadingMethod(Enum):
    automatic = enum_value("automatic", description="自动监测（在线监测小时值）")
    manual = enum_value("manual", description="手工监测（一次采样）")


@strawberry.enum(description="实际排放量的核算方法（《排污许可管理办法》第三十六条的顺序）")
class EmissionMethod(Enum):
    automatic = enum_value("automatic", description="按自动监测数据核算")
    manual = enum_value("manual", description="按手工监测数据核算")
    factor = enum_value("factor", description="按排污系数或物料衡算核算")
    missing = enum_value("missing", description="缺少核算所需的数据")


@strawberry.enum(description="台账记录的类型")
class LedgerEntryKind(Enum):
    production_facility = enum_value("production_facility", description="生产设施运行管理信息")
    control_facility = enum_value("control_facility", description="污染防治设施运行管理信息")
    abnormal = enum_value("abnormal", description="非正常工况")
    other = enum_value("other", description="其他环境管理信息")


@strawberry.enum(description="问题的状态")
class ProblemState(Enum):
    open = enum_value("open", description="待下达整改")
    rectifying = enum_value("rectifying", description="整改中")
    verified = enum_value("verified", description="已核查，待销号")
    closed = enum_value("closed", description="已销号")
    dismissed = enum_value("dismissed", description="核实不属实，已撤销")


@strawberry.enum(description="整改事项的状态")
class RectificationState(Enum):
    rectifying = enum_value("rectifying", description="整改中")
    verified = enum_value("verified", description="已核查，待销号")
    closed = enum_value("closed", description="已销号")


@strawberry.enum(description="执法案件的状态")
class CaseStatus(Enum):
    open = enum_value("open", description="调查中")
    decided = enum_value("decided", description="已作出处理决定")
    closed = enum_value("closed", description="已结案")


@strawberry.enum(description="检查的种类")
class InspectionKind(Enum):
    enforcement = enum_value("enforcement", description="执法检查")
    monitoring = enum_value("monitoring", description="执法监测")


@strawberry.enum(description="检查计划项的完成情况")
class PlanLineState(Enum):
    done = enum_value("done", description="已完成")
    due = enum_value("due", description="未到期")
    behind = enum_value("behind", description="已逾期未完成")


@strawberry.enum(description="第三方技术服务机构的信用等级")
class AgencyCreditLevel(Enum):
    A = enum_value("A", description="A 级：信用分 90 分及以上")
    B = enum_value("B", description="B 级：信用分 75 分及以上")
    C = enum_value("C", description="C 级：信用分 60 分及以上")
    D = enum_value("D", description="D 级：信用分低于 60 分")
