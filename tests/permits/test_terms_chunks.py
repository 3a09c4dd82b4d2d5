"""A permit's terms are read for many permits at once, a few thousand a statement: a province's district
holds more permits than PostgreSQL allows parameters in one statement (65,535), and the filing rollup's
rebuild read them all in one (found by the province generator at full size, issue 19)."""

from __future__ import annotations

from datetime import timedelta

from domain.clock import today
from domain.permits import terms
from tests.factories import make_enterprise, make_permit


async def test_the_terms_of_more_permits_than_a_read_takes_are_all_read(session, monkeypatch):
    decided = (today() - timedelta(days=400)).isoformat()
    permits = [
        await make_permit(session, await make_enterprise(session), decision_date=decided) for _ in range(5)
    ]
    monkeypatch.setattr(terms, "READ_CHUNK", 2)
    terms.forget_all()
    statements: list[str] = []
    from sqlalchemy import event

    engine = session.bind.sync_engine if hasattr(session.bind, "sync_engine") else session.get_bind()

    def counted(_conn, _cursor, text, *_args):  # type: ignore[no-untyped-def]
        statements.append(text)

    event.listen(engine, "before_cursor_execute", counted)
    try:
        found = await terms.terms_of(session, permits)
    finally:
        event.remove(engine, "before_cursor_execute", counted)
    assert sorted(found) == sorted(p.id for p in permits)
    assert all(found[p.id].report_kinds for p in permits)
    assert len(statements) == 3 * 5  # five reads for each of three chunks of at most two permits
