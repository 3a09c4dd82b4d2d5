"""Registering, reviewing and authorising agencies, and recording credit events, as mutations.

Each mutation calls one use case in one transaction: on any problem the payload's ``errors``
names the field (camelCase, e.g. ``staff[0].username``) and nothing is written.
"""

from __future__ import annotations

import binascii
from base64 import b64decode
from datetime import date
from enum import Enum
from typing import Annotated

import strawberry

from domain.agencies import service
from domain.agencies.queries.authorisations import authorisation_row
from domain.agencies.queries.directory import view_agency
from domain.agencies.rules import AgencyInput, AuthorisationInput, QualificationInput, StaffInput
from domain.agency_oversight import service as oversight
from domain.bounds import parse_id
from domain.errors import N_, DomainError, FieldError, NotFound, reporting
from graphql_schema.agencies.types import (
    Agency,
    AgencyAuthorization,
    AgencyServiceType,
    CreditEvent,
    CreditEventKind,
)
from graphql_schema.enums import enum_value
from graphql_schema.errors import UserError, user_errors

CreditCode = Annotated[str, strawberry.argument(description="机构的统一社会信用代码")]
Reason = Annotated[str, strawberry.argument(description="理由（告知机构）")]


@strawberry.input(description="机构资质")
class AgencyQualificationInput:
    name: str = strawberry.field(description="资质名称")
    valid_until: date = strawberry.field(description="有效期至")
    number: str = strawberry.field(default="", description="证书编号")


@strawberry.input(description="机构人员登录账号")
class AgencyStaffInput:
    username: str = strawberry.field(
        description="希望的用户名：3–27 位小写字母、数字、点、下划线或连字符；"
        "登录名为其加随机后缀（见 staffUsernames）"
    )
    password: str = strawberry.field(description="密码：至少 10 位，且不能是常见或易猜的密码")
    display_name: str = strawberry.field(default="", description="姓名")
    email: str | None = strawberry.field(default=None, description="电子邮箱")


@strawberry.input(description="机构备案信息")
class RegisterAgencyInput:
    name: str = strawberry.field(description="机构名称")
    credit_code: str = strawberry.field(description="统一社会信用代码")
    address: str = strawberry.field(description="地址")
    region_code: str = strawberry.field(description="行政区划代码（6 位）")
    contact_person: str = strawberry.field(description="联系人")
    contact_phone: str = strawberry.field(description="联系电话")
    service_types: list[AgencyServiceType] = strawberry.field(description="提供的服务类型（至少一项）")
    staff: list[AgencyStaffInput] = strawberry.field(description="人员账号（至少一个）")
    qualifications: list[AgencyQualificationInput] = strawberry.field(
        default_factory=list, description="资质"
    )


@strawberry.input(description="委托合同扫描件")
class ContractFileInput:
    file_name: str = strawberry.field(
        description="文件名，扩展名须与内容相符：.pdf、.jpg、.jpeg 或 .png（至多 200 字）"
    )
    content_base64: str = strawberry.field(description="文件内容的 Base64 编码；文件不超过 10 MB")

    def content(self, problems: list[FieldError]) -> bytes | None:
        """The file's bytes, or None with a problem when the text is not Base64."""
        try:
            return b64decode(self.content_base64, validate=True)
        except (binascii.Error, ValueError):
            problems.append(
                FieldError("contract_file", "base64", N_("The file content is not valid Base64."))
            )
            return None


@strawberry.input(description="委托授权")
class AuthorizeAgencyInput:
    agency_credit_code: str = strawberry.field(description="受托机构的统一社会信用代码（须已通过审核）")
    scopes: list[AgencyServiceType] = strawberry.field(description="授权范围（须为机构备案的服务类型）")
    valid_from: date | None = strawberry.field(default=None, description="起始日期（含）")
    valid_until: date | None = strawberry.field(default=None, description="截止日期（含）")
    contract_number: str = strawberry.field(default="", description="委托合同编号")
    contract_file: ContractFileInput | None = strawberry.field(
        default=None, description="委托合同扫描件（可选）：PDF、JPG 或 PNG，不超过 10 MB"
    )


@strawberry.type(description="机构备案或审核的结果")
class AgencyPayload:
    agency: Agency | None = strawberry.field(description="办理后的机构；失败时为 null")
    errors: list[UserError] = strawberry.field(description="失败原因；成功时为空列表")
    staff_usernames: list[str] = strawberry.field(
        default_factory=list,
        description="备案时分配的人员登录名（所填名称加随机后缀，以免泄露已有用户名）；其他操作为空列表",
    )


@strawberry.type(description="委托授权或撤销的结果")
class AgencyAuthorizationPayload:
    authorization: AgencyAuthorization | None = strawberry.field(description="办理后的授权；失败时为 null")
    errors: list[UserError] = strawberry.field(description="失败原因；成功时为空列表")


@strawberry.type(description="记录信用事件的结果")
class CreditEventPayload:
    event: CreditEvent | None = strawberry.field(description="记录的信用事件；失败时为 null")
    errors: list[UserError] = strawberry.field(description="失败原因；成功时为空列表")


def _authorisation_id(value: str) -> int:
    parsed = parse_id(value)
    if parsed is None:
        raise NotFound(N_("No such authorisation."), field="authorisation")
    return parsed


async def _review(info: strawberry.Info, credit_code: str, decision: str, reason: str = "") -> AgencyPayload:
    context = info.context
    try:
        async with context.transaction() as session:
            agency = await service.review_agency(
                session, context.actor, credit_code=credit_code, decision=decision, reason=reason
            )
            view = await view_agency(session, context.actor, credit_code=agency.credit_code)
    except DomainError as error:
        # The mutation is the decision: a decision the agency's status does not allow names no input.
        problems = user_errors(error, context.locale)
        for problem in problems:
            if problem.field == "decision":
                problem.field = None
        return AgencyPayload(agency=None, errors=problems)
    return AgencyPayload(agency=Agency.from_view(view) if view else None, errors=[])


@strawberry.enum(description="扣分的信用事件所依据的记录类型")
class CreditEvidenceKind(Enum):
    SUBMISSION = enum_value("submission", description="机构代为提交的执行报告（回执编号）")
    FEEDBACK_FORM = enum_value("feedback_form", description="针对机构提交的报告下发的反馈单（编号）")
    READINGS = enum_value("readings", description="机构代为录入的监测数据（许可证编号）")


@strawberry.type
class AgencyMutation:
    @strawberry.mutation(
        description="第三方技术服务机构备案（任何人可提交，无需登录）：状态为待审核，审核通过前不能代任何单位办理业务。"
    )
    async def register_agency(
        self,
        info: strawberry.Info,
        input: Annotated[RegisterAgencyInput, strawberry.argument(description="备案内容")],
    ) -> AgencyPayload:
        context = info.context
        data = AgencyInput(
            name=input.name,
            credit_code=input.credit_code,
            address=input.address,
            region_code=input.region_code,
            contact_person=input.contact_person,
            contact_phone=input.contact_phone,
            service_types=[s.value for s in input.service_types],
            qualifications=[
                QualificationInput(name=q.name, number=q.number, valid_until=q.valid_until)
                for q in input.qualifications
            ],
        )
        staff = [
            StaffInput(username=m.username, password=m.password, display_name=m.display_name, email=m.email)
            for m in input.staff
        ]
        try:
            async with context.transaction() as session:
                agency = Agency.registered(
                    await service.register_agency(session, context.actor, data=data, staff=staff)
                )
        except DomainError as error:
            return AgencyPayload(agency=None, errors=user_errors(error, context.locale))
        return AgencyPayload(agency=agency, errors=[], staff_usernames=[m.username for m in staff])

    @strawberry.mutation(description="审核通过机构备案，或恢复已暂停、不通过的机构（法制科或系统管理员）。")
    async def approve_agency(self, info: strawberry.Info, credit_code: CreditCode) -> AgencyPayload:
        return await _review(info, credit_code, "approve")

    @strawberry.mutation(description="机构备案审核不通过（法制科或系统管理员），须说明理由。")
    async def reject_agency(
        self, info: strawberry.Info, credit_code: CreditCode, reason: Reason
    ) -> AgencyPayload:
        return await _review(info, credit_code, "reject", reason)

    @strawberry.mutation(description="暂停机构（法制科或系统管理员），须说明理由；暂停后其全部委托授权失效。")
    async def suspend_agency(
        self, info: strawberry.Info, credit_code: CreditCode, reason: Reason
    ) -> AgencyPayload:
        return await _review(info, credit_code, "suspend", reason)

    @strawberry.mutation(
        description="委托已通过审核的机构在一定范围和期限内代为办理（本单位企业管理员）；范围须为机构备案的服务类型。"
    )
    async def authorize_agency(
        self,
        info: strawberry.Info,
        input: Annotated[AuthorizeAgencyInput, strawberry.argument(description="委托内容")],
    ) -> AgencyAuthorizationPayload:
        context = info.context
        problems: list[FieldError] = []
        attached = input.contract_file
        data = AuthorisationInput(
            agency_credit_code=input.agency_credit_code,
            scopes=[s.value for s in input.scopes],
            valid_from=input.valid_from,
            valid_until=input.valid_until,
            contract_number=input.contract_number,
            contract_file_name=attached.file_name if attached else "",
            contract_file=attached.content(problems) if attached else None,
        )
        try:
            async with context.transaction() as session, reporting(problems):
                row = await authorisation_row(
                    session, await service.authorise_agency(session, context.actor, data=data)
                )
        except DomainError as error:
            return AgencyAuthorizationPayload(authorization=None, errors=user_errors(error, context.locale))
        return AgencyAuthorizationPayload(authorization=AgencyAuthorization.from_row(row), errors=[])

    @strawberry.mutation(description="撤销委托授权（本单位企业管理员）；撤销后机构不能再凭此授权办理。")
    async def revoke_agency_authorization(
        self,
        info: strawberry.Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="授权编号")],
        reason: Annotated[str, strawberry.argument(description="撤销理由")] = "",
    ) -> AgencyAuthorizationPayload:
        context = info.context
        try:
            async with context.transaction() as session:
                revoked = await service.revoke_authorisation(
                    session, context.actor, authorisation_id=_authorisation_id(id), reason=reason
                )
                row = await authorisation_row(session, revoked)
        except DomainError as error:
            return AgencyAuthorizationPayload(
                authorization=None, errors=user_errors(error, context.locale, rename={"authorisation": "id"})
            )
        return AgencyAuthorizationPayload(authorization=AgencyAuthorization.from_row(row), errors=[])

    @strawberry.mutation(
        description="记录机构信用事件（法制科、执法大队或系统管理员）：培训合格、考核通过，或执法查实的弄虚作假（向社会公开）。"
    )
    async def record_agency_credit_event(
        self,
        info: strawberry.Info,
        credit_code: CreditCode,
        kind: Annotated[
            CreditEventKind,
            strawberry.argument(description="TRAINING_PASSED、ASSESSMENT_PASSED 或 FALSIFIED_DATA"),
        ],
        note: Annotated[str, strawberry.argument(description="说明")],
        source_id: Annotated[str, strawberry.argument(description="培训、考核的证书编号（加分事件）")] = "",
        evidence_kind: Annotated[
            CreditEvidenceKind | None,
            strawberry.argument(description="扣分事件必填：所依据记录的类型"),
        ] = None,
        evidence_id: Annotated[
            str,
            strawberry.argument(
                description="扣分事件必填：所依据的记录——报告提交的回执编号、反馈单编号或监测数据的许可证编号；"
                "须存在且涉及该机构"
            ),
        ] = "",
    ) -> CreditEventPayload:
        context = info.context
        try:
            async with context.transaction() as session:
                event = CreditEvent.from_model(
                    await oversight.record_credit_event(
                        session,
                        context.actor,
                        credit_code=credit_code,
                        kind=kind.value,
                        note=note,
                        source_id=source_id,
                        evidence_kind=evidence_kind.value if evidence_kind else "",
                        evidence_id=evidence_id,
                    )
                )
        except DomainError as error:
            return CreditEventPayload(event=None, errors=user_errors(error, context.locale))
        return CreditEventPayload(event=event, errors=[])
