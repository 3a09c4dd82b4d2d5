"""The demo city's deliberately wrong permits are flagged by the audit, each by the rules that name its
faults, and the 双百 pair of Jinan shows both halves, the quality half counted as direct SQL counts it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select, text

from demo.load import load
from demo.supervision_quality import WRONG_PERMITS
from domain.access import Role
from domain.accounts.queries import find_user
from domain.actors import actor_for
from domain.clock import today, utcnow
from domain.db import Database
from domain.migrate import upgrade
from domain.statistics import leaders
from domain.statistics.scope import scope_of
from domain.supervision.problems.models import Problem
from domain.supervision.quality import queries
from tests.conftest import _create_postgres_database, _drop_postgres_database, database_kind


@pytest.fixture(scope="module")
async def city(settings, tmp_path_factory):  # type: ignore[no-untyped-def]
    if database_kind() == "postgresql":
        admin_url, url = _create_postgres_database()
    else:
        admin_url, url = "", f"sqlite:///{tmp_path_factory.mktemp('quality') / 'demo.db'}"
    upgrade(url)
    database = Database(url)
    async with database.transaction() as session:
        await load(session)
    yield database
    await database.dispose()
    if admin_url:
        _drop_postgres_database(admin_url, url)


async def test_the_audit_flags_the_demo_citys_deliberately_wrong_permits(city):
    async with city.read() as session:
        officer = actor_for(await find_user(session, username="jn-permitting"), channel="portal")
        flagged = await queries.flagged_permits(session, officer, first=100, offset=0)
        by_unit = {row.enterprise_name: row for row in flagged.items}
        for name, rules in WRONG_PERMITS.items():
            assert name in by_unit, name
            page = await queries.permit_quality(
                session, officer, permit_id=by_unit[name].permit_id, locale="zh_Hans"
            )
            found = {finding.rule_code for finding in page.findings}
            assert set(rules) <= found, (name, found)
            problems = (
                await session.exec(
                    select(Problem).where(
                        Problem.permit_id == page.permit.id, Problem.source_kind == "permit_audit"
                    )
                )
            ).all()
            assert {p.source_ref.rsplit(":", 1)[1] for p in problems} >= set(rules)
            assert {p.department for p in problems} == {Role.PERMITTING.value}
        power = await queries.permit_quality(
            session, officer, permit_id=by_unit["济南历城热电有限公司"].permit_id, locale="zh_Hans"
        )
        texts = " ".join(f.text for f in power.findings)
        assert "汞及其化合物" in texts and "每年" in texts and "每季度" in texts  # names, never codes
        assert power.permit.content_version == 2  # the change's version is the one audited
        cement = await queries.permit_quality(
            session, officer, permit_id=by_unit["济南章丘水泥有限公司"].permit_id, locale="zh_Hans"
        )
        limit = next(f for f in cement.findings if f.rule_code == "PQ05")
        assert "50" in limit.text and "30" in limit.text and "GB 4915-2013" in limit.basis


async def test_the_double_hundred_shows_both_halves_counted_as_sql_counts_them(city):
    on = today()
    async with city.read() as session:
        chief = actor_for(await find_user(session, username="jn-permitting"), channel="portal")
        figures = await leaders.leader_statistics(
            session, chief, scope_of(chief, year=str(on.year), month="")
        )
        since = utcnow() - timedelta(days=3 * 365 - 1)
        whole, part = (
            await session.exec(
                text(
                    "SELECT COUNT(*), SUM(CASE WHEN EXISTS (SELECT 1 FROM quality_check c "
                    "WHERE c.permit_id = p.id AND c.checked_at IS NOT NULL AND c.checked_at >= :since) "
                    "THEN 1 ELSE 0 END) FROM permit p WHERE p.status = 'issued' "
                    "AND p.region_code LIKE '3701%' AND p.valid_from <= :on "
                    "AND (p.valid_until IS NULL OR p.valid_until >= :on)"
                ).bindparams(since=since, on=on)
            )
        ).one()
    assert figures.quality_checked.whole == whole > 10
    assert figures.quality_checked.part == int(part) == 2  # the closed campaign checked two permits
    assert figures.filing.due > 0  # the other half, beside it
    assert isinstance(figures.quality_checked.rate, float) and 0 < figures.quality_checked.rate < 1
