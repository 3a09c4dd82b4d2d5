"""public register: a row per disclosed permit and per registration, in the search's order

The public permit search sorted the union of every disclosed permit (joined to its unit) and every
registration by unit name for each page, and counted the union (about 150 ms of SQL a page on the
province at F = 0.2, issue 19). The rows the search shows now stand in ``public_register_entry``, with
the unit's name and what the search filters on, indexed by (unit name, number): a page is read in order
off the index with its LIMIT. The permit and registration use cases keep a row in their transaction
(``domain/permits/register_entry.py``, ``domain/registrations/register_entry.py``), a unit's name
change renames its rows (``domain/enterprises/public_register.py``). Filled here from the permits
that are disclosed (a number and a first version) and every registration.

The permit lists (GraphQL ``permits``, the portal's register) sorted every permit of a jurisdiction by
expiry with its NULLs last through a CASE no index holds; they now order by
coalesce(valid_until, '9999-12-31'), id, which ``ix_permit_expiry_order`` holds.

Revision ID: 0043
Revises: 0042
Create Date: 2026-12-05 07:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes.*)
from alembic import op


revision: str = '0043'
down_revision: str | None = '0042'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    "kind, permit_id, registration_id, enterprise_id, number, unit_name, credit_code, region_code,"
    " industry_code, category, status, issuing_authority, valid_from, valid_until, changed_at"
)

# When the row's data last changed: the later of its source's and its unit's.
LATER = "CASE WHEN {source}.updated_at > e.updated_at THEN {source}.updated_at ELSE e.updated_at END"


def upgrade() -> None:
    op.create_table('public_register_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('permit_id', sa.Integer(), nullable=True),
    sa.Column('registration_id', sa.Integer(), nullable=True),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=22), nullable=False),
    sa.Column('unit_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('credit_code', sqlmodel.sql.sqltypes.AutoString(length=18), nullable=False),
    sa.Column('region_code', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
    sa.Column('industry_code', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('issuing_authority', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('changed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('permit', 'registration')", name=op.f('ck_public_register_entry_kind_known')),
    sa.CheckConstraint(
        "(kind = 'permit' AND permit_id IS NOT NULL AND registration_id IS NULL)"
        " OR (kind = 'registration' AND registration_id IS NOT NULL AND permit_id IS NULL)",
        name=op.f('ck_public_register_entry_one_source'),
    ),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_public_register_entry_enterprise_id_enterprise')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_register_entry')),
    sa.UniqueConstraint('number', name=op.f('uq_public_register_entry_number')),
    sa.UniqueConstraint('permit_id', name=op.f('uq_public_register_entry_permit_id')),
    sa.UniqueConstraint('registration_id', name=op.f('uq_public_register_entry_registration_id')),
    )
    op.execute(
        f"INSERT INTO public_register_entry ({COLUMNS}) "
        "SELECT 'permit', p.id, NULL, p.enterprise_id, p.number, e.name, e.credit_code, p.region_code,"
        " p.industry_code, p.category, p.status, p.issuing_authority, p.valid_from, p.valid_until, "
        + LATER.format(source="p")
        + " FROM permit p JOIN enterprise e ON e.id = p.enterprise_id"
        " WHERE p.number IS NOT NULL AND p.content_version >= 1"
    )
    op.execute(
        f"INSERT INTO public_register_entry ({COLUMNS}) "
        "SELECT 'registration', NULL, r.id, r.enterprise_id, r.number, e.name, e.credit_code, r.region_code,"
        " r.industry_code, 'registration', r.status, '', r.valid_from, r.valid_until, "
        + LATER.format(source="r")
        + " FROM discharge_registration r JOIN enterprise e ON e.id = r.enterprise_id"
    )
    with op.batch_alter_table('public_register_entry', schema=None) as batch_op:
        batch_op.create_index('ix_public_register_entry_order', ['unit_name', 'number'], unique=False)
        batch_op.create_index(
            'ix_public_register_entry_status_valid_until', ['status', 'valid_until'], unique=False
        )
        batch_op.create_index(batch_op.f('ix_public_register_entry_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_public_register_entry_changed_at'), ['changed_at'], unique=False)
    # The permit lists' order by expiry, permits without an end last (domain/permits/models.py, EXPIRY).
    # PostgreSQL only (where the province runs): SQLite does not reflect an expression index.
    if op.get_bind().dialect.name == 'postgresql':
        op.create_index(
            'ix_permit_expiry_order', 'permit', [sa.text("coalesce(valid_until, '9999-12-31')"), 'id'], unique=False
        )
        op.execute('ANALYZE public_register_entry')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_permit_expiry_order', table_name='permit')
    op.drop_table('public_register_entry')
