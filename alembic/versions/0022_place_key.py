"""a ticket's spot however it is written, for finding a new report's open repeat

Revision ID: 0022_place_key
Revises: 0021_open_repeat_index
Create Date: 2026-11-30

A second report of the same spot was matched to the open ticket there by the place as written,
so "府前街南环路口西北角" did not find "府前街与南环路交叉口西北角" and became a ticket of its own.
`place_key` (bot/tickets/gazetteer.py) is the spot with connectors, crossing words and "附近"
dropped and a crossing's roads in one order; the open repeat is looked up by it, through
(category, place_key, status) in place of (category, location, status). Existing tickets get
their key here, in batches, so that one still open (or reopened later) is found as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op
from bot.tickets.gazetteer import place_key

revision: str = "0022_place_key"
down_revision: str | None = "0021_open_repeat_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD, NEW = "ix_tickets_category_location_status", "ix_tickets_category_place_key_status"
BATCH = 5000


def upgrade() -> None:
    op.add_column("tickets", sa.Column("place_key", sa.String(200), nullable=True))
    connection = op.get_bind()
    tickets = sa.table("tickets", sa.column("id", sa.Integer), sa.column("location"), sa.column("place_key"))
    last = 0
    while True:
        rows = connection.execute(
            sa.select(tickets.c.id, tickets.c.location)
            .where(tickets.c.id > last, tickets.c.location.is_not(None))
            .order_by(tickets.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        connection.execute(
            tickets.update().where(tickets.c.id == sa.bindparam("ticket_id")).values(place_key=sa.bindparam("key")),
            [{"ticket_id": row.id, "key": place_key(row.location)} for row in rows],
        )
        last = rows[-1].id
    op.create_index(NEW, "tickets", ["category", "place_key", "status"])
    op.drop_index(OLD, table_name="tickets")


def downgrade() -> None:
    op.create_index(OLD, "tickets", ["category", "location", "status"])
    op.drop_index(NEW, table_name="tickets")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("place_key")
