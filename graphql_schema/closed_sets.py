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


@strawberry.enum(description="问题的来源")
class ProblemSourceKind(Enum):
    audit_finding = enum_value("audit_finding", description="执行报告审核发现的问题")
    feedback_item = enum_value("feedback_item", description="问题反馈意见逾期未解决")
    exceedance = enum_value("exceedance", description="台账中的超标记录")
    inspection = enum_value("inspection", description="执法检查")
    monitoring = enum_value("monitoring", description="执法监测结果")
    linkage = enum_value("linkage", description="三监联动任务")
    complaint = enum_value("complaint", description="信访投诉")
    manual = enum_value("manual", description="监管人员直接登记")
    permit_audit = enum_value("permit_audit", description="许可证质量审核")


@strawberry.enum(description="整改步骤的类型")
class RectificationStepKind(Enum):
    required = enum_value("required", description="下达整改要求")
    progress = enum_value("progress", description="报送整改进度")
    verification = enum_value("verification", description="核查整改情况")
    recheck = enum_value("recheck", description="抽查复核")
    closure = enum_value("closure", description="销号")
    reopening = enum_value("reopening", description="重新开启整改")


@strawberry.enum(description="整改核查的方式")
class VerificationMethod(Enum):
    on_site = enum_value("on_site", description="现场核查")
    paper = enum_value("paper", description="非现场核查（资料核查）")


@strawberry.enum(description="整改核查或抽查复核的结果")
class VerificationOutcome(Enum):
    passed = enum_value("passed", description="通过")
    failed = enum_value("failed", description="不通过")


@strawberry.enum(description="执法案件步骤的类型")
class CaseStepKind(Enum):
    open = enum_value("open", description="立案")
    decide = enum_value("decide", description="作出处理决定")
    close = enum_value("close", description="结案")
    document = enum_value("document", description="附入文书")


@strawberry.enum(description="案件文书的类型")
class CaseDocumentKind(Enum):
    record = enum_value("record", description="笔录")
    notice = enum_value("notice", description="告知书")
    decision = enum_value("decision", description="处罚决定书")
    evidence = enum_value("evidence", description="证据")
    other = enum_value("other", description="其他文书")


@strawberry.enum(description="联动任务环节的类型（按转办单的栏目）")
class LinkageStepKind(Enum):
    initiate = enum_value("initiate", description="发起")
    receive = enum_value("receive", description="接收")
    execute = enum_value("execute", description="执行")
    feedback = enum_value("feedback", description="反馈")
    archive = enum_value("archive", description="归档")


@strawberry.enum(description="等级评定不合格情形所依据记录的类型")
class GroundRecordKind(Enum):
    case = enum_value("case", description="执法案件")
    problem = enum_value("problem", description="问题")


@strawberry.enum(description="台账或监测要求的类型")
class RequirementKind(Enum):
    monitoring = enum_value("monitoring", description="监测记录（按排放口和污染物）")
    production_facility = enum_value("production_facility", description="生产设施运行管理信息")
    control_facility = enum_value("control_facility", description="污染防治设施运行管理信息")
    abnormal = enum_value("abnormal", description="非正常工况")
    other = enum_value("other", description="其他环境管理信息")


@strawberry.enum(description="执行报告类别（小写值；与参数所用的 ReportKind 是同一组类别）")
class ReportKindValue(Enum):
    monthly = enum_value("monthly", description="月度执行报告")
    quarterly = enum_value("quarterly", description="季度执行报告")
    semiannual = enum_value("semiannual", description="半年执行报告（上半年；下半年由年报代替）")
    annual = enum_value("annual", description="年度执行报告")


@strawberry.enum(description="检查计划项的依据（哪一条频次规则使该次检查到期）")
class InspectionBasis(Enum):
    new_permit = enum_value("new_permit", description="新领证：发证后三个月内")
    key_half_year = enum_value("key_half_year", description="重点管理：每半年")
    key_yearly = enum_value("key_yearly", description="重点管理：每年（正面清单降频）")
    simplified_yearly = enum_value("simplified_yearly", description="简化管理：每年")
    registration_drawn = enum_value("registration_drawn", description="登记单位：随机抽中")
    drawn = enum_value("drawn", description="随机抽中")
    monitoring_key = enum_value("monitoring_key", description="重点管理：每年执法监测")
    monitoring_simplified_drawn = enum_value(
        "monitoring_simplified_drawn", description="简化管理：随机抽中执法监测"
    )
    key_quarterly = enum_value("key_quarterly", description="重点管理，信用警示或不良：每季度")
    simplified_half_year = enum_value("simplified_half_year", description="简化管理，信用警示或不良：每半年")


@strawberry.enum(description="双随机抽查的抽取范围")
class InspectionPool(Enum):
    registration = enum_value("registration", description="登记单位")
    key = enum_value("key", description="重点管理的持证单位")
    simplified = enum_value("simplified", description="简化管理的持证单位")
    industry = enum_value("industry", description="某一行业的持证单位")


@strawberry.enum(description="检查要点的结果")
class InspectionItemResult(Enum):
    passed = enum_value("passed", description="符合")
    failed = enum_value("failed", description="不符合")
    not_applicable = enum_value("not_applicable", description="不适用")


@strawberry.enum(description="联动任务的类型")
class LinkageTaskKind(Enum):
    general = enum_value("general", description="一般联动")
    unpermitted = enum_value("unpermitted", description="应发未发（应取得排污许可证而未取得）")
    unregistered = enum_value("unregistered", description="应登未登（应排污登记而未登记）")
    permit_wrong = enum_value("permit_wrong", description="许可证内容与实际不符")


@strawberry.enum(description="联动任务一个接收部门的办理进度")
class LinkageStage(Enum):
    sent = enum_value("sent", description="已发送，待接收")
    received = enum_value("received", description="已接收")
    executed = enum_value("executed", description="已执行")
    fed_back = enum_value("fed_back", description="已反馈")


@strawberry.enum(description="执法案件的违法类型")
class CaseClassification(Enum):
    without_permit = enum_value("without_permit", description="无证排污")
    against_permit = enum_value("against_permit", description="不按证排污")
    other = enum_value("other", description="其他违法行为")


@strawberry.enum(description="登记排放口的排放介质（含无组织排放源）")
class RegistrationOutletMedium(Enum):
    air = enum_value("air", description="废气")
    water = enum_value("water", description="废水")
    fugitive = enum_value("fugitive", description="无组织排放")


@strawberry.enum(description="在线监测站点写入台账的数据")
class StationLedgerData(Enum):
    hourly = enum_value("hourly", description="小时数据（2061）")
    minute = enum_value("minute", description="分钟数据（2051）")


@strawberry.enum(description="月度调度中计数的许可证事项")
class PermitEventCountKind(Enum):
    issued = enum_value("issued", description="核发")
    renewed = enum_value("renewed", description="延续")
    changed = enum_value("changed", description="变更")
    revoked = enum_value("revoked", description="撤销")
    cancelled = enum_value("cancelled", description="注销")


@strawberry.enum(description="用户的角色")
class UserRole(Enum):
    enterprise_staff = enum_value("enterprise_staff", description="企业环保专员")
    enterprise_admin = enum_value("enterprise_admin", description="企业管理员")
    agency_staff = enum_value("agency_staff", description="第三方技术服务机构人员")
    permitting = enum_value("permitting", description="审批科")
    ecology = enum_value("ecology", description="生态科")
    pollution_prevention = enum_value("pollution_prevention", description="污防科")
    legal = enum_value("legal", description="法制科")
    enforcement = enum_value("enforcement", description="执法大队")
    monitoring_station = enum_value("monitoring_station", description="监测站")
    admin = enum_value("admin", description="系统管理员")
