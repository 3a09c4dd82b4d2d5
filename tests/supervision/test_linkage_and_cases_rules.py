"""The pure rules of linkage and cases, without a database."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from domain.supervision.cases import rules as case_rules
from domain.supervision.cases.rules import DocumentInput
from domain.supervision.linkage import rules as linkage_rules
from domain.supervision.linkage.rules import StepInput, TaskInput

TODAY = date(2026, 12, 4)


def test_a_receiver_is_overdue_only_until_it_feeds_back():
    due = TODAY - timedelta(days=1)
    assert linkage_rules.is_overdue(stage="executed", due_on=due, today=TODAY)
    assert not linkage_rules.is_overdue(stage="fed_back", due_on=due, today=TODAY)
    assert not linkage_rules.is_overdue(stage="sent", due_on=TODAY, today=TODAY)  # due today is not late


def test_a_task_names_every_problem_at_once():
    errors = linkage_rules.task_errors(
        TaskInput(
            description="",
            requested_action="x\x00",
            receivers=("ecology", "ecology", "nobody"),
            handler="a" * 51,
            responsible_person="刘",
            initiated_on=date(1, 1, 1),
            due_on=None,
            department="ecology",
        ),
        today=TODAY,
    )
    assert {(e.field, e.code) for e in errors} == {
        ("description", "required"),
        ("requested_action", "invalid"),
        ("receivers", "unknown_department"),
        ("receivers", "duplicate"),
        ("receivers", "own_department"),
        ("handler", "too_long"),
        ("initiated_on", "date_range"),
        ("due_on", "required"),
    }


def test_a_step_is_dated_between_the_task_and_today():
    step = StepInput(text="ok", handler="a", responsible_person="b", done_on=TODAY + timedelta(days=1))
    assert [e.code for e in linkage_rules.step_errors(step, today=TODAY)] == ["future"]
    early = StepInput(text="ok", handler="a", responsible_person="b", done_on=TODAY - timedelta(days=9))
    assert [e.code for e in linkage_rules.step_errors(early, today=TODAY, not_before=TODAY)] == [
        "before_start"
    ]


def test_a_fine_is_positive_bounded_and_in_fen():
    for good in (Decimal("0.01"), Decimal("230000"), Decimal("100000000")):
        assert case_rules.penalty_error(good) is None
    for bad in (Decimal("0"), Decimal("-1"), Decimal("100000000.01"), Decimal("1.005"), Decimal("Infinity")):
        assert case_rules.penalty_error(bad) is not None, bad
    assert case_rules.penalty_cents(Decimal("230000.5")) == 23_000_050


def test_only_a_fine_or_a_penalty_measure_makes_a_case_public():
    assert case_rules.has_penalty(100, [])
    assert case_rules.has_penalty(None, ["suspend_production"])
    assert not case_rules.has_penalty(None, ["order_correction", "refer_police"])


def test_a_document_is_what_its_name_says():
    pdf = b"%PDF-1.7 ..."
    assert case_rules.document_errors(DocumentInput("decision", "a.PDF", pdf)) == []
    assert [e.code for e in case_rules.document_errors(DocumentInput("decision", "a.png", pdf))] == [
        "file_type"
    ]
    assert [e.field for e in case_rules.document_errors(DocumentInput("letter", "a.pdf", pdf))] == ["kind"]
    assert case_rules.sha256(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
