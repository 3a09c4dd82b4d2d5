"""Where problems come from (docs/supervision.md, "Problems and rectification"): a regulator turns an
audit finding on a submitted report, a feedback item or an exceedance into a problem, or enters one by
hand (a complaint, what they saw); feedback items left unresolved past the form's deadline become
problems by themselves (the daily worker). Each source is read here into a ``ProblemInput`` with what the
source says (unit, permit, outlet, reference, evidence, a proposed wording) and handed to
``service.raise_problem``, which keeps one problem per source."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, Role, can, operator, require, rule
from domain.access.conditions import Never
from domain.bounds import MAX_ID
from domain.clock import today
from domain.enterprises.models import Enterprise
from domain.enterprises.targets import target_of as enterprise_target
from domain.errors import N_, FieldError, NotFound, ValidationFailed
from domain.i18n import DEFAULT_LOCALE, translate
from domain.ledgers.models import Exceedance
from domain.permits.models import Permit
from domain.permits.reference import REPORT_KIND_LABELS, named_pollutant, pollutant_name
from domain.permits.state import target_of as permit_target
from domain.reports.departments import SECTION_LABELS, section_of
from domain.reports.models import (
    AuditFinding,
    ExecutionReport,
    FeedbackForm,
    FeedbackItem,
    ReportSubmission,
)
from domain.supervision.departments import department_error
from domain.supervision.problems import rules, service
from domain.supervision.problems.models import Problem
from domain.supervision.problems.rules import ProblemInput, RectificationInput

# The sources a regulator picks a record of (the others are entered by hand).
RECORD_SOURCES = ("audit_finding", "feedback_item", "exceedance")
HAND_SOURCES = ("manual", "complaint", "inspection", "monitoring")
# Legal basis proposed for each source; the regulator may reword it.
REPORT_BASIS = N_("Regulation on Pollutant Discharge Permits, art. 22 (execution reports)")
EXCEEDANCE_BASIS = N_(
    "Regulation on Pollutant Discharge Permits, art. 17 and art. 34 (1) (discharge above permitted limits)"
)


@dataclass(frozen=True)
class Draft:
    """A problem as its source proposes it, for the form a regulator completes."""

    data: ProblemInput
    enterprise_name: str
    permit_number: str | None
    source_label: str


def _may_raise(actor: Actor) -> None:
    """Refuse at once whoever may raise no problem at all (before saying anything about the input)."""
    if not actor.is_authenticated or isinstance(rule(actor, Operation.PROBLEM_RAISE), Never):
        require(actor, Operation.PROBLEM_RAISE, None)
        raise AssertionError  # pragma: no cover - require raised


def _department(actor: Actor, fallback: Role) -> str:
    return actor.role.value if actor.is_regulator and actor.role is not None else fallback.value


def _cut(text: str, limit: int) -> str:
    """A proposed wording fits its field (the regulator reads and may reword it before it is saved)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def _permit_enterprise(session: AsyncSession, permit_id: int) -> tuple[Permit, Enterprise]:
    permit = await session.get(Permit, permit_id)
    assert permit is not None
    enterprise = await session.get(Enterprise, permit.enterprise_id)
    assert enterprise is not None
    return permit, enterprise


def _section(field_path: str, locale: str) -> str:
    """The report section a finding or feedback item is about, named as people read it (never the path)."""
    section = section_of(field_path) or (field_path if field_path in SECTION_LABELS else None)
    return translate(SECTION_LABELS[section], locale) if section in SECTION_LABELS else ""


def _report_name(report: ExecutionReport, locale: str) -> str:
    return f"{translate(REPORT_KIND_LABELS.get(report.kind, report.kind), locale)} {report.period}"


async def _finding(session: AsyncSession, actor: Actor, finding_id: int, locale: str) -> Draft:
    finding = await session.get(AuditFinding, finding_id) if 0 < finding_id <= MAX_ID else None
    submission = await session.get(ReportSubmission, finding.submission_id) if finding else None
    report = await session.get(ExecutionReport, submission.report_id) if submission else None
    if finding is None or submission is None or report is None:
        raise NotFound(N_("No such audit finding."), field="source_id")
    permit, enterprise = await _permit_enterprise(session, report.permit_id)
    if not can(actor, Operation.REPORT_VIEW, permit_target(permit)):
        raise NotFound(N_("No such audit finding."), field="source_id")
    message = translate(finding.message, locale, **named_pollutant(finding.params, locale))
    data = ProblemInput(
        enterprise_id=enterprise.id or 0,
        permit_id=permit.id,
        outlet_code=None,
        source_kind="audit_finding",
        source_ref=f"{submission.receipt_number}:{finding.rule_code}:{finding.id}",
        title=_cut(message, rules.TITLE_MAX),
        description=_cut(
            " — ".join(
                p for p in (_report_name(report, locale), _section(finding.field, locale), message) if p
            ),
            rules.DESCRIPTION_MAX,
        ),
        legal_basis=translate(REPORT_BASIS, locale),
        evidence=_cut(
            translate(
                N_("Receipt {receipt} (version {version}), audit rule {rule}"),
                locale,
                receipt=submission.receipt_number,
                version=submission.version,
                rule=finding.rule_code,
            ),
            rules.EVIDENCE_MAX,
        ),
        department=_department(actor, Role.ECOLOGY),
    )
    return Draft(data, enterprise.name, permit.number, rules.SOURCE_LABELS["audit_finding"])


async def _feedback_item(session: AsyncSession, actor: Actor, item_id: int, locale: str) -> Draft:
    item = await session.get(FeedbackItem, item_id) if 0 < item_id <= MAX_ID else None
    form = await session.get(FeedbackForm, item.form_id) if item else None
    report = await session.get(ExecutionReport, form.report_id) if form else None
    if item is None or form is None or report is None:
        raise NotFound(N_("No such feedback item."), field="source_id")
    permit, enterprise = await _permit_enterprise(session, report.permit_id)
    if not can(actor, Operation.REPORT_VIEW, permit_target(permit)):
        raise NotFound(N_("No such feedback item."), field="source_id")
    data = ProblemInput(
        enterprise_id=enterprise.id or 0,
        permit_id=permit.id,
        outlet_code=None,
        source_kind="feedback_item",
        source_ref=f"{form.id}:{item.id}",
        title=_cut(item.problem, rules.TITLE_MAX),
        description=_cut(
            " — ".join(
                p for p in (_report_name(report, locale), _section(item.field, locale), item.problem) if p
            ),
            rules.DESCRIPTION_MAX,
        ),
        legal_basis=translate(REPORT_BASIS, locale),
        evidence=translate(
            N_("Feedback form {form} on the {report}, answer due {deadline}"),
            locale,
            form=form.id,
            report=_report_name(report, locale),
            deadline=form.deadline.isoformat(),
        ),
        department=form.department if form.department in {r.value for r in Role} else Role.ECOLOGY.value,
    )
    return Draft(data, enterprise.name, permit.number, rules.SOURCE_LABELS["feedback_item"])


async def _exceedance(session: AsyncSession, actor: Actor, exceedance_id: int, locale: str) -> Draft:
    found = await session.get(Exceedance, exceedance_id) if 0 < exceedance_id <= MAX_ID else None
    if found is None:
        raise NotFound(N_("No such exceedance."), field="source_id")
    permit, enterprise = await _permit_enterprise(session, found.permit_id)
    if not can(actor, Operation.LEDGER_VIEW, permit_target(permit)):
        raise NotFound(N_("No such exceedance."), field="source_id")
    pollutant = pollutant_name(found.pollutant, locale)
    params = {
        "outlet": found.outlet_code,
        "pollutant": pollutant,
        "start": found.started_at.date().isoformat(),
        "end": found.ended_at.date().isoformat(),
        "count": found.reading_count,
        "maximum": f"{found.max_value:g}",
        "limit": f"{found.limit_value:g}",
        "unit": found.unit,
    }
    data = ProblemInput(
        enterprise_id=enterprise.id or 0,
        permit_id=permit.id,
        outlet_code=found.outlet_code,
        source_kind="exceedance",
        source_ref=str(found.id),
        title=_cut(
            translate(N_("{pollutant} above the permitted limit at outlet {outlet}"), locale, **params),
            rules.TITLE_MAX,
        ),
        description=translate(
            N_("{pollutant} at outlet {outlet} from {start} to {end}: {count} readings above the limit."),
            locale,
            **params,
        ),
        legal_basis=translate(EXCEEDANCE_BASIS, locale),
        evidence=translate(
            N_("Ledger exceedance record: highest {maximum} {unit} against a limit of {limit} {unit}."),
            locale,
            **params,
        ),
        department=_department(actor, Role.ENFORCEMENT),
    )
    return Draft(data, enterprise.name, permit.number, rules.SOURCE_LABELS["exceedance"])


async def draft(
    session: AsyncSession, actor: Actor, *, source_kind: str, source_id: int, locale: str = DEFAULT_LOCALE
) -> Draft:
    """What a source record proposes for a problem (the form's starting values), if the actor may raise
    problems on its unit. A source already raised is a Conflict naming the problem (``params``)."""
    _may_raise(actor)
    match source_kind:
        case "audit_finding":
            found = await _finding(session, actor, source_id, locale)
        case "feedback_item":
            found = await _feedback_item(session, actor, source_id, locale)
        case "exceedance":
            found = await _exceedance(session, actor, source_id, locale)
        case _:
            raise ValidationFailed(
                [FieldError("source_kind", "choice", N_("Choose one of the listed sources."))]
            )
    permit = await session.get(Permit, found.data.permit_id) if found.data.permit_id else None
    if permit is not None:
        require(actor, Operation.PROBLEM_RAISE, permit_target(permit))
    return found


async def existing(session: AsyncSession, *, source_kind: str, source_ref: str) -> Problem | None:
    """The problem a source already raised, if any (the caller has read the source with access)."""
    return (
        await session.exec(
            select(Problem).where(Problem.source_kind == source_kind, Problem.source_ref == source_ref)
        )
    ).first()


@dataclass(frozen=True)
class Wording:
    """What the regulator completes or rewords on the form; None keeps the source's proposal."""

    title: str | None = None
    description: str | None = None
    legal_basis: str | None = None
    evidence: str | None = None
    department: str | None = None
    outlet_code: str | None = None
    rectification: RectificationInput | None = None


def _worded(data: ProblemInput, wording: Wording) -> ProblemInput:
    changes = {
        name: value
        for name in ("title", "description", "legal_basis", "evidence", "department", "outlet_code")
        if (value := getattr(wording, name)) is not None
    }
    return replace(data, rectification=wording.rectification, **changes)


async def raise_from_record(
    session: AsyncSession,
    actor: Actor,
    *,
    source_kind: str,
    source_id: int,
    wording: Wording,
    locale: str = DEFAULT_LOCALE,
) -> Problem:
    """Turn an audit finding on a submitted report, a feedback item or an exceedance into a problem, with
    the regulator's wording and (optionally) its rectification; the same record raised twice is one
    problem (``service.raise_problem``)."""
    found = await draft(session, actor, source_kind=source_kind, source_id=source_id, locale=locale)
    return await service.raise_problem(session, actor, data=_worded(found.data, wording))


async def raise_by_hand(
    session: AsyncSession,
    actor: Actor,
    *,
    source_kind: str,
    request_key: str,
    credit_code: str,
    permit_number: str,
    wording: Wording,
) -> Problem:
    """A problem a regulator enters (what they saw, a complaint, an inspection or monitoring result noted
    on paper): the unit by its credit code, the permit by its number (optional). ``request_key`` is the
    form's own key, so a form sent twice makes one problem."""
    _may_raise(actor)
    errors: list[FieldError] = []
    if source_kind not in HAND_SOURCES:
        errors.append(FieldError("source_kind", "choice", N_("Choose one of the listed sources.")))
    key = (request_key or "").strip()
    if not key or len(key) > 64:
        errors.append(FieldError("request_key", "required", N_("This field is required.")))
    code = (credit_code or "").strip().upper()
    enterprise = (
        (await session.exec(select(Enterprise).where(Enterprise.credit_code == code))).first()
        if code
        else None
    )
    if enterprise is None or not can(actor, Operation.ENTERPRISE_VIEW, enterprise_target(enterprise)):
        errors.append(FieldError("credit_code", "not_found", N_("No such unit.")))
        enterprise = None
    number = (permit_number or "").strip().upper()
    permit = None
    if number:
        permit = (await session.exec(select(Permit).where(Permit.number == number))).first()
        if permit is None or (enterprise is not None and permit.enterprise_id != enterprise.id):
            errors.append(FieldError("permit_number", "not_found", N_("No such permit of this unit.")))
            permit = None
    if enterprise is not None:
        require(actor, Operation.PROBLEM_RAISE, enterprise_target(enterprise))
    data = _worded(
        ProblemInput(
            enterprise_id=enterprise.id or 0 if enterprise is not None else 0,
            permit_id=permit.id if permit else None,
            outlet_code=None,
            source_kind=source_kind,
            source_ref=f"{source_kind}:{key}",
            title="",
            description="",
            legal_basis="",
            evidence="",
            department=_department(actor, Role.ECOLOGY),
        ),
        wording,
    )
    if errors:
        # Everything else the form got wrong, named with what was found above (the use case would).
        taken = {error.field for error in errors}
        more = [
            e
            for e in rules.problem_errors(data, on=today())
            if e.field not in taken and e.field != "source_ref"
        ]
        department = department_error(data.department)
        raise ValidationFailed([*errors, *more, *([department] if department else [])])
    return await service.raise_problem(session, actor, data=data)


async def raise_overdue_feedback(session: AsyncSession, *, on: date) -> int:
    """Feedback items still unresolved when their form's deadline has passed become problems owned by
    the department that issued the form (run daily, before the form is closed and its items passed to
    enforcement as leads). Returns how many problems were raised; a day run twice raises none again."""
    system = operator("system")
    rows = (
        await session.exec(
            select(FeedbackItem.id)
            .join(FeedbackForm, col(FeedbackForm.id) == col(FeedbackItem.form_id))
            .where(
                FeedbackForm.status == "open",
                col(FeedbackForm.deadline) < on,
                col(FeedbackItem.resolved).is_(False),
            )
            .order_by(col(FeedbackItem.id))
        )
    ).all()
    raised = 0
    for item_id in rows:
        assert item_id is not None
        found = await _feedback_item(session, system, item_id, DEFAULT_LOCALE)
        if await existing(session, source_kind="feedback_item", source_ref=found.data.source_ref):
            continue
        await service.raise_problem(session, system, data=found.data)
        raised += 1
    return raised
