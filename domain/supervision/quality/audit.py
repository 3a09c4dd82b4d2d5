"""Use cases of the permit quality audit: run the rules over a permit's version in force and raise what
they find as problems for the permitting section (the closed loop).

When it runs (docs/supervision.md, "Permit quality"): by the daily run over every issued permit whose
version in force has not been audited yet (a first issue, a renewal, a change each write a new version),
and on demand by the permitting section from the permit's quality page. Not inside the issue, renewal or
change use case itself: the permit register sits below supervision (the areas' layers), and a decision
on an application must neither wait for nor fail on the audit; a new version is audited by the next
morning at the latest, or at once by the section that just issued it.

One problem per permit version and rule (``source_ref`` ``permit:version:rule``), so running the audit
again, by hand or by the daily run, raises nothing twice.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, Role, can, operator, require
from domain.audit.service import record
from domain.bounds import MAX_ID
from domain.clock import utcnow
from domain.errors import N_, Conflict, NotFound
from domain.i18n import DEFAULT_LOCALE, translate
from domain.permits.models import Permit, PermitVersion
from domain.permits.rules import PermitStatus
from domain.permits.state import target_of
from domain.supervision.problems import rules as problem_rules
from domain.supervision.problems import service as problems
from domain.supervision.problems.rules import ProblemInput
from domain.supervision.quality.labels import finding_text
from domain.supervision.quality.models import QualityAudit, QualityFindingRow
from domain.supervision.quality.rules import RULES, PermitFacts, QualityFinding, check_permit

SOURCE_KIND = "permit_audit"


def source_ref(permit_id: int, version: int, rule_code: str) -> str:
    return f"{permit_id}:{version}:{rule_code}"


async def load_permit(session: AsyncSession, actor: Actor, permit_id: int) -> Permit:
    """The permit, if the actor may read its quality audit; else NotFound (never a hint it exists)."""
    permit = await session.get(Permit, permit_id) if 0 < permit_id <= MAX_ID else None
    if permit is None or not can(actor, Operation.QUALITY_VIEW, target_of(permit)):
        raise NotFound(N_("No such permit."), field="permit_id")
    return permit


async def version_in_force(session: AsyncSession, permit: Permit) -> PermitVersion | None:
    return (
        await session.exec(
            select(PermitVersion).where(
                PermitVersion.permit_id == permit.id, PermitVersion.version == permit.content_version
            )
        )
    ).first()


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def _raise(
    session: AsyncSession,
    actor: Actor,
    permit: Permit,
    version: PermitVersion,
    audit: QualityAudit,
    rule_code: str,
    found: list[QualityFinding],
) -> int:
    """The problem of one rule's findings on one permit version (raised once; returns its id)."""
    locale = DEFAULT_LOCALE
    assert permit.id is not None
    lines = [finding_text(rule_code, f.params, locale) for f in found]
    bases = sorted({f.basis for f in found if f.basis})
    data = ProblemInput(
        enterprise_id=permit.enterprise_id,
        permit_id=permit.id,
        outlet_code=None,
        source_kind=SOURCE_KIND,
        source_ref=source_ref(permit.id, version.version, rule_code),
        title=_cut(
            translate(N_("Permit quality: {rule}"), locale, rule=translate(RULES[rule_code].title, locale)),
            problem_rules.TITLE_MAX,
        ),
        description=_cut("\n".join(lines), problem_rules.DESCRIPTION_MAX),
        legal_basis=_cut("; ".join(bases), problem_rules.LEGAL_BASIS_MAX),
        evidence=_cut(
            translate(
                N_(
                    "Quality audit {audit} of permit {number}, version {version}: "
                    "rule {rule}, {count} findings"
                ),
                locale,
                audit=audit.id,
                number=permit.number or "",
                version=version.version,
                rule=rule_code,
                count=len(found),
            ),
            problem_rules.EVIDENCE_MAX,
        ),
        department=Role.PERMITTING.value,
    )
    problem = await problems.raise_problem(session, actor, data=data)
    assert problem.id is not None
    return problem.id


async def audit_permit(
    session: AsyncSession, actor: Actor, *, permit_id: int, trigger: str = "on_demand"
) -> QualityAudit:
    """Run the quality rules over the permit's version in force, store the run and its findings, and
    raise one problem per rule that found something (owned by the permitting section). Only an issued
    permit is audited; the permitting section of the jurisdiction (or the system's daily run) runs it."""
    permit = await load_permit(session, actor, permit_id)
    require(actor, Operation.QUALITY_CHECK, target_of(permit))
    version = await version_in_force(session, permit)
    if permit.status != PermitStatus.ISSUED.value or version is None:
        raise Conflict(N_("Only an issued permit has a copy to audit."), field="permit_id")
    assert permit.id is not None
    findings = check_permit(PermitFacts(permit.industry_code, version.category, version.content))
    audit = QualityAudit(
        permit_id=permit.id,
        version=version.version,
        enterprise_id=permit.enterprise_id,
        region_code=permit.region_code,
        trigger=trigger,
        ran_at=utcnow(),
        ran_by=actor.username or "system",
        finding_count=len(findings),
    )
    session.add(audit)
    await session.flush()
    by_rule: dict[str, list[QualityFinding]] = defaultdict(list)
    for finding in findings:
        by_rule[finding.rule_code].append(finding)
    problem_ids = {
        code: await _raise(session, actor, permit, version, audit, code, found)
        for code, found in by_rule.items()
    }
    assert audit.id is not None
    session.add_all(
        [
            QualityFindingRow(
                audit_id=audit.id,
                rule_code=f.rule_code,
                field=f.field[:120],
                params=f.params,
                basis=f.basis[:300],
                source_rule=f.source_rule,
                problem_id=problem_ids[f.rule_code],
            )
            for f in findings
        ]
    )
    record(
        session,
        actor,
        action="quality.audit",
        object_type="permit",
        object_id=permit.id,
        enterprise_id=permit.enterprise_id,
        after={
            "version": version.version,
            "trigger": trigger,
            "findings": len(findings),
            "rules": sorted(by_rule),
        },
    )
    return audit


async def audit_new_versions(session: AsyncSession, *, on: date) -> int:
    """The daily run: audit every issued permit whose version in force has no audit yet. Returns how many
    permits were audited; a day run twice audits none again."""
    system = operator("system")
    audited = (
        select(QualityAudit.id)
        .where(
            QualityAudit.permit_id == col(Permit.id),
            QualityAudit.version == col(Permit.content_version),
        )
        .exists()
    )
    ids = (
        await session.exec(
            select(Permit.id)
            .where(Permit.status == PermitStatus.ISSUED.value, ~audited)
            .order_by(col(Permit.id))
        )
    ).all()
    for permit_id in ids:
        assert permit_id is not None
        await audit_permit(session, system, permit_id=permit_id, trigger="daily")
    return len(ids)
