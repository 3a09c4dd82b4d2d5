"""The one schema: per-feature Query and Mutation classes composed (pycon style)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from domain.settings import Settings
from graphql_schema import bilingual
from graphql_schema.accounts.mutations import AccountMutation
from graphql_schema.accounts.queries import AccountQuery
from graphql_schema.agencies.mutations import AgencyMutation
from graphql_schema.agencies.queries import AgencyQuery
from graphql_schema.changes import ChangeQuery
from graphql_schema.enterprises.mutations import EnterpriseMutation
from graphql_schema.enterprises.queries import EnterpriseQuery
from graphql_schema.enterprises.types import Enterprise, EnterprisePublic
from graphql_schema.ledgers.mutations import LedgerMutation
from graphql_schema.ledgers.queries import LedgerQuery
from graphql_schema.ledgers.stations import StationQuery
from graphql_schema.limits import log_unexpected
from graphql_schema.operation_checks import operation_checks
from graphql_schema.permits.mutations import PermitMutation
from graphql_schema.permits.queries import PermitQuery
from graphql_schema.registrations.mutations import RegistrationMutation
from graphql_schema.registrations.queries import RegistrationQuery
from graphql_schema.reports.attachments import ReportAttachmentMutation, ReportAttachmentQuery
from graphql_schema.reports.mutations import ReportMutation
from graphql_schema.reports.queries import ReportQuery
from graphql_schema.reports.review import ReviewMutation, ReviewQuery
from graphql_schema.scalars import DateTime
from graphql_schema.statistics import StatisticsQuery
from graphql_schema.supervision.cases import CaseMutation, CaseQuery
from graphql_schema.supervision.credit import UnitCreditMutation, UnitCreditQuery
from graphql_schema.supervision.grading import GradingMutation, GradingQuery
from graphql_schema.supervision.inspections import InspectionMutation, InspectionQuery
from graphql_schema.supervision.linkage import LinkageMutation, LinkageQuery
from graphql_schema.supervision.problems import ProblemMutation, ProblemQuery
from graphql_schema.supervision.quality import QualityMutation, QualityQuery
from graphql_schema.supervision.standing import StandingMutation, StandingQuery
from graphql_schema.webhooks import WebhookMutation, WebhookQuery


@strawberry.type(description="查询")
class Query(
    AccountQuery,
    EnterpriseQuery,
    PermitQuery,
    LedgerQuery,
    StationQuery,
    ReportQuery,
    ReportAttachmentQuery,
    ReviewQuery,
    AgencyQuery,
    RegistrationQuery,
    StandingQuery,
    ProblemQuery,
    InspectionQuery,
    LinkageQuery,
    CaseQuery,
    GradingQuery,
    UnitCreditQuery,
    QualityQuery,
    StatisticsQuery,
    ChangeQuery,
    WebhookQuery,
):
    pass


@strawberry.type(description="变更：结果中的 errors 列出失败原因，失败时不写入任何数据")
class Mutation(
    AccountMutation,
    EnterpriseMutation,
    PermitMutation,
    LedgerMutation,
    ReportMutation,
    ReportAttachmentMutation,
    ReviewMutation,
    AgencyMutation,
    RegistrationMutation,
    StandingMutation,
    ProblemMutation,
    InspectionMutation,
    LinkageMutation,
    CaseMutation,
    GradingMutation,
    UnitCreditMutation,
    QualityMutation,
    WebhookMutation,
):
    pass


class PermitwatchSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Refusals and invalid documents are the client's business, not the log's;
        # only unexpected exceptions are logged, with the request id the client sees.
        context = execution_context.context if execution_context else None
        log_unexpected(errors, getattr(context, "request_id", None))


def _default(name: str) -> Any:
    return Settings.model_fields[name].default


def make_schema(
    *,
    max_depth: int = _default("graphql_max_depth"),
    max_tokens: int = _default("graphql_max_tokens"),
    max_aliases: int = _default("graphql_max_aliases"),
    max_cost: int = _default("graphql_max_cost"),
    list_estimate: int = _default("graphql_list_estimate"),
) -> strawberry.Schema:
    built = PermitwatchSchema(
        query=Query,
        mutation=Mutation,
        types=[Enterprise, EnterprisePublic],
        config=StrawberryConfig(scalar_map={datetime: DateTime}),
        extensions=[
            operation_checks(
                max_depth=max_depth,
                max_tokens=max_tokens,
                max_aliases=max_aliases,
                max_cost=max_cost,
                list_estimate=list_estimate,
            ),
        ],
    )
    bilingual.apply(built._schema)  # each description "<中文>\n\n<English>" (docs/integrators.md)
    return built


schema = make_schema()
