"""Migration 0008: every existing unit gets site 001 at its operating address; its permits are that site's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from domain import migrate
from domain.db import sync_url
from tests.conftest import _create_postgres_database, _drop_postgres_database, database_kind

NOW = "2026-01-05 08:00:00+00:00"


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    if database_kind() == "postgresql":
        admin_url, url = _create_postgres_database()
        yield url
        _drop_postgres_database(admin_url, url)
    else:
        yield f"sqlite:///{tmp_path / 'before-sites.db'}"


def test_existing_units_and_permits_move_onto_site_001(empty_database_url):
    migrate.upgrade(empty_database_url, "0007")
    engine = sa.create_engine(sync_url(empty_database_url), poolclass=sa.pool.NullPool)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO enterprise (credit_code, name, registered_address, operating_address, "
                "legal_representative, technical_lead, contact_phone, industry_code, region_code, "
                "management_category, version, created_at, updated_at) VALUES ('91310107MA00000010', '老厂', "
                "'注册地址1号', '经营地址2号', '王伟', '', '', '4411', '310107', 'key', 1, :now, :now)"
            ),
            {"now": NOW},
        )
        enterprise_id = connection.execute(sa.text("SELECT id FROM enterprise")).scalar_one()
        connection.execute(
            sa.text(
                "INSERT INTO permit (number, enterprise_id, category, status, issuing_authority, "
                "region_code, industry_code, renewed, validity_cut_reason, renewal_due_approximate, "
                "content_version, "
                "created_at, updated_at) VALUES ('91310107MA00000010001P', :id, 'key', 'issued', '局', "
                "'310107', '4411', false, '', false, 1, :now, :now)"
            ),
            {"id": enterprise_id, "now": NOW},
        )
    engine.dispose()

    migrate.upgrade(empty_database_url, "0008")

    engine = sa.create_engine(sync_url(empty_database_url), poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        site = connection.execute(
            sa.text(
                "SELECT id, enterprise_id, sequence, name, address, region_code, industry_code "
                "FROM production_site"
            )
        ).one()
        permit_site = connection.execute(sa.text("SELECT site_id FROM permit")).scalar_one()
    engine.dispose()
    assert tuple(site)[1:] == (enterprise_id, 1, "老厂", "经营地址2号", "310107", "4411")
    assert permit_site == site.id
