"""The public catalogue of audit rules (/rules): units see what their reports are checked against."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.audit_rules import docs
from domain.audit_rules.engine import ALL_KINDS
from domain.permits.reference import REPORT_KIND_LABELS
from portal.responses import actor_of, render


async def rule_list(request: Request) -> Response:
    await actor_of(request)  # the page is public; a logged-in visitor keeps their navigation
    params = request.query_params
    filters = docs.CatalogueFilter.parse(
        scope=params.get("scope", "")[:16],
        severity=params.get("severity", "")[:16],
        kind=params.get("kind", "")[:16],
    )
    return render(
        request,
        "audit_rules/list.html",
        {
            "rules": docs.select_rules(filters),
            "filters": filters,
            "industries": docs.industry_codes(),
            "severities": docs.SEVERITIES,
            "kinds": ALL_KINDS,
            "kind_labels": REPORT_KIND_LABELS,
        },
        fragment="audit_rules/_results.html",
    )


routes = [Route("/rules", rule_list, name="audit_rules")]
