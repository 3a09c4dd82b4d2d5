"""Every list the product shows lists, counts and pages exactly the rows can() lets its reader see.

Over a generated city (``tests/access/city.py``) and for every kind of actor, each list of
``tests/access/lists.py`` is read page by page (three rows a page) and compared with the rows of the
city that can() allows, one by one: the same rows, each once, ``total`` their number, ``has_next`` true
exactly while rows remain, and a refusal exactly when the list's own operation refuses the reader. The
expected rows are computed from what the city was built with and ``domain.access.can``, never from the
SQL under test.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from domain.audit.models import AuditEntry
from domain.db import Database
from domain.errors import NotAuthenticated, NotFound, PermissionDenied
from domain.migrate import upgrade
from tests.access import city as city_module
from tests.access.lists import CASES
from tests.conftest import _create_postgres_database, _drop_postgres_database, database_kind


@pytest.fixture(scope="module")
async def city(settings, tmp_path_factory):  # type: ignore[no-untyped-def]
    """A database of its own holding the city, built once for this module."""
    if database_kind() == "postgresql":
        admin_url, url = _create_postgres_database()
    else:
        admin_url, url = "", f"sqlite:///{tmp_path_factory.mktemp('city') / 'city.db'}"
    upgrade(url)
    database = Database(url)
    async with database.transaction() as session:
        built = await city_module.build(session)
    async with database.read() as session:
        built.audit_ids = set((await session.exec(select(AuditEntry.id))).all())
        built.audit_units = dict((await session.exec(select(AuditEntry.id, AuditEntry.enterprise_id))).all())
    yield database, built
    await database.dispose()
    if admin_url:
        _drop_postgres_database(admin_url, url)


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(
            case, marks=[pytest.mark.xfail(strict=True, reason=case.known_wrong)] if case.known_wrong else []
        )
        for case in CASES
    ],
    ids=[case.name for case in CASES],
)
async def test_a_list_shows_exactly_what_can_allows(city, case):
    database, built = city
    failures = []
    for name, actor in built.actors:
        expected = case.expected(built, actor)
        async with database.read() as session:
            try:
                got = await case.fetch(session, actor, built)
            except (PermissionDenied, NotAuthenticated, NotFound) as refusal:
                got, shown = None, type(refusal).__name__
            except AssertionError as error:  # the paging itself was inconsistent
                failures.append(f"{name}: {error}")
                continue
            else:
                shown = got
        if got != expected:
            failures.append(f"{name}: listed {shown!r}, can() allows {expected!r}")
    assert not failures, "\n".join(failures)


def test_the_city_holds_every_kind_of_actor_and_authorisation(city):
    _database, built = city
    actors = dict(built.actors)
    assert {"public", "cli-operator", "admin", "agency-staff[approved]", "enterprise_admin#0"} <= set(actors)
    assert sum(name.endswith("/read-only-token") for name in actors) == (len(actors) - 2) // 2
    # The agency's authorisations in force today, as the server reads them: expired (3), not yet
    # started (4) and revoked (5) are out; a suspended agency holds none.
    clients = {
        built.enterprises.index(built.enterprise(e))
        for e, _ in actors["agency-staff[approved]"].authorisations
    }
    assert clients == {0, 1, 2, 6}
    assert actors["agency-staff[suspended]"].authorisations == frozenset()
    # Units' trails hold entries of several units (and entries of none, such as agencies' registrations).
    units = set(built.audit_units.values())
    assert None in units and len(units - {None}) >= 3


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_the_city_tells_readers_apart_in_every_list(city, case):
    """Not trivial: each list gives different readers different answers (a public list: everyone the same),
    and someone a row."""
    _database, built = city
    answers = [case.expected(built, actor) for _name, actor in built.actors]
    distinct = len({repr(answer) for answer in answers})
    assert distinct == 1 if case.same_for_everyone else distinct >= 2, answers
    assert any(_shows_something(answer) for answer in answers), answers


def _shows_something(answer: object) -> bool:
    if isinstance(answer, dict):
        return any(_shows_something(value) for value in answer.values())
    return bool(answer)
