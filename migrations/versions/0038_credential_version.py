"""credential version: a counter raised in the same transaction as any change of what an actor is made of;
an unlogged rate budget

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-05 04:00:00

Each server process may remember who a bearer token stands for (``web/token_cache.py``), with the value
of ``credential_version.n`` it read the token at. Triggers raise the counter whenever a transaction
changes a token (its owner, hash, scopes, revocation), an account (name, role, unit, region, agency,
active flag), an agency (code, status) or any authorisation; the rate budget's statement, made before
every GraphQL operation runs, reads the counter, and a process whose remembered actor is older reads the
token again. Columns no actor reads (last use, last login, password hash) raise nothing, so logging in or
using a token keeps what processes remember.

The counter is raised by DEFERRABLE INITIALLY DEFERRED constraint triggers: at commit, after every other
lock of the transaction, so two transactions changing credentials never deadlock on it. TRUNCATE (which
constraint triggers cannot watch) raises it through a plain statement trigger.

The rate budget's table (``domain/api_budget.py``, one upsert per API request) becomes UNLOGGED: its
upserts write no WAL. What it holds is operational metering, not a record: after a crash PostgreSQL
empties it, and every caller starts a fresh window (as the first request of a window does anyway).

Triggers and UNLOGGED on PostgreSQL only: on SQLite every request reads its token from the database.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0038'
down_revision: str | None = '0037'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTION = "permitwatch_credentials_changed"
WATCHED = {
    "api_token": "UPDATE OF user_id, token_hash, scopes, revoked_at OR DELETE",
    "user_account": "UPDATE OF username, role, enterprise_id, region_code, agency_id, is_active OR DELETE",
    "agency": "UPDATE OF credit_code, status OR DELETE",
    "agency_authorisation": "INSERT OR UPDATE OR DELETE",
}


def upgrade() -> None:
    op.create_table(
        'credential_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('n', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.execute("INSERT INTO credential_version (id, n) VALUES (1, 0)")
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN UPDATE credential_version SET n = n + 1 WHERE id = 1; RETURN NULL; END $$"
    )
    for table, events in WATCHED.items():
        op.execute(
            f"CREATE CONSTRAINT TRIGGER {table}_credentials_changed AFTER {events} ON {table} "
            f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_credentials_truncated AFTER TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
        )
    op.execute("ALTER TABLE api_budget SET UNLOGGED")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE api_budget SET LOGGED")
        for table in WATCHED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_credentials_changed ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_credentials_truncated ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
    op.drop_table('credential_version')
