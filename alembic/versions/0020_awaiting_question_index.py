"""the question awaiting a sender's answer, found by an index that ends at the window

Revision ID: 0020_awaiting_question_index
Revises: 0019_search_index_in_bulk
Create Date: 2026-11-30

Every message asks, in the statement that records it, whether the bot asked its sender a
question in this group within the follow-up window (bot/chat/suspects.py `AWAITING_QUESTION`).
(sender_id, group_id, id) let the database walk the sender's suspected reports newest first,
but kind, status and the window were checked row by row, and most messages have no question
waiting: the walk then read every suspected report the sender ever had. For a grid worker with
100,000 of them, 30 ms on PostgreSQL for every message they sent, inside the intake's writer.
(sender_id, group_id, kind, status, received_at, id) ends the walk at the window's start, and
gives the lookup's order (newest by time, then id), so even a plan made for any parameters
(PostgreSQL's generic plan of a prepared statement) takes it: ordered by id, such a plan walked
the whole table's primary key backwards instead. Not a partial index: the kind and status are
bound parameters, against which a partial index's predicate cannot be proved.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020_awaiting_question_index"
down_revision: str | None = "0019_search_index_in_bulk"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD, NEW = "ix_suspected_reports_sender_group", "ix_suspected_reports_awaiting"


def upgrade() -> None:
    op.create_index(NEW, "suspected_reports", ["sender_id", "group_id", "kind", "status", "received_at", "id"])
    op.drop_index(OLD, table_name="suspected_reports")


def downgrade() -> None:
    op.create_index(OLD, "suspected_reports", ["sender_id", "group_id", "id"])
    op.drop_index(NEW, table_name="suspected_reports")
