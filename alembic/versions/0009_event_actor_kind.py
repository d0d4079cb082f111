"""Ticket events record how they were made (actor_kind) and their message's platform

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30

The timeline badge (系统 / 网页 / 群消息) used to be read off actor_id, which a chat
platform lets a sender choose ("guanjia", "web:alice"); the quoted 原始群消息 was found by
message id alone, which another platform may reuse. Both now come from what the server
recorded. Old rows are backfilled: an event without a source message was made by the
bot or the web (by its id, the only record there is); one with a message came from chat,
and its platform is that of the stored message of the ticket's group (else any group).
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BACKFILL_KIND = """
UPDATE ticket_events SET actor_kind = CASE
    WHEN source_msg_id IS NULL AND actor_id = 'guanjia' THEN 'system'
    WHEN source_msg_id IS NULL AND actor_id LIKE 'web:%' THEN 'web'
    ELSE 'chat' END
"""
_BACKFILL_PLATFORM = """
UPDATE ticket_events SET source_platform = COALESCE(
    (SELECT MIN(m.platform) FROM inbound_messages m JOIN tickets t ON t.group_id = m.group_id
     WHERE t.id = ticket_events.ticket_id AND m.msg_id = ticket_events.source_msg_id),
    (SELECT MIN(m.platform) FROM inbound_messages m WHERE m.msg_id = ticket_events.source_msg_id))
WHERE source_msg_id IS NOT NULL
"""


def upgrade() -> None:
    op.add_column("ticket_events", sa.Column("source_platform", sa.String(length=32), nullable=True))
    op.add_column("ticket_events", sa.Column("actor_kind", sa.String(length=16), nullable=True))
    op.execute(_BACKFILL_KIND)
    op.execute(_BACKFILL_PLATFORM)
    with op.batch_alter_table("ticket_events") as batch:
        batch.alter_column("actor_kind", existing_type=sa.String(length=16), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("ticket_events") as batch:
        batch.drop_column("actor_kind")
        batch.drop_column("source_platform")
