"""the change feed's ids are 64-bit: change_event.id and object_id, and what points at an event

Every write of the platform adds a change event (issue 18), and the readings it names carry 64-bit ids
already: a province's hourly readings pass 2^31 within years, and so does the feed itself at national
scale. The event id, the object id, a webhook delivery's event and an endpoint's position in the feed
become bigint (the id's sequence too, whose type caps it); SQLite's integers are 64-bit already, its
columns are declared so for the schema's sake. On PostgreSQL the table is rewritten under a lock: about a
minute for the 7.6 million events of a fifth of a province (docs/operations.md).

Revision ID: 0045
Revises: 0044
Create Date: 2026-12-05 07:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0045"
down_revision: str | None = "0044"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("change_event", "object_id", False),
    ("webhook_delivery", "event_id", False),
    ("webhook_endpoint", "feed_event_id", False),
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE change_event ALTER COLUMN id TYPE bigint, ALTER COLUMN object_id TYPE bigint")
        op.execute("ALTER SEQUENCE change_event_id_seq AS bigint")
        op.execute("ALTER TABLE webhook_delivery ALTER COLUMN event_id TYPE bigint")
        op.execute("ALTER TABLE webhook_endpoint ALTER COLUMN feed_event_id TYPE bigint")
        return
    for table, column, nullable in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                column, type_=sa.BigInteger(), existing_type=sa.Integer(), existing_nullable=nullable
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE webhook_endpoint ALTER COLUMN feed_event_id TYPE integer")
        op.execute("ALTER TABLE webhook_delivery ALTER COLUMN event_id TYPE integer")
        op.execute("ALTER SEQUENCE change_event_id_seq AS integer")
        op.execute(
            "ALTER TABLE change_event ALTER COLUMN id TYPE integer, ALTER COLUMN object_id TYPE integer"
        )
        return
    for table, column, nullable in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                column, type_=sa.Integer(), existing_type=sa.BigInteger(), existing_nullable=nullable
            )
