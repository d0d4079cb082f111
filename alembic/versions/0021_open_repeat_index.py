"""a new report's open repeat at the same place, read without the place's closed history

Revision ID: 0021_open_repeat_index
Revises: 0020_awaiting_question_index
Create Date: 2026-11-30

Every report asks for the earliest open ticket of its category at its place, to be cancelled as
its duplicate (bot/tickets/hot_writes.py). (category, location) found every ticket there, and
the status was checked row by row: a spot reported for years (a market's gate, a bin) holds
thousands of closed tickets, read for every new report there. (category, location, status)
reads only the open ones.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021_open_repeat_index"
down_revision: str | None = "0020_awaiting_question_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD, NEW = "ix_tickets_category_location", "ix_tickets_category_location_status"


def upgrade() -> None:
    op.create_index(NEW, "tickets", ["category", "location", "status"])
    op.drop_index(OLD, table_name="tickets")


def downgrade() -> None:
    op.create_index(OLD, "tickets", ["category", "location"])
    op.drop_index(NEW, table_name="tickets")
