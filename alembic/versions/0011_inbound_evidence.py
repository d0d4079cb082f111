"""A location or files carried by an inbound message

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30

A location or file sent before the report it belongs to is kept with its message, so the
sender's next report within the follow-up window takes it (bot/chat/evidence.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("inbound_messages", sa.Column("evidence", sa.JSON(), nullable=True))
    # Partial: only messages that carry evidence are indexed (every report looks them up).
    op.create_index(
        "ix_inbound_messages_evidence",
        "inbound_messages",
        ["group_id", "sender_id", "received_at"],
        postgresql_where=sa.text("evidence IS NOT NULL"),
        sqlite_where=sa.text("evidence IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_inbound_messages_evidence", table_name="inbound_messages")
    with op.batch_alter_table("inbound_messages") as batch:
        batch.drop_column("evidence")
