"""Every audit rule: importing this module registers the general and the industry rules, so the
catalogue is whole and a report is checked against all the rules that apply to it."""

from __future__ import annotations

from functools import lru_cache

# Importing the rule modules registers their rules.
from domain.audit_rules import industry  # noqa: F401
from domain.audit_rules.engine import ERROR, Finding, Rule, RuleContext, registered, registered_count
from domain.audit_rules.general import annual, emissions, exceedances, monitoring, report  # noqa: F401


def catalogue() -> list[Rule]:
    """Every rule, general rules first, then by code."""
    return registered()


def run(context: RuleContext) -> list[Finding]:
    """Every finding of every rule that applies, errors first, in rule order."""
    findings: list[Finding] = []
    for item in _rules_for(context.kind, context.industry_code, registered_count()):
        findings.extend(item.check(context))
    return sorted(findings, key=lambda f: (f.severity != ERROR, f.code, f.field))


@lru_cache(maxsize=256)
def _rules_for(kind: str, industry_code: str, _registered: int) -> tuple[Rule, ...]:
    """The rules that apply to a report of this kind and industry, in catalogue order (worked out once
    per kind and industry: a filing peak runs them thousands of times; a rule registered later changes
    ``_registered`` and so the answer)."""
    return tuple(item for item in catalogue() if item.applies(kind, industry_code))
