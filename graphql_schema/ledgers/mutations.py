"""Writing the ledger through GraphQL. Problems come back in the payload's ``errors``; nothing is written."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from domain.errors import DomainError
from domain.ledgers.queries.ledger import permit_number_of
from domain.ledgers.service import entries as entry_cases
from domain.ledgers.service import exceedances as exceedance_cases
from domain.ledgers.service import readings as reading_cases
from domain.ledgers.service import shutdowns as shutdown_cases
from domain.ledgers.service.shutdowns import ShutdownInput
from graphql_schema.errors import UserError, user_errors
from graphql_schema.ledgers.types import (
    Exceedance,
    LedgerEntry,
    LedgerEntryInputType,
    ReadingInputType,
    Shutdown,
)

PermitNumber = Annotated[str, strawberry.argument(description="许可证编号")]


@strawberry.type(description="批量提交监测数据的结果")
class SubmitMonitoringBatchPayload:
    written: int = strawberry.field(description="写入的条数；失败时为 0")
    exceedances_opened: int = strawberry.field(description="新发现的超标记录数")
    errors: list[UserError] = strawberry.field(description="失败原因（字段形如 readings[3].concentration）")


@strawberry.type(description="台账记录操作的结果")
class LedgerEntryPayload:
    entry: LedgerEntry | None = strawberry.field(description="写入后的台账记录；失败时为 null")
    errors: list[UserError] = strawberry.field(description="失败原因；成功时为空列表")


@strawberry.type(description="说明超标原因的结果")
class ExplainExceedancePayload:
    exceedance: Exceedance | None = strawberry.field(description="说明后的超标记录；失败时为 null")
    errors: list[UserError] = strawberry.field(description="失败原因；成功时为空列表")


@strawberry.type(description="停产记录操作的结果")
class ShutdownPayload:
    shutdown: Shutdown | None = strawberry.field(description="写入后的停产记录；失败时为 null")
    errors: list[UserError] = strawberry.field(description="失败原因；成功时为空列表")


@strawberry.type
class LedgerMutation:
    @strawberry.mutation(
        description="批量提交监测数据（一个事务，最多 50,000 条）：全部通过校验才写入，并检查超标。"
    )
    async def submit_monitoring_batch(
        self,
        info: strawberry.Info,
        permit_number: PermitNumber,
        readings: Annotated[
            list[ReadingInputType], strawberry.argument(description="监测数据（最多 50,000 条）")
        ],
    ) -> SubmitMonitoringBatchPayload:
        context = info.context
        try:
            async with context.transaction() as session:
                result = await reading_cases.record_readings(
                    session,
                    context.actor,
                    permit_number=permit_number,
                    readings=[reading.to_domain() for reading in readings],
                    source="api",
                )
        except DomainError as error:
            return SubmitMonitoringBatchPayload(
                written=0, exceedances_opened=0, errors=user_errors(error, context.locale)
            )
        return SubmitMonitoringBatchPayload(
            written=result.written, exceedances_opened=result.exceedances_opened, errors=[]
        )

    @strawberry.mutation(description="新增台账记录")
    async def record_ledger_entry(
        self,
        info: strawberry.Info,
        permit_number: PermitNumber,
        input: Annotated[LedgerEntryInputType, strawberry.argument(description="台账记录")],
    ) -> LedgerEntryPayload:
        context = info.context
        try:
            async with context.transaction() as session:
                entry = LedgerEntry.from_model(
                    await entry_cases.record_entry(
                        session, context.actor, permit_number=permit_number, data=input.to_domain()
                    )
                )
        except DomainError as error:
            return LedgerEntryPayload(entry=None, errors=user_errors(error, context.locale))
        return LedgerEntryPayload(entry=entry, errors=[])

    @strawberry.mutation(
        description="修改台账记录：须说明原因并给出所修改的版本号（已被他人修改时拒绝）；原版本保留"
    )
    async def revise_ledger_entry(
        self,
        info: strawberry.Info,
        id: Annotated[int, strawberry.argument(description="台账记录 ID")],
        input: Annotated[LedgerEntryInputType, strawberry.argument(description="修改后的台账记录")],
        note: Annotated[str, strawberry.argument(description="修改原因")],
        expected_revision: Annotated[int, strawberry.argument(description="所修改的版本号（当前版本号）")],
    ) -> LedgerEntryPayload:
        context = info.context
        try:
            async with context.transaction() as session:
                entry = LedgerEntry.from_model(
                    await entry_cases.revise_entry(
                        session,
                        context.actor,
                        entry_id=id,
                        data=input.to_domain(),
                        note=note,
                        expected_revision=expected_revision,
                    )
                )
        except DomainError as error:
            return LedgerEntryPayload(
                entry=None,
                errors=user_errors(
                    error, context.locale, rename={"revision": "expectedRevision", "entry": "id"}
                ),
            )
        return LedgerEntryPayload(entry=entry, errors=[])

    @strawberry.mutation(description="作废台账记录：须说明原因；记录保留并标记作废")
    async def void_ledger_entry(
        self,
        info: strawberry.Info,
        id: Annotated[int, strawberry.argument(description="台账记录 ID")],
        reason: Annotated[str, strawberry.argument(description="作废原因")],
    ) -> LedgerEntryPayload:
        context = info.context
        try:
            async with context.transaction() as session:
                entry = LedgerEntry.from_model(
                    await entry_cases.void_entry(session, context.actor, entry_id=id, reason=reason)
                )
        except DomainError as error:
            return LedgerEntryPayload(
                entry=None, errors=user_errors(error, context.locale, rename={"entry": "id"})
            )
        return LedgerEntryPayload(entry=entry, errors=[])

    @strawberry.mutation(description="记录超标原因和采取的措施（记录后超标状态为 explained）")
    async def explain_exceedance(
        self,
        info: strawberry.Info,
        id: Annotated[int, strawberry.argument(description="超标记录 ID")],
        cause: Annotated[str, strawberry.argument(description="超标原因")],
        measures: Annotated[str, strawberry.argument(description="采取的措施")],
    ) -> ExplainExceedancePayload:
        context = info.context
        try:
            async with context.transaction() as session:
                exceedance = await exceedance_cases.explain_exceedance(
                    session, context.actor, exceedance_id=id, cause=cause, measures=measures
                )
                permit_number = await permit_number_of(session, exceedance.permit_id)
                result = Exceedance.from_model(exceedance, permit_number)
        except DomainError as error:
            return ExplainExceedancePayload(
                exceedance=None, errors=user_errors(error, context.locale, rename={"exceedance": "id"})
            )
        return ExplainExceedancePayload(exceedance=result, errors=[])

    @strawberry.mutation(description="记录停产（停产第一天、最后一天或仍在停产、原因）；写入审计记录")
    async def record_shutdown(
        self,
        info: strawberry.Info,
        permit_number: PermitNumber,
        starts_on: Annotated[date, strawberry.argument(description="停产第一天")],
        reason: Annotated[str, strawberry.argument(description="停产原因")],
        ends_on: Annotated[
            date | None, strawberry.argument(description="停产最后一天；仍在停产时不填")
        ] = None,
    ) -> ShutdownPayload:
        context = info.context
        try:
            async with context.transaction() as session:
                shutdown = await shutdown_cases.record_shutdown(
                    session,
                    context.actor,
                    permit_number=permit_number,
                    data=ShutdownInput(starts_on, ends_on, reason),
                )
                result = Shutdown.from_model(shutdown, await permit_number_of(session, shutdown.permit_id))
        except DomainError as error:
            return ShutdownPayload(shutdown=None, errors=user_errors(error, context.locale))
        return ShutdownPayload(shutdown=result, errors=[])

    @strawberry.mutation(description="记录停产结束（复产前的最后一个停产日）")
    async def end_shutdown(
        self,
        info: strawberry.Info,
        id: Annotated[int, strawberry.argument(description="停产记录 ID")],
        ends_on: Annotated[date, strawberry.argument(description="停产最后一天")],
    ) -> ShutdownPayload:
        context = info.context
        try:
            async with context.transaction() as session:
                shutdown = await shutdown_cases.end_shutdown(
                    session, context.actor, shutdown_id=id, ends_on=ends_on
                )
                result = Shutdown.from_model(shutdown, await permit_number_of(session, shutdown.permit_id))
        except DomainError as error:
            return ShutdownPayload(
                shutdown=None, errors=user_errors(error, context.locale, rename={"shutdown": "id"})
            )
        return ShutdownPayload(shutdown=result, errors=[])
