"""Per-request dataloaders of execution reports: each relationship of a page of reports in one query."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.dataloader import DataLoader

from domain.reports.models import AuditFinding
from domain.reports.queries import rows
from domain.reports.queries.rows import FeedbackView, ReportKey, SubmissionView
from graphql_schema.loaders import RequestReader

V = TypeVar("V")
BatchFunction = Callable[[AsyncSession, Sequence[ReportKey]], Awaitable[dict[ReportKey, V]]]


class ReportLoaders:
    """Built once per request; never awaited while the context's session lock is held."""

    def __init__(self, context: RequestReader) -> None:
        self._context = context
        self.submissions: DataLoader[ReportKey, list[SubmissionView]] = self._loader(rows.submissions_for, [])
        self.findings: DataLoader[ReportKey, list[AuditFinding] | None] = self._loader(
            rows.latest_findings_for, None
        )
        self.feedback: DataLoader[ReportKey, list[FeedbackView] | None] = self._loader(
            rows.feedback_for, None
        )

    def _loader(self, load: BatchFunction[V], missing: Any) -> DataLoader[ReportKey, V]:
        async def load_fn(keys: Sequence[ReportKey]) -> list[V]:
            async with self._context.read() as session:
                found = await load(session, keys)
            return [found.get(key, missing) for key in keys]

        return DataLoader(load_fn=load_fn)


def report_loaders(context: RequestReader) -> ReportLoaders:
    """The request's report loaders, built on first use (the context's ``Loaders`` does not list them)."""
    loaders = getattr(context, "report_loaders", None)
    if loaders is None:
        loaders = ReportLoaders(context)
        context.report_loaders = loaders  # type: ignore[attr-defined]
    return loaders
